import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { installHook } from '../../cli/commands/hook.ts';
import {
  commitAndPush,
  DEMO_PIPELINE,
  DEMO_REPO,
  type DemoRepo,
  freePort,
  scaffoldDemo,
} from '../../cli/demo/scaffold.ts';
import type { EventView, RunDetail } from '../../shared/local/api-routes.ts';

/**
 * Helpers for the tests that run the real local pipeline: the demo's sample service in a temp
 * folder with its bare origin and post-receive hook, `pushline up` as a real child process, the
 * processes Pushline starts (found by their pid files and build.json, checked in /proc), traffic
 * to the production proxy, and waiting on conditions with deadlines instead of fixed sleeps.
 */

const BIN = fileURLToPath(new URL('../../bin/pushline.js', import.meta.url));

export interface LocalDemo {
  repo: DemoRepo;
  ports: { staging: number; production: number };
  /** The environment of the server and of `git push` (the hook signs with its secret). */
  env: NodeJS.ProcessEnv;
  /** Commits edits to the sample service and pushes them; resolves with the commit id. */
  push(message: string, edits?: Record<string, (text: string) => string>): Promise<string>;
  /** Rewrites the canary settings of the pipeline file (a running server reads it on SIGHUP). */
  tune(tuning: CanaryTuning): void;
  /** Points the origin's post-receive hook at a (re)started server. */
  hookTo(url: string): Promise<void>;
  cleanup(): void;
}

/** Canary settings over the demo's pipeline file (durations in seconds). */
export interface CanaryTuning {
  interval?: number;
  bake?: number;
}

/** The demo's sample service and pipeline file in a new temp folder, on free ports. */
export async function makeLocalDemo(tuning: CanaryTuning = {}): Promise<LocalDemo> {
  const dir = mkdtempSync(join(tmpdir(), 'pushline-it-'));
  const ports = { staging: await freePort(), production: await freePort() };
  const repo = await scaffoldDemo(dir, ports);
  const tune = (next: CanaryTuning) => {
    const file = parseDocument(readFileSync(repo.configFile, 'utf8'));
    const canary = ['pipelines', 0, 'production', 'canary'];
    if (next.interval) file.setIn([...canary, 'interval'], `${next.interval}s`);
    if (next.bake) file.setIn([...canary, 'bake'], `${next.bake}s`);
    writeFileSync(repo.configFile, file.toString());
  };
  tune(tuning);
  const env = { ...process.env, GITHUB_WEBHOOK_SECRET: randomBytes(16).toString('hex') };
  return {
    repo,
    ports,
    env,
    tune,
    push: async (message, edits) => (await commitAndPush(repo, message, edits, env)).commit,
    hookTo: async (url) => {
      await installHook({ gitDir: repo.origin, repo: DEMO_REPO, url, dataDir: repo.dataDir });
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Edits that make the sample service answer with another version (a good change). */
export const bumpVersion = (version: string) => ({
  'app.js': (text: string) => text.replace(/VERSION = '[\d.]+'/, `VERSION = '${version}'`),
});

/** An edit that makes the build's first phase wait (so that a test can catch a build running). */
export const slowBuild = {
  'buildspec.yml': (text: string) =>
    text.replace('      - node --version\n', '      - node --version\n      - sleep 120\n'),
};

/** Polls `probe` until it returns a value (not undefined/false); throws after `timeoutMs`, or what `probe` throws. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** `pushline up` as a child process: real CLI, real signals. */
export interface UpProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `node bin/pushline.js up` on a free port and waits until it wrote server.json and answers. */
export async function startUp(
  demo: LocalDemo,
  timeoutMs = 30_000,
  env: NodeJS.ProcessEnv = {},
): Promise<UpProcess> {
  const { configFile, dataDir } = demo.repo;
  const args = [BIN, 'up', '--config', configFile, '--data', dataDir, '--port', '0', '--log-level', 'info'];
  const child = spawn(process.execPath, args, {
    env: { ...demo.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await waitFor(
    'pushline up to answer',
    async () => {
      if (child.exitCode !== null) throw new Error(`pushline up exited (${child.exitCode}):\n${output}`);
      const info = readJson<{ pid: number; url: string }>(join(dataDir, 'server.json'));
      if (!info || info.pid !== child.pid) return undefined;
      const ok = await fetch(`${info.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      return ok ? info.url : undefined;
    },
    timeoutMs,
    50,
  ).catch((error: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n${output}`);
  });
  return { child, pid: child.pid!, url, output: () => output, exited };
}

/** A run as `GET /api/runs/:id` answers it. */
export async function getRun(url: string, runId: string): Promise<RunDetail> {
  const response = await fetch(`${url}/api/runs/${runId}`);
  if (!response.ok) throw new Error(`GET /api/runs/${runId}: ${response.status} ${await response.text()}`);
  return (await response.json()) as RunDetail;
}

/** Waits for the run that a push of `commit` started, through the API. */
export async function runOfCommit(url: string, commit: string, timeoutMs = 20_000): Promise<string> {
  return waitFor(
    `a run for commit ${commit.slice(0, 7)}`,
    async () => {
      const list = (await (await fetch(`${url}/api/runs?pipeline=${DEMO_PIPELINE}`)).json()) as {
        runs: { id: string; source: { commit: string } }[];
      };
      return list.runs.find((r) => r.source.commit === commit)?.id;
    },
    timeoutMs,
  );
}

/** Waits until `GET /api/runs/:id` satisfies `ok`, and answers that view. */
export async function waitForRun(
  url: string,
  runId: string,
  what: string,
  ok: (run: RunDetail) => boolean,
  timeoutMs = 60_000,
): Promise<RunDetail> {
  return waitFor(
    `run ${runId}: ${what}`,
    async () => {
      const run = await getRun(url, runId);
      return ok(run) ? run : undefined;
    },
    timeoutMs,
    150,
  );
}

export const stageOf = (run: RunDetail, name: string) => run.stages.find((s) => s.name === name)!;

/**
 * The log is whole and applied once: event ids unique, `seq` 1…n without a gap, and each
 * once-only detail-type at most once. Returns the problems (empty when none).
 */
export function logProblems(events: readonly EventView[]): string[] {
  const problems: string[] = [];
  const ids = events.map((e) => e.eventId);
  if (new Set(ids).size !== ids.length) problems.push(`duplicate event ids: ${ids.join(', ')}`);
  events.forEach((e, i) => {
    if (e.seq !== i + 1) problems.push(`seq ${e.seq} at position ${i + 1}`);
  });
  const applied = events.filter((e) => e.disposition === 'applied').map((e) => e.detailType);
  for (const type of new Set(applied)) {
    const n = applied.filter((t) => t === type).length;
    if (n > 1) problems.push(`${type} applied ${n} times`);
  }
  return problems;
}

/** Whether `pid` is a live process (a zombie is dead: it only waits to be reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return procStat(pid)?.state !== 'Z';
}

/** The live members of process group `pgid`, from /proc. */
export function groupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => {
      const stat = procStat(pid);
      return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z';
    });
}

/** The command line of `pid` ('' when it is gone). */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** The app processes Pushline runs now, from `<data>/processes/*.json`, with their group's pids. */
export function appProcesses(dataDir: string): { id: string; pid: number; port: number; pids: number[] }[] {
  const dir = join(dataDir, 'processes');
  const names = safeList(dir).filter((n) => n.endsWith('.json'));
  return names.flatMap((name) => {
    const record = readJson<{ id: string; pid: number; port: number }>(join(dir, name));
    return record ? [{ ...record, pids: [...new Set([record.pid, ...groupMembers(record.pid)])] }] : [];
  });
}

/** The builds in progress, from `<data>/builds/*\/build.json`, with their process group's pids. */
export function buildProcesses(dataDir: string): { buildId: string; runId: string; pids: number[] }[] {
  const root = join(dataDir, 'builds');
  return safeList(root).flatMap((name) => {
    const record = readJson<{ buildId: string; runId: string; status: string; pid?: number }>(
      join(root, name, 'build.json'),
    );
    if (record?.status !== 'IN_PROGRESS' || record.pid === undefined) return [];
    return [
      {
        buildId: record.buildId,
        runId: record.runId,
        pids: [...new Set([record.pid, ...groupMembers(record.pid)])],
      },
    ];
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** One answer of the production proxy. `status` 0: no answer (refused, reset, timed out). */
export interface ProxyAnswer {
  at: number;
  status: number;
  release?: string;
  version?: string;
}

/** One GET through the proxy, half of them without a name (which a buggy release mishandles). */
export function askProduction(port: number, n: number): Promise<ProxyAnswer> {
  const query = n % 2 === 0 ? `?name=visitor${n}&lang=fr` : '?lang=de';
  return new Promise((resolve) => {
    const at = Date.now();
    const request = http.get(
      { host: '127.0.0.1', port, path: `/${query}`, agent: false, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const version = (() => {
            try {
              return (JSON.parse(body) as { version?: string }).version;
            } catch {
              return undefined;
            }
          })();
          const release = res.headers['x-pushline-release'] as string | undefined;
          resolve({
            at,
            status: res.statusCode ?? 0,
            ...(release ? { release } : {}),
            ...(version ? { version } : {}),
          });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve({ at, status: 0 }));
  });
}

/** Steady traffic to the proxy (`ratePerSecond`, at most 8 in flight), recording every answer. */
export function production(port: number, ratePerSecond = 40) {
  const answers: ProxyAnswer[] = [];
  let n = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    if (inFlight >= 8) return;
    inFlight++;
    const p = askProduction(port, n++).then((answer) => {
      answers.push(answer);
      inFlight--;
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }, 1000 / ratePerSecond);
  return {
    answers,
    since: (t: number) => answers.filter((a) => a.at >= t),
    async stop(): Promise<ProxyAnswer[]> {
      clearInterval(timer);
      await Promise.all([...pending]);
      return answers;
    },
  };
}

function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
