import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { git } from '../../shared/local/git.ts';

/** The sample service the demo pushes: a small HTTP app with real unit tests and a buildspec.yml. */
export const SERVICE_TEMPLATE = fileURLToPath(new URL('./service/', import.meta.url));

export const DEMO_REPO = 'pushline/demo-service';
export const DEMO_PIPELINE = 'demo-service';

const AUTHOR = {
  GIT_AUTHOR_NAME: 'Ada Lovelace',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada Lovelace',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
};

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Where the demo's runs are announced in Slack, besides the console: `webhook` posts to the
 * incoming webhook whose URL is the secret `SLACK_WEBHOOK_URL`; `bot` posts with `SLACK_BOT_TOKEN`
 * to `channel`, one message per run updated in place.
 */
export type DemoSlack = { mode: 'webhook' } | { mode: 'bot'; channel: string };

/**
 * The Slack the demo's environment asks for: a bot when `SLACK_BOT_TOKEN` and `SLACK_CHANNEL` are
 * both set, else an incoming webhook when `SLACK_WEBHOOK_URL` is, else none.
 */
export function demoSlackFrom(env: Readonly<Record<string, string | undefined>>): DemoSlack | undefined {
  const set = (name: string) => env[name]?.trim() || undefined;
  const channel = set('SLACK_CHANNEL');
  if (set('SLACK_BOT_TOKEN') && channel) return { mode: 'bot', channel };
  if (set('SLACK_WEBHOOK_URL')) return { mode: 'webhook' };
  return undefined;
}

/**
 * The pipeline file's `notifications` section. Commit statuses stay off whatever the environment
 * holds: the demo's repository (`pushline/demo-service`) exists only on this machine.
 */
function notificationsSection(slack: DemoSlack | undefined): string {
  const lines = ['    notifications:', '      commitStatus: false'];
  // JSON quoting is valid YAML and keeps a channel like `#deploys` from reading as a comment.
  if (slack?.mode === 'bot') lines.push('      slack:', `        channel: ${JSON.stringify(slack.channel)}`);
  if (slack?.mode === 'webhook')
    lines.push('      slack:', '        webhook: SLACK_WEBHOOK_URL   # the secret holding the URL');
  return `${lines.join('\n')}\n`;
}

/** The demo's pipeline file: short canary windows so that a whole run takes seconds, not minutes. */
export function demoPipelineFile(
  ports: { staging: number; production: number },
  options: { slack?: DemoSlack } = {},
): string {
  return `# Written by \`pushline demo\`. Every key: docs/pipeline-file.md
version: 1
pipelines:
  - name: ${DEMO_PIPELINE}
    source:
      github: ${DEMO_REPO}
    on:
      branches: [main]
    build:
      buildspec: buildspec.yml
    staging:
      local:
        start: node server.js
        port: ${ports.staging}
        health: /healthz
    production:
      local:
        start: node server.js
        port: ${ports.production}   # the blue/green proxy
        health: /healthz
      canary:
        traffic: 30        # the new release takes 30% of requests
        interval: 2s       # judged every two seconds
        bake: 8s           # healthy for eight seconds: promoted
        minRequests: 20
        noData: rollback
        metrics:
          - name: error_rate
            local: error_rate
            max: 0.02
          - name: latency_p95
            local: latency_p95
            max: 500
    timeouts:
      build: 2m
      staging: 1m
      canary: 2m
      production: 1m
${notificationsSection(options.slack)}`;
}

export interface DemoRepo {
  dir: string;
  origin: string;
  work: string;
  configFile: string;
  dataDir: string;
}

/** Creates the scratch folder: a bare origin, a working clone with the sample service, the pipeline file. */
export async function scaffoldDemo(
  dir: string,
  ports: { staging: number; production: number },
  options: { slack?: DemoSlack } = {},
): Promise<DemoRepo> {
  const origin = path.join(dir, 'origin.git');
  const work = path.join(dir, 'demo-service');
  await mkdir(dir, { recursive: true });
  await git(dir, ['init', '-q', '--bare', '-b', 'main', origin]);
  await git(dir, ['init', '-q', '-b', 'main', work]);
  await git(work, ['remote', 'add', 'origin', origin]);
  await cp(SERVICE_TEMPLATE, work, { recursive: true });
  const configFile = path.join(dir, 'pushline.yml');
  await writeFile(configFile, demoPipelineFile(ports, options));
  return { dir, origin, work, configFile, dataDir: path.join(dir, '.pushline') };
}

/** Edits files of the working clone, commits them and pushes to origin (whose hook starts a run). */
export async function commitAndPush(
  repo: DemoRepo,
  message: string,
  edits: Record<string, (text: string) => string> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ commit: string; pushOutput: string }> {
  for (const [file, edit] of Object.entries(edits)) {
    const target = path.join(repo.work, file);
    await writeFile(target, edit(await readFile(target, 'utf8')));
  }
  const gitEnv = { ...env, ...AUTHOR };
  await git(repo.work, ['add', '-A'], gitEnv);
  await git(repo.work, ['commit', '-q', '-m', message], gitEnv);
  const commit = (await git(repo.work, ['rev-parse', 'HEAD'])).trim();
  const { execFile } = await import('node:child_process');
  const pushOutput = await new Promise<string>((resolve, reject) => {
    execFile(
      'git',
      ['push', '-q', 'origin', 'main'],
      { cwd: repo.work, env: gitEnv },
      (error, stdout, stderr) =>
        error ? reject(new Error(`git push failed: ${stderr}`)) : resolve(`${stdout}${stderr}`),
    );
  });
  return { commit, pushOutput };
}

/** The three changes the demo pushes after the first commit. */
export const CHANGES = {
  /** Unit tests pass, but requests without a name now fail: the canary catches it. */
  canaryBug: {
    message: 'Personalise the greeting with the trimmed name',
    edits: {
      'app.js': (text: string) =>
        text
          .replace(
            "export function greet(name = 'world', lang = 'en') {",
            "export function greet(name, lang = 'en') {",
          )
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the sample's source code, not a template
          .replace('return `${greeting}, ${name}!`;', 'return `${greeting}, ${name.trim()}!`;')
          .replace("VERSION = '1.0.0'", "VERSION = '1.1.0'"),
      'test/app.test.js': (text: string) =>
        text.replace(
          "assert.equal(greet(), 'Hello, world!');",
          "assert.equal(greet(' world '), 'Hello, world!');",
        ),
    },
  },
  /** A change whose unit test fails: the build stops it. */
  failingTest: {
    message: 'Say "Salut" in French',
    edits: {
      'app.js': (text: string) =>
        text.replace("fr: 'Bonjour'", "fr: 'Salut'").replace(/VERSION = '[\d.]+'/, "VERSION = '1.2.0'"),
    },
  },
};
