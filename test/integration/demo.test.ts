import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { RecordingServer } from '../support/recording-server.ts';

/**
 * `pushline demo` as a user runs it: the real CLI in a child process, its three runs (a good
 * change, a canary rolled back, a failing test) with Slack pointed at a local recording server.
 * Each demo takes about 25 s on an idle machine.
 */

const BIN = fileURLToPath(new URL('../../bin/pushline.js', import.meta.url));
const DEMO_TIMEOUT_MS = 150_000;

/** The three pushes of the demo, by commit message, and how each run ends in Slack. */
const RUNS = [
  { message: 'Greet the world in four languages', endIcon: ':white_check_mark:' },
  { message: 'Personalise the greeting with the trimmed name', endIcon: ':rewind:' },
  { message: 'Say "Salut" in French', endIcon: ':x:' },
];

interface Demo {
  code: number | null;
  output: string;
  /** The folder the demo announced (`Pushline demo in <dir>`). */
  dir: string;
}

/** Runs `pushline demo <args>` with `env` over an environment free of the user's Slack and Git host settings. */
function runDemo(args: string[], env: Record<string, string>): Promise<Demo> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(SLACK_|GITHUB_TOKEN|GITLAB_TOKEN)/.test(name)),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'demo', '--port', '0', ...args], {
      env: { ...clean, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the demo did not end in ${DEMO_TIMEOUT_MS / 1000}s:\n${output}`));
    }, DEMO_TIMEOUT_MS - 5_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const dir = /^Pushline demo in (.+)$/m.exec(output)?.[1] ?? '';
      resolve({ code, output, dir });
    });
  });
}

/**
 * The files under `dir` that hold one of `secrets`, and which: every log, build, database and
 * checkout file, but the one file meant to hold the webhook secret (`webhook-secret`, 0600).
 */
function secretsIn(dir: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === 'webhook-secret') continue;
    const path = join(entry.parentPath, entry.name);
    if (statSync(path).size > 64 * 1024 * 1024) continue;
    const bytes = readFileSync(path);
    for (const secret of secrets) if (bytes.includes(secret)) found.push(`${path}: ${secret}`);
  }
  return found;
}

/** Every text of a Block Kit message, for searching. */
const textOf = (message: unknown) => JSON.stringify(message);

describe('pushline demo', () => {
  let slack: RecordingServer;
  const folders: string[] = [];
  beforeEach(async () => {
    slack = await RecordingServer.start();
  });
  afterEach(() => slack.close());
  afterAll(() => {
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'posts the start and the end of its three runs to SLACK_WEBHOOK_URL and removes its folder',
    async () => {
      // Prepare
      slack.on({ method: 'POST', path: '/services/T0/B0/demo' }, { status: 200, body: 'ok' });

      // Act
      const demo = await runDemo([], { SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/demo` });

      // Assess
      expect(demo.output).toContain('All three runs ended as expected.');
      expect(demo.code).toBe(0);
      // The webhook URL is a secret too: it is never printed.
      expect(demo.output).not.toContain('/services/T0/B0/demo');
      const posts = slack.requests.map((r) => r.parsed as { blocks?: { type: string }[] });
      expect(slack.requests.every((r) => r.path === '/services/T0/B0/demo')).toBe(true);
      expect(posts.length).toBeLessThanOrEqual(9);
      for (const post of posts) {
        expect(post.blocks?.length).toBeGreaterThan(0);
        expect(post.blocks!.every((block) => ['section', 'context'].includes(block.type))).toBe(true);
      }
      for (const run of RUNS) {
        const about = posts.filter((post) => textOf(post).includes(run.message.replaceAll('"', '\\"')));
        expect(about.map((post) => (textOf(post).includes('*Started*') ? 'start' : 'end')).sort()).toEqual([
          'end',
          'start',
        ]);
        expect(about.some((post) => textOf(post).includes(run.endIcon))).toBe(true);
      }
      expect(demo.dir).toMatch(/pushline-demo-/);
      expect(existsSync(demo.dir)).toBe(false);
    },
    DEMO_TIMEOUT_MS,
  );

  it(
    'posts with the bot to SLACK_CHANNEL through --slack-api-url and keeps the folder given with --dir',
    async () => {
      // Prepare
      let ts = 1_700_000_000;
      slack.on({ method: 'POST', path: '/api/chat.postMessage' }, () => ({
        status: 200,
        body: { ok: true, channel: 'C0DEMO', ts: `${++ts}.000100` },
      }));
      slack.on({ method: 'POST', path: /^\/api\/chat\.update$/ }, (request) => ({
        status: 200,
        body: { ok: true, channel: 'C0DEMO', ts: (request.parsed as { ts: string }).ts },
      }));
      const parent = mkdtempSync(join(tmpdir(), 'pushline-demo-test-'));
      folders.push(parent);
      const dir = join(parent, 'demo');

      // Act
      const secrets = {
        SLACK_BOT_TOKEN: 'xoxb-demo-token',
        SLACK_SIGNING_SECRET: 'demo-signing-secret-9c1e',
        GITHUB_WEBHOOK_SECRET: 'demo-webhook-secret-7f3a',
        PUSHLINE_TOKEN: 'demo-api-token-51b2',
      };
      const demo = await runDemo(['--dir', dir, '--slack-api-url', `${slack.url}/api/`], {
        ...secrets,
        SLACK_CHANNEL: '#deploys',
      });

      // Assess
      expect(demo.output).toContain('All three runs ended as expected.');
      expect(demo.code).toBe(0);
      const posted = slack.requestsTo('/api/chat.postMessage');
      // One message per run in the channel, updated in place; failures add thread replies.
      const perRun = posted.filter((r) => !(r.parsed as { thread_ts?: string }).thread_ts);
      expect(perRun.map((r) => (r.parsed as { channel: string }).channel)).toEqual([
        '#deploys',
        '#deploys',
        '#deploys',
      ]);
      for (const request of posted) expect(request.headers.authorization).toBe('Bearer xoxb-demo-token');
      expect(slack.requestsTo('/api/chat.update').length).toBeGreaterThan(0);
      expect(demo.dir).toBe(dir);
      expect(existsSync(join(dir, 'pushline.yml'))).toBe(true);
      // Secrets (issue 14): none in what the demo printed, what it sent Slack but the bot token's
      // header, the server's and builds' logs, the event log, the app logs or the checkouts.
      const values = Object.values(secrets);
      for (const secret of values) expect(demo.output).not.toContain(secret);
      for (const request of slack.requests) {
        for (const secret of values) expect(request.body).not.toContain(secret);
      }
      expect(secretsIn(dir, values)).toEqual([]);
    },
    DEMO_TIMEOUT_MS,
  );
});
