import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PushlineError } from '../domain/errors.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { crashPoint } from './crash-points.ts';

/**
 * A local app process did not start: `code` says whether it could not be spawned, exited before
 * it was healthy, or never answered its health check in time. `logTail` is the end of its log.
 * (Local to this adapter: the local deployer turns it into a FAILED deployment, it never escapes.)
 */
export class ProcessStartError extends PushlineError {
  override readonly expose: boolean = true;
  readonly code: 'SPAWN_FAILED' | 'PROCESS_EXITED' | 'HEALTH_CHECK_TIMEOUT';
  readonly logTail: string;
  constructor(
    message: string,
    options: { code: ProcessStartError['code']; logTail: string; cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProcessStartError';
    this.code = options.code;
    this.logTail = options.logTail;
  }
}

export interface StartSpec {
  /** Names the pid file and the process in logs, e.g. the deployment id (file-name safe). */
  id: string;
  /** A shell command (`sh -c`), e.g. `node server.js` or `npm start`. */
  command: string;
  cwd: string;
  port: number;
  /** The health path, answered with 2xx when the app is ready. */
  health: string;
  env?: Record<string, string>;
  logFile: string;
  healthTimeoutMs?: number;
}

export interface ManagedProcess {
  id: string;
  pid: number;
  port: number;
  url: string;
  logFile: string;
  /** Settles when the shell leader exits (its children may live on until `stop` ends the group). */
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** What a pid file under `<dataDir>/processes/` says; `reapOrphans` trusts nothing else. */
export interface PidFile {
  id: string;
  pid: number;
  startTime?: string;
  command: string;
  /** Where the app runs (its release's artifacts); absent in files of older versions. */
  cwd?: string;
  port: number;
  logFile: string;
  startedAt: string;
  owner: { pid: number; startTime?: string };
}

/**
 * Starts and stops app processes for local deployments. Each app runs as `sh -c <command>` in its
 * own process group (detached), so that stopping it also stops whatever `npm start` spawned; its
 * output goes to a log file; a pid file records it so that a server that crashed can be cleaned
 * up after by `reapOrphans`. `env` is the base environment of apps (pass e.g.
 * `pickBaseEnv(process.env)`, not the server's secrets); `PORT` and the spec's env go on top.
 */
export class ProcessManager {
  private readonly dir: string;
  private readonly env: Record<string, string | undefined>;
  private readonly clock: Clock;
  private readonly healthTimeoutMs: number;
  private readonly stopGraceMs: number;
  private readonly running = new Map<string, { managed: ManagedProcess; child: ChildProcess }>();

  constructor(options: {
    dataDir: string;
    env: Record<string, string | undefined>;
    clock?: Clock;
    healthTimeoutMs?: number;
    stopGraceMs?: number;
  }) {
    this.dir = join(options.dataDir, 'processes');
    this.env = options.env;
    this.clock = options.clock ?? systemClock;
    this.healthTimeoutMs = options.healthTimeoutMs ?? 60_000;
    this.stopGraceMs = options.stopGraceMs ?? 5_000;
  }

  /** Starts the app and resolves once it answers 2xx on its health path; throws `ProcessStartError`. */
  async start(spec: StartSpec): Promise<ManagedProcess> {
    crashPoint('process-start:before');
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const fd = openSync(spec.logFile, 'a');
    let child: ChildProcess;
    try {
      writeFileSync(
        fd,
        `--- ${this.clock.now().toISOString()} starting \`${spec.command}\` on port ${spec.port}\n`,
      );
      child = spawn('/bin/sh', ['-c', spec.command], {
        cwd: spec.cwd,
        env: { ...this.env, ...spec.env, PORT: String(spec.port) },
        detached: true,
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd); // the child holds its own copy
    }
    const exited = new Promise<{ code: number | null; signal: string | null; error?: Error }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    });
    const url = `http://127.0.0.1:${spec.port}`;
    if (child.pid === undefined) {
      const { error } = await exited;
      throw new ProcessStartError(`could not start \`${spec.command}\` in ${spec.cwd}: ${error?.message}`, {
        code: 'SPAWN_FAILED',
        logTail: logTail(spec.logFile),
        cause: error,
      });
    }
    const managed: ManagedProcess = {
      id: spec.id,
      pid: child.pid,
      port: spec.port,
      url,
      logFile: spec.logFile,
      exited,
    };
    const record: PidFile = {
      id: spec.id,
      pid: child.pid,
      startTime: processStartTime(child.pid),
      command: spec.command,
      cwd: spec.cwd,
      port: spec.port,
      logFile: spec.logFile,
      startedAt: this.clock.now().toISOString(),
      owner: { pid: process.pid, startTime: processStartTime(process.pid) },
    };
    writeFileSync(this.pidFile(spec.id), `${JSON.stringify(record, null, 2)}\n`);
    this.running.set(spec.id, { managed, child });

    const timeoutMs = spec.healthTimeoutMs ?? this.healthTimeoutMs;
    const healthUrl = `${url}${spec.health}`;
    const deadline = Date.now() + timeoutMs;
    let exit: { code: number | null; signal: string | null } | undefined;
    void exited.then((e) => {
      exit = e;
    });
    let last = 'no answer yet';
    while (Date.now() < deadline && exit === undefined) {
      last = await probe(healthUrl);
      if (last === 'ok') {
        crashPoint('process-start:after');
        return managed;
      }
      if (exit === undefined) await sleep(100);
    }
    const exitedEarly = exit; // read before stop(), which makes it exit too
    await this.stop(spec.id);
    const failure = exitedEarly
      ? {
          code: 'PROCESS_EXITED' as const,
          message: `\`${spec.command}\` exited (${exitedEarly.signal ?? `code ${exitedEarly.code}`}) before answering ${healthUrl}`,
        }
      : {
          code: 'HEALTH_CHECK_TIMEOUT' as const,
          message: `\`${spec.command}\` did not answer 2xx at ${healthUrl} within ${timeoutMs / 1000}s (last: ${last})`,
        };
    throw new ProcessStartError(failure.message, { code: failure.code, logTail: logTail(spec.logFile) });
  }

  /** Stops one app: SIGTERM to its group, up to `graceMs` to exit, then SIGKILL. Idempotent. */
  async stop(id: string, options: { graceMs?: number } = {}): Promise<void> {
    const entry = this.running.get(id);
    if (!entry) return;
    await killGroup(entry.managed.pid, options.graceMs ?? this.stopGraceMs);
    // Our own child is reaped when Node sees its exit: until then it lingers as a zombie.
    await Promise.race([entry.managed.exited, sleep(2_000, undefined, { ref: false })]);
    this.running.delete(id);
    rmSync(this.pidFile(id), { force: true });
  }

  /** Stops every app this manager started. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
  }

  get(id: string): ManagedProcess | undefined {
    return this.running.get(id)?.managed;
  }

  list(): ManagedProcess[] {
    return [...this.running.values()].map((e) => e.managed);
  }

  private pidFile(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}

/** The pid files under `<dataDir>/processes/` that can be read (a torn one is skipped). */
export function readPidFiles(dataDir: string): PidFile[] {
  const dir = join(dataDir, 'processes');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    try {
      return [JSON.parse(readFileSync(join(dir, name), 'utf8')) as PidFile];
    } catch {
      return [];
    }
  });
}

/**
 * After a crash: kills the app processes that a dead server left behind, as its pid files under
 * `<dataDir>/processes/` record them, and removes the pid files. A pid file whose owner still runs
 * (this process, or another live server) is left alone. A pid is killed only if it still is the
 * same process (same start time in /proc, or `ps` elsewhere): pids get reused.
 */
export async function reapOrphans(
  dataDir: string,
  options: { graceMs?: number } = {},
): Promise<{ id: string; pid: number; killed: boolean }[]> {
  const dir = join(dataDir, 'processes');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const reaped: { id: string; pid: number; killed: boolean }[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let record: PidFile;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as PidFile;
    } catch {
      rmSync(file, { force: true }); // a torn write from the crash: nothing to trust in it
      continue;
    }
    if (isSameProcess(record.owner.pid, record.owner.startTime)) continue;
    // The leader may be gone while its group lives on. A live process with the group's pid that
    // is not our leader means the id was reused after our group ended: leave it alone.
    const leaderIsOurs = isSameProcess(record.pid, record.startTime);
    const orphanGroup = leaderIsOurs || (!isAlive(record.pid) && groupAlive(record.pid));
    if (orphanGroup) await killGroup(record.pid, options.graceMs ?? 2_000);
    rmSync(file, { force: true });
    reaped.push({ id: record.id, pid: record.pid, killed: orphanGroup });
  }
  return reaped;
}

/** Whether `pid` is a live process (a zombie does not count: it is dead, only not yet reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return procStat(pid)?.state !== 'Z';
}

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether `port` can be listened on (on every interface, as an app would). */
export async function isPortFree(port: number): Promise<boolean> {
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false)).listen(port, () => resolve(true));
  });
  if (ok) await new Promise((resolve) => server.close(resolve));
  return ok;
}

/** The last `lines` lines of a log file (at most 8 KiB are read); '' when there is none. */
export function logTail(file: string, lines = 20): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text
      .slice(-8192)
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '';
  }
}

async function killGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(25);
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGKILL');
  const hardDeadline = Date.now() + 2_000;
  while (groupAlive(pgid) && Date.now() < hardDeadline) await sleep(25);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Whether any live (non-zombie) process is in group `pgid`. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // Zombies still count for kill(); where /proc exists, look for a member that is not one
  // (a container's pid 1 may never reap the grandchildren it inherits).
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return true;
  }
  // A multi-threaded process (node is one) whose main thread has exited shows as a zombie while its
  // other threads are still exiting — and it holds its files, its listening socket too, until the
  // last one is gone: it is dead only once it is a zombie with no thread but the main one.
  return pids.some((p) => {
    const stat = procStat(Number(p));
    return stat !== undefined && stat.pgrp === pgid && (stat.state !== 'Z' || stat.threads > 1);
  });
}

function isSameProcess(pid: number, startTime: string | undefined): boolean {
  if (!isAlive(pid)) return false;
  const now = processStartTime(pid);
  return startTime !== undefined && now !== undefined && now === startTime;
}

/** An identity for a process that survives pid reuse: /proc start time in ticks, or `ps` elsewhere. */
function processStartTime(pid: number): string | undefined {
  const stat = procStat(pid);
  if (stat) return stat.startTime;
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function procStat(
  pid: number,
): { state: string; pgrp: number; threads: number; startTime: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      state: fields[0]!,
      pgrp: Number(fields[2]),
      threads: Number(fields[17]),
      startTime: fields[19]!,
    };
  } catch {
    return undefined;
  }
}

function probe(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 300 ? 'ok' : `HTTP ${status}`);
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', (error) => resolve((error as NodeJS.ErrnoException).code ?? error.message));
    req.end();
  });
}
