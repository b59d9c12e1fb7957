import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../shared/domain/errors.ts';
import { formatProblems } from '../../shared/domain/pipeline-file.ts';
import { ownPortProblems } from '../../shared/domain/pipeline-rules.ts';
import { loadPipelineFile } from '../../shared/local/local-config.ts';
import { consoleLogger, isLogLevel, LOG_LEVELS, type LogLevel } from '../local/console-logger.ts';
import type { LocalApp } from '../local/create-local-app.ts';
import { removeServerInfo, runningServer, serverFile, writeServerInfo } from '../local/server-info.ts';
import { withSlackApiUrl } from '../local/slack-api-url.ts';
import type { SetExitCode } from './index.ts';

interface UpOptions {
  config: string;
  port: string;
  host: string;
  data: string;
  detach?: boolean;
  logLevel: string;
  slackApiUrl?: string;
}

const HELP = `
The server answers:
  POST /webhooks/github   GitHub push webhooks (X-Hub-Signature-256 with GITHUB_WEBHOOK_SECRET)
  POST /webhooks/gitlab   GitLab push webhooks (X-Gitlab-Token with GITLAB_WEBHOOK_TOKEN)
  GET  /healthz, /api/runs, /api/runs/:id, /api/runs/:id/logs/build

Secrets come from the environment or a .env file beside the pipeline file. Without
GITHUB_WEBHOOK_SECRET a random one is generated and kept in <data>/webhook-secret.
Slack: SLACK_BOT_TOKEN (for pipelines with notifications.slack.channel) or SLACK_WEBHOOK_URL;
SLACK_API_URL or --slack-api-url points the bot at a Slack-compatible server.
Stop the server with Ctrl-C, or with \`pushline down\` when it runs detached.`;

export function register(program: Command, setExitCode: SetExitCode): void {
  program
    .command('up')
    .description('Run Pushline locally: webhooks, the runs API and the pipelines, in one process.')
    .option('-c, --config <file>', 'the pipeline file', 'pushline.yml')
    .option('-p, --port <port>', 'the port to listen on (0: any free port)', '8787')
    .option('--host <address>', 'the address to listen on', '127.0.0.1')
    .option('-d, --data <dir>', 'the data folder (database, build logs, server.json)', '.pushline')
    .option('--detach', 'start in the background, wait until it answers, print its URL')
    .option('--log-level <level>', `one of ${LOG_LEVELS.join(', ')}`, 'info')
    .option('--slack-api-url <url>', "the Slack bot's Web API root (default: SLACK_API_URL, else Slack's)")
    .addHelpText('after', HELP)
    .action(async (options: UpOptions) => setExitCode(await up(options)));
}

async function up(options: UpOptions): Promise<number> {
  const port = Number(options.port);
  if (!/^\d+$/.test(options.port) || port > 65535) {
    console.error(`pushline up: --port must be a number from 0 to 65535, not "${options.port}"`);
    return 2;
  }
  if (!isLogLevel(options.logLevel)) {
    console.error(`pushline up: --log-level must be one of ${LOG_LEVELS.join(', ')}`);
    return 2;
  }
  const slack = withSlackApiUrl(process.env, options.slackApiUrl);
  if ('problem' in slack) {
    console.error(`pushline up: ${slack.problem}`);
    return 2;
  }
  const file = resolve(options.config);
  const dataDir = resolve(options.data);
  const running = runningServer(dataDir);
  if (running) {
    console.error(`pushline up: a server already runs for ${dataDir} (pid ${running.pid}) at ${running.url}`);
    console.error('Stop it with `pushline down` first.');
    return 1;
  }
  try {
    // Refuse a bad file here, where the user sees the problems — also before going into the background.
    const pipelines = loadPipelineFile(file).pipelines;
    // A target on Pushline's own port would fail at its first deployment: refuse it now, by its key.
    const clashes = ownPortProblems(pipelines, port);
    if (clashes.length > 0) {
      console.error(`pushline up: ${file} puts a target on Pushline's own port ${port}:`);
      console.error(formatProblems(clashes, file));
      return 1;
    }
    if (options.detach) {
      const args = ['--config', file, '--port', String(port), '--host', options.host, '--data', dataDir];
      if (options.slackApiUrl) args.push('--slack-api-url', options.slackApiUrl);
      const { startDetached } = await import('../local/detach.ts');
      const { pid, url, log } = await startDetached([...args, '--log-level', options.logLevel], dataDir);
      console.log(url);
      console.error(
        `Pushline runs in the background (pid ${pid}); log: ${log}; stop it with \`pushline down\`.`,
      );
      return 0;
    }
    return await serve(file, dataDir, port, options.host, options.logLevel, slack.env);
  } catch (error) {
    if (error instanceof ConfigError) console.error(`pushline up: ${error.message}`);
    else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`pushline up: port ${port} is in use; choose another with --port`);
    } else console.error(`pushline up: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

async function serve(
  file: string,
  dataDir: string,
  port: number,
  host: string,
  level: LogLevel,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const logger = consoleLogger({ level });
  // Loaded here, not at the top: the other commands start faster without the whole server.
  const { createLocalApp } = await import('../local/create-local-app.ts');
  const app: LocalApp = await createLocalApp({ file, dataDir, port, host, env, logger });
  writeServerInfo(dataDir, {
    pid: process.pid,
    port: app.port,
    url: app.url,
    config: file,
    startedAt: new Date().toISOString(),
  });
  console.log(`Pushline is up at ${app.url} (data: ${dataDir})`);
  process.on('SIGHUP', reload);
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  process.off('SIGHUP', reload);
  // A second signal while shutting down means "now".
  const force = () => process.exit(130);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  logger.info('shutting down', { signal });
  await app.close();
  removeServerInfo(dataDir, process.pid);
  logger.info('stopped', { serverFile: serverFile(dataDir) });
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  // Whatever a stage left behind (a stray timer) must not keep the process alive after a clean stop.
  setTimeout(() => process.exit(process.exitCode ?? 0), 3000).unref();
  return 0;

  function reload(): void {
    try {
      const reloaded = app.reloadConfig();
      logger.info('pipeline file reloaded', { pipelines: reloaded.pipelines.map((p) => p.name) });
    } catch (error) {
      logger.error('pipeline file not reloaded; the previous one stays in force', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
