import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { Run } from '../../shared/domain/run.ts';
import {
  CHANGES,
  commitAndPush,
  DEMO_PIPELINE,
  DEMO_REPO,
  type DemoRepo,
  type DemoSlack,
  demoSlackFrom,
  freePort,
  scaffoldDemo,
} from '../demo/scaffold.ts';
import { startTraffic } from '../demo/traffic.ts';
import { findRunOf, watchRun } from '../demo/watch-run.ts';
import { consoleLogger } from '../local/console-logger.ts';
import { createLocalApp, type LocalApp } from '../local/create-local-app.ts';
import { withSlackApiUrl } from '../local/slack-api-url.ts';
import { installHook } from './hook.ts';
import type { SetExitCode } from './index.ts';

interface DemoOptions {
  dir?: string;
  port: string;
  keep?: boolean;
  slackApiUrl?: string;
}

interface Scenario {
  title: string;
  message: string;
  edits?: Record<string, (text: string) => string>;
  expect: (run: Run) => string | undefined;
}

const SCENARIOS: Scenario[] = [
  {
    title: '1/3  A good change goes all the way to production',
    message: 'Greet the world in four languages',
    expect: (run) => (run.status === 'succeeded' ? undefined : `expected succeeded, got ${run.status}`),
  },
  {
    title: '2/3  A change that breaks under real traffic is caught by the canary and rolled back',
    ...CHANGES.canaryBug,
    expect: (run) =>
      run.status !== 'rolled_back'
        ? `expected rolled_back, got ${run.status}`
        : run.canary?.verdict?.result !== 'unhealthy'
          ? 'expected an unhealthy canary verdict'
          : undefined,
  },
  {
    title: '3/3  A change whose unit test fails stops at the build',
    ...CHANGES.failingTest,
    expect: (run) =>
      run.status !== 'failed'
        ? `expected failed, got ${run.status}`
        : !run.build?.failingTests?.some((t) => t.includes('greets by name in French'))
          ? 'expected the failing test "greets by name in French" to be named'
          : undefined,
  },
];

async function pickPort(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(0));
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolve(preferred)));
  });
}

function describeSlack(slack: DemoSlack | undefined, env: NodeJS.ProcessEnv): string {
  if (!slack) return 'not configured (set SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN and SLACK_CHANNEL)';
  const server = env.SLACK_API_URL ? ` through ${env.SLACK_API_URL}` : '';
  return slack.mode === 'bot'
    ? `the bot posts to ${slack.channel}${server}`
    : 'runs are posted to the incoming webhook SLACK_WEBHOOK_URL';
}

/**
 * `pushline demo`: a whole Pushline run on this machine, from `git push` to production, three
 * times — a good change, a change the canary rolls back, a change whose tests fail. Its scratch
 * folder is removed at the end, unless the user named it (`--dir`), keeps serving it (`--keep`),
 * or a run did not end as expected (its build logs then tell why).
 */
async function demo(options: DemoOptions): Promise<number> {
  const withSlack = withSlackApiUrl(process.env, options.slackApiUrl);
  if ('problem' in withSlack) {
    console.error(`pushline demo: ${withSlack.problem}`);
    return 2;
  }
  const scratch = options.dir === undefined;
  const dir = path.resolve(options.dir ?? (await mkdtemp(path.join(tmpdir(), 'pushline-demo-'))));
  const secret = randomBytes(24).toString('base64url');
  const env = { ...withSlack.env, GITHUB_WEBHOOK_SECRET: secret };
  const slack = demoSlackFrom(env);
  let succeeded = false;
  try {
    const ports = { staging: await freePort(), production: await freePort() };
    const repo = await scaffoldDemo(dir, ports, slack ? { slack } : {});
    console.log(`Pushline demo in ${dir}`);
    console.log(`  sample service: ${repo.work} (origin: ${repo.origin})`);
    console.log(`  Slack: ${describeSlack(slack, env)}`);
    const code = await runDemo(repo, ports, env, options);
    succeeded = code === 0;
    return code;
  } finally {
    // Removed only after the app closed: its builds and app processes write into this folder.
    if (scratch && !options.keep && succeeded) {
      await rm(dir, { recursive: true, force: true });
      console.log(`Removed ${dir} (keep it with --keep, or choose the folder with --dir)`);
    } else if (scratch && !options.keep)
      console.log(`The demo's files stay in ${dir}, to see what went wrong`);
  }
}

async function runDemo(
  repo: DemoRepo,
  ports: { staging: number; production: number },
  env: NodeJS.ProcessEnv,
  options: DemoOptions,
): Promise<number> {
  let app: LocalApp | undefined;
  const failures: string[] = [];
  try {
    app = await createLocalApp({
      file: repo.configFile,
      dataDir: repo.dataDir,
      port: await pickPort(Number(options.port)),
      env,
      logger: consoleLogger({ level: 'warn' }),
      quiet: true,
    });
    await installHook({ gitDir: repo.origin, repo: DEMO_REPO, url: app.url, dataDir: repo.dataDir });
    console.log(
      `  Pushline is up at ${app.url}; production answers on http://127.0.0.1:${ports.production}/\n`,
    );

    for (const scenario of SCENARIOS) {
      console.log(scenario.title);
      const { commit } = await commitAndPush(repo, scenario.message, scenario.edits, env);
      const started = await findRunOf(app.store, DEMO_PIPELINE, commit);
      console.log(`  run ${started.id}  (${app.url}/runs/${started.id})`);
      let traffic: ReturnType<typeof startTraffic> | undefined;
      const run = await watchRun(app.store, started.id, {
        onChange: (current) => {
          // The demo's users arrive once a canary is taking production traffic.
          if (!traffic && current.stages.canary.status === 'running')
            traffic = startTraffic({ port: ports.production });
        },
      });
      const sent = await traffic?.stop();
      const problem = scenario.expect(run);
      const served = sent ? `; ${sent.sent} requests sent to production` : '';
      const reason = run.reason && run.reason.length > 160 ? `${run.reason.slice(0, 157)}…` : run.reason;
      console.log(`  → ${run.status.replace('_', ' ')}${reason ? `: ${reason}` : ''}${served}\n`);
      if (problem) failures.push(`${scenario.title.slice(0, 3)} ${problem}`);
    }

    console.log(`Dashboard: ${app.url}/   API: ${app.url}/api/runs`);
    if (failures.length) {
      console.error(`The demo did not go as expected:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
      return 1;
    }
    console.log('All three runs ended as expected.');
    if (options.keep) {
      console.log('Pushline keeps serving the demo; stop it with Ctrl-C.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
    } else if (options.dir !== undefined) {
      console.log(
        `To browse these runs later: pushline up --config ${repo.configFile} --data ${repo.dataDir}`,
      );
    }
    return 0;
  } finally {
    await app?.close();
  }
}

export function register(program: Command, setExitCode: SetExitCode): void {
  program
    .command('demo')
    .description('Run the whole pipeline on this machine: git push → build → staging → canary → production.')
    .option('--dir <folder>', 'where to create the sample service (default: a new temporary folder)')
    .option('-p, --port <port>', 'the port of the Pushline server (another free one if taken)', '8787')
    .option('--keep', 'keep serving the dashboard after the demo, until Ctrl-C, and keep its folder')
    .option('--slack-api-url <url>', "the Slack bot's Web API root (default: SLACK_API_URL, else Slack's)")
    .addHelpText(
      'after',
      `
Slack: with SLACK_WEBHOOK_URL (an incoming webhook), or SLACK_BOT_TOKEN and SLACK_CHANNEL (a bot),
in the environment, the demo's pipeline announces its runs there too.
The temporary folder is removed at the end, unless --dir or --keep is given.`,
    )
    .action(async (options: DemoOptions) => setExitCode(await demo(options)));
}
