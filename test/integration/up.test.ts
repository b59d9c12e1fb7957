import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sign } from '@octokit/webhooks-methods';
import { shortRunId } from '../../shared/domain/run-id.ts';
import type { RunSummary } from '../../shared/local/api-routes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'pushline.js');
const SECRET = 'integration-secret';

/** GitHub's documented push to a branch (Codertocat/Hello-World, refs/heads/master). */
const examples: unknown = createRequire(import.meta.url)('@octokit/webhooks-examples');
const push = (examples as { name: string; examples: { ref: string }[] }[])
  .find((e) => e.name === 'push')!
  .examples.find((e) => e.ref === 'refs/heads/master') as {
  ref: string;
  after: string;
  repository: { full_name: string };
};
const body = JSON.stringify(push);

interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

describe('pushline up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pushline-up-'));
  const dataDir = join(dir, 'data');
  const config = join(dir, 'pushline.yml');
  const started: Server[] = [];

  /** Starts the real CLI on a free port and waits until it has written server.json and answers. */
  async function start(extraArgs: string[] = []): Promise<Server> {
    const child = spawn(
      process.execPath,
      [BIN, 'up', '--port', '0', '--data', dataDir, '--config', config, '--log-level', 'warn', ...extraArgs],
      { cwd: dir, env: { ...process.env, GITHUB_WEBHOOK_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const server: Server = { child, url: '', output: () => output, exited };
    started.push(server);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && child.exitCode === null) {
      const file = join(dataDir, 'server.json');
      const info = existsSync(file)
        ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number; url: string })
        : undefined;
      if (info && info.pid === child.pid) {
        const healthy = await fetch(`${info.url}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (healthy) return { ...server, url: info.url };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the server did not come up:\n${output}`);
  }

  async function stop(server: Server): Promise<number | null> {
    server.child.kill('SIGTERM');
    return server.exited;
  }

  const deliver = async (url: string, deliveryId: string, signature?: string) =>
    fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': deliveryId,
        'x-hub-signature-256': signature ?? (await sign(SECRET, body)),
      },
      body,
    });

  /** Runs a CLI command to its end. */
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: dir,
        env: { ...process.env, GITHUB_WEBHOOK_SECRET: SECRET },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });

  const listRuns = async (url: string) =>
    ((await (await fetch(`${url}/api/runs`)).json()) as { runs: RunSummary[] }).runs;

  beforeAll(() => {
    writeFileSync(
      config,
      ['pipelines:', '  - name: hello', '    source:', `      github: ${push.repository.full_name}`, ''].join(
        '\n',
      ),
    );
  });
  afterAll(async () => {
    for (const server of started) if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await Promise.all(started.map((s) => s.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  let server: Server;
  let runId = '';

  it('accepts a signed push with 202 and lists its run with its commit and branch', async () => {
    server = await start();

    const response = await deliver(server.url, 'delivery-1');
    const runs = await listRuns(server.url);

    expect(response.status).toBe(202);
    expect(runs).toHaveLength(1);
    runId = runs[0]!.id;
    // Its status is whatever the wired stages made of it by now (the build cannot fetch github.com here).
    expect(runs[0]).toMatchObject({
      pipeline: 'hello',
      source: { repo: 'Codertocat/Hello-World', branch: 'master', commit: push.after },
    });
  });

  it('refuses a push with a wrong signature with 401 and starts nothing', async () => {
    const response = await deliver(server.url, 'delivery-forged', await sign('not-the-secret', body));

    expect(response.status).toBe(401);
    expect(await listRuns(server.url)).toHaveLength(1);
  });

  it('answers a repeated delivery with 200 and starts no second run', async () => {
    const response = await deliver(server.url, 'delivery-1');

    expect(response.status).toBe(200);
    expect(await listRuns(server.url)).toHaveLength(1);
  });

  it('still knows the delivery after a restart', async () => {
    expect(await stop(server)).toBe(0);
    server = await start();

    const response = await deliver(server.url, 'delivery-1');

    expect(response.status).toBe(200);
    expect(await listRuns(server.url)).toHaveLength(1);
  });

  it('lists the run with `pushline runs` from the running server', async () => {
    const { code, stdout } = await cli(['runs', '--data', dataDir]);

    expect(code).toBe(0);
    expect(stdout).toMatch(/RUN +PIPELINE +BRANCH +COMMIT +STATUS +STAGES +AGE/);
    expect(stdout).toMatch(
      new RegExp(`\\w{8} +hello +master +${push.after.slice(0, 7)} +[a-z_]+ +[✓✗▶·⧖ -]+ +\\d+[smhd]`),
    );
  });

  it('stops on SIGTERM with exit code 0 and removes server.json', async () => {
    const code = await stop(server);

    expect(code).toBe(0);
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
    expect(server.output()).not.toContain(SECRET);
  });

  it('shows the run with `pushline show` from the database when no server runs', async () => {
    const { code, stdout } = await cli(['show', runId, '--data', dataDir]);

    expect(code).toBe(0);
    expect(stdout).toContain(`Run ${shortRunId(runId)} (${runId})  hello  `);
    expect(stdout).toMatch(/1 +\d\d:\d\d:\d\d +Run Started +applied/);
  });

  it('starts in the background with --detach and stops with `pushline down`', async () => {
    const detached = await cli(['up', '--detach', '--port', '0', '--data', dataDir, '--config', config]);
    const url = detached.stdout.trim();
    const healthy = (await fetch(`${url}/healthz`)).status;

    const down = await cli(['down', '--data', dataDir]);

    expect(detached.code).toBe(0);
    expect(healthy).toBe(200);
    expect(down).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Stopped Pushline/) });
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('refuses a bad pipeline file with every problem listed and exit code 1', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'pipelines:\n  - name: Not Valid\n    source: {}\n');
    const child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--data', dataDir, '--config', bad], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));

    const code = await new Promise((resolve) => child.once('exit', resolve));

    expect(code).toBe(1);
    expect(stderr).toMatch(/bad\.yml:2 {2}pipelines\[0\]\.name:/);
    expect(stderr).toMatch(/bad\.yml:3 {2}pipelines\[0\]\.source:/);
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
  });
});
