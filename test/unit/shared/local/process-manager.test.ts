import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  freePort,
  isAlive,
  ProcessManager,
  ProcessStartError,
  reapOrphans,
} from '../../../../shared/local/process-manager.ts';
import { nothingListensOn } from '../../../support/net.ts';

const apps = resolve('test/fixtures/apps');

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

async function waitUntilDead(pid: number, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid) && Date.now() < deadline) await sleep(20);
  return !isAlive(pid);
}

describe('ProcessManager', () => {
  let dataDir: string;
  let manager: ProcessManager;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pushline-pm-'));
    manager = new ProcessManager({ dataDir, env: process.env, healthTimeoutMs: 5000 });
  });

  afterEach(async () => {
    await manager.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startApp(
    file: string,
    extra: { env?: Record<string, string>; healthTimeoutMs?: number } = {},
  ) {
    const port = await freePort();
    return manager.start({
      id: `app-${port}`,
      command: file.endsWith('.mjs') ? `node ${file}` : file,
      cwd: apps,
      port,
      health: '/healthz',
      logFile: join(dataDir, 'logs', `app-${port}.log`),
      ...extra,
    });
  }

  it('starts an app with PORT and its env, waits until it is healthy and records a pid file', async () => {
    // Act
    const app = await startApp('app.mjs', { env: { RELEASE: 'r1' } });
    // Assess
    expect(await get(`${app.url}/hello`)).toMatchObject({
      status: 200,
      body: expect.stringContaining('"release":"r1"'),
    });
    const pidFile = JSON.parse(readFileSync(join(dataDir, 'processes', `${app.id}.json`), 'utf8'));
    expect(pidFile).toMatchObject({ id: app.id, pid: app.pid, port: app.port, owner: { pid: process.pid } });
    expect(readFileSync(app.logFile, 'utf8')).toContain(`r1 listening on ${app.port}`);
  });

  it('stops an app with SIGTERM and removes its pid file', async () => {
    const app = await startApp('app.mjs', { env: { RELEASE: 'r1' } });

    await manager.stop(app.id);

    expect(() => process.kill(app.pid, 0)).toThrow();
    expect(existsSync(join(dataDir, 'processes', `${app.id}.json`))).toBe(false);
    expect(readFileSync(app.logFile, 'utf8')).toContain('r1 stopping');
    await manager.stop(app.id); // idempotent
  });

  it('kills an app that ignores SIGTERM once the grace period is over', async () => {
    const app = await startApp('ignores-sigterm.mjs');
    const started = Date.now();

    await manager.stop(app.id, { graceMs: 300 });

    expect(() => process.kill(app.pid, 0)).toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(readFileSync(app.logFile, 'utf8')).toContain('ignoring SIGTERM');
  });

  it('stops the processes the app spawned too (its whole process group)', async () => {
    const childPidFile = join(dataDir, 'child.pid');
    const app = await startApp('with-child.mjs', { env: { CHILD_PID_FILE: childPidFile } });
    const helper = Number(readFileSync(childPidFile, 'utf8'));
    expect(isAlive(helper)).toBe(true);

    await manager.stop(app.id);

    expect(await waitUntilDead(helper)).toBe(true);
  });

  it('fails with the log tail when the app exits at once', async () => {
    const failure = await startApp('exits-at-once.mjs').catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ProcessStartError);
    expect(failure).toMatchObject({
      code: 'PROCESS_EXITED',
      message: expect.stringContaining('exited (code 3)'),
    });
    expect((failure as ProcessStartError).logTail).toContain('fatal: DATABASE_URL is not set');
    expect(manager.list()).toEqual([]);
  });

  it('fails with the log tail when the app never answers within the timeout, and stops it', async () => {
    const failure = await startApp('echo "booting, never listening"; exec sleep 30', {
      healthTimeoutMs: 400,
    }).catch((e: unknown) => e);

    expect(failure).toMatchObject({
      code: 'HEALTH_CHECK_TIMEOUT',
      message: expect.stringMatching(
        /did not answer 2xx at http:\/\/127\.0\.0\.1:\d+\/healthz within 0\.4s \(last: ECONNREFUSED\)/,
      ),
      logTail: expect.stringContaining('booting, never listening'),
    });
    expect(manager.list()).toEqual([]);
  });

  it('names the last answer of an app that listens but never says it is ready', async () => {
    // Generous timeout: node must boot first, even on a busy machine.
    const failure = await startApp('never-healthy.mjs', { healthTimeoutMs: 2500 }).catch((e: unknown) => e);

    expect(failure).toMatchObject({
      code: 'HEALTH_CHECK_TIMEOUT',
      message: expect.stringContaining('(last: HTTP 503)'),
      logTail: expect.stringContaining('listening, not ready'),
    });
    const port = Number(/127\.0\.0\.1:(\d+)/.exec((failure as Error).message)?.[1]);
    expect(await nothingListensOn(port)).toBe(true); // the app was stopped, not left listening
  });

  it('fails to spawn in a directory that does not exist', async () => {
    const port = await freePort();
    const failure = await manager
      .start({
        id: 'x',
        command: 'node app.mjs',
        cwd: join(dataDir, 'nope'),
        port,
        health: '/',
        logFile: join(dataDir, 'x.log'),
      })
      .catch((e: unknown) => e);

    expect(failure).toMatchObject({
      code: 'SPAWN_FAILED',
      message: expect.stringContaining('could not start'),
    });
  });
});

describe('reapOrphans', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pushline-reap-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('kills the apps a crashed server left running and removes their pid files', async () => {
    // Prepare: a "server" starts an app and dies by SIGKILL, so nothing cleans up.
    const port = await freePort();
    const stdout = await new Promise<string>((done) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(apps, 'crashing-server.ts'), dataDir, apps, String(port)],
        (_error, out) => done(out),
      );
    });
    const pid = Number(/started (\d+)/.exec(stdout)?.[1]);
    expect(isAlive(pid)).toBe(true);
    expect((await get(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    // Act
    const reaped = await reapOrphans(dataDir);
    // Assess
    expect(reaped).toEqual([{ id: 'orphan', pid, killed: true }]);
    expect(await waitUntilDead(pid)).toBe(true);
    expect(existsSync(join(dataDir, 'processes', 'orphan.json'))).toBe(false);
  });

  it('leaves alone the apps of a server that is still running', async () => {
    const manager = new ProcessManager({ dataDir, env: process.env });
    const port = await freePort();
    const app = await manager.start({
      id: 'mine',
      command: 'node app.mjs',
      cwd: apps,
      port,
      health: '/healthz',
      logFile: join(dataDir, 'mine.log'),
    });
    try {
      expect(await reapOrphans(dataDir)).toEqual([]);
      expect(isAlive(app.pid)).toBe(true);
    } finally {
      await manager.stopAll();
    }
  });

  it('does nothing when there is no processes directory', async () => {
    expect(await reapOrphans(join(dataDir, 'missing'))).toEqual([]);
  });
});
