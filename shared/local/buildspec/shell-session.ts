import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { MarkerScanner } from './marker-scanner.ts';

export interface CommandResult {
  /** The command's exit status; when the shell itself ended, its exit code (or 128 + signal). */
  status: number;
  /** The shell ended during the command (the command ran `exit`, or the shell was killed). */
  shellEnded: boolean;
  signal?: NodeJS.Signals;
}

export interface ShellSessionOptions {
  shell: 'bash' | 'sh';
  cwd: string;
  env: Record<string, string>;
  /** A private directory for the command files and the state snapshots. */
  stateDir: string;
  onOutput(chunk: Buffer): void;
  /** Called with the pid of each shell started — also its process group id. */
  onSpawn?(pid: number): void;
}

const TERMINATED: CommandResult = {
  status: 128 + constants.signals.SIGTERM,
  shellEnded: true,
  signal: 'SIGTERM',
};

/** Single-quotes a string for the shell. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * One long-lived shell that runs a build's commands one after another, as CodeBuild's buildspec
 * 0.2 does: `cd`, exported variables and shell variables carry over from command to command and
 * from phase to phase.
 *
 * Each command is written to a file and sourced (`. file </dev/null`) so that it cannot read the
 * runner's own control input; after it, the shell snapshots its directory and environment and
 * prints an end marker with the exit status. A command that ends the shell (`exit 1`, `set -e`)
 * fails with that status, and the next command gets a fresh shell started from the last
 * snapshot. The shell leads its own process group (`detached`), so `kill` reaches every process
 * the build started.
 */
export class ShellSession {
  private child?: ChildProcess;
  private alive = false;
  private closed?: Promise<void>;
  private counter = 0;
  private readonly scanner = new MarkerScanner(randomBytes(8).toString('hex'));
  private waiting?: (result: CommandResult) => void;
  private terminated = false;
  private running = false;
  private lastExit?: number;
  private readonly statePath: string;

  constructor(private readonly options: ShellSessionOptions) {
    this.statePath = join(options.stateDir, 'state');
  }

  /** The process group id of the current shell, if one runs. */
  get pid(): number | undefined {
    return this.alive ? this.child?.pid : undefined;
  }

  /** Runs a command (any shell text, several lines allowed) and resolves with its status. */
  async run(script: string): Promise<CommandResult> {
    if (this.running) throw new Error('a command is already running in this shell');
    this.running = true;
    try {
      this.counter += 1;
      const file = join(this.options.stateDir, `command-${this.counter}.sh`);
      await writeFile(file, `${script}\n`);
      if (!this.alive && !this.terminated) await this.start();
      // From here on no await: a shell that dies after this point resolves `done` itself; one
      // that died (or was stopped) during the awaits above is caught by these checks.
      if (this.terminated) {
        this.kill('SIGKILL');
        return TERMINATED;
      }
      if (!this.alive) return { status: this.lastExit ?? 1, shellEnded: true };
      const done = new Promise<CommandResult>((resolve) => {
        this.waiting = resolve;
      });
      const state = shellQuote(this.statePath);
      this.child?.stdin?.write(
        `. ${shellQuote(file)} </dev/null; __pl_rc=$?; { printf '%s\\0' "$PWD"; env -0; } >${state} 2>/dev/null; ` +
          `${this.scanner.printCommand('$__pl_rc')}\n`,
      );
      return await done;
    } finally {
      this.running = false;
    }
  }

  /** The current values of shell variables (exported or not); unset ones are left out. */
  async readVariables(names: readonly string[]): Promise<Record<string, string>> {
    const file = join(this.options.stateDir, 'variables');
    const valid = names.filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
    const lines = valid.map((n) => `if [ -n "\${${n}+x}" ]; then printf '%s=%s\\0' '${n}' "$${n}"; fi`);
    await writeFile(file, '');
    await this.run(`{\n${lines.join('\n')}\n:\n} >${shellQuote(file)}`);
    return parseEnvBlock(await readFile(file, 'utf8'));
  }

  /** Kills the shell's process group for good (a stop or a timeout): no command starts after this. */
  terminate(signal: NodeJS.Signals): void {
    this.terminated = true;
    this.kill(signal);
  }

  /** Signals the shell's whole process group. */
  kill(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  /** Ends the shell, then kills whatever it left running in the background. */
  async close(graceMs = 2000): Promise<void> {
    if (this.alive && this.child) {
      this.child.stdin?.end();
      const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
      await this.closed;
      clearTimeout(timer);
    }
    this.kill('SIGKILL');
  }

  private async start(): Promise<void> {
    const snapshot = await readSnapshot(this.statePath);
    const env = snapshot && Object.keys(snapshot.env).length > 0 ? snapshot.env : this.options.env;
    const cwd = snapshot?.cwd || this.options.cwd;
    const command = this.options.shell === 'bash' ? 'bash' : '/bin/sh';
    const child = spawn(command, [], { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) =>
        reject(new Error(`cannot start ${command}: ${error.message}`, { cause: error })),
      );
    });
    child.on('error', () => {
      // Later errors (a failed signal) change nothing: the exit handler reports the shell's end.
    });
    this.child = child;
    this.alive = true;
    if (child.pid !== undefined) this.options.onSpawn?.(child.pid);
    child.stdin?.on('error', () => {
      // EPIPE when the shell has died; the exit handler reports it.
    });
    child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.options.onOutput(chunk));
    const stdoutClosed = new Promise<void>((resolve) => child.stdout?.once('close', resolve));
    this.closed = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.alive = false;
        const status = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
        this.lastExit = status;
        // A background process may hold the pipe open: give the output a moment, not forever.
        const settle = Promise.race([stdoutClosed, new Promise((r) => setTimeout(r, 200))]);
        void settle.then(() => {
          const rest = this.scanner.flush();
          if (rest.length > 0) this.options.onOutput(rest);
          this.finish({ status, shellEnded: true, signal: signal ?? undefined });
          resolve();
        });
      });
    });
    // Merge the shell's stderr into stdout so that both keep their order in the log.
    child.stdin?.write('exec 2>&1\n');
  }

  private onStdout(chunk: Buffer): void {
    for (const piece of this.scanner.push(chunk)) {
      if (piece.kind === 'output') this.options.onOutput(piece.data);
      else this.finish({ status: piece.status, shellEnded: false });
    }
  }

  private finish(result: CommandResult): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(result);
  }
}

/** `NAME=value\0…` → a record (values may hold newlines and `=`). */
export function parseEnvBlock(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

async function readSnapshot(path: string): Promise<{ cwd: string; env: Record<string, string> } | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    const cut = text.indexOf('\0');
    if (cut < 0) return undefined;
    return { cwd: text.slice(0, cut), env: parseEnvBlock(text.slice(cut + 1)) };
  } catch {
    return undefined;
  }
}
