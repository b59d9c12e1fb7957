import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ShellSession } from '../../../../../shared/local/buildspec/shell-session.ts';
import { isRunning } from './process-fixture.ts';

describe.each(['bash', 'sh'] as const)('ShellSession (%s)', (shell) => {
  let dir: string;
  let output: Buffer[];
  let session: ShellSession;
  const spawned: number[] = [];
  const text = () => Buffer.concat(output).toString();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pushline-shell-'));
    output = [];
    session = new ShellSession({
      shell,
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, GREETING: 'hello' },
      stateDir: dir,
      onOutput: (chunk) => output.push(chunk),
      onSpawn: (pid) => spawned.push(pid),
    });
  });
  afterEach(async () => {
    await session.close(500);
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the directory, exported and plain variables from one command to the next', async () => {
    // Act
    await session.run('mkdir sub && cd sub && export COLOUR=blue && SIZE=9');
    const result = await session.run('echo "$(basename "$PWD") $COLOUR $SIZE $GREETING"');

    // Assess
    expect(result).toEqual({ status: 0, shellEnded: false });
    expect(text()).toBe('sub blue 9 hello\n');
  });

  it('reports the exit status of a failing command, and its stderr in order with stdout', async () => {
    const result = await session.run(
      'echo one; echo two >&2; echo three; exit_with() { return "$1"; }; exit_with 7',
    );

    expect(result.status).toBe(7);
    expect(text()).toBe('one\ntwo\nthree\n');
  });

  it('runs a multi-line command as one', async () => {
    const result = await session.run('for i in 1 2 3; do\n  printf "%s," "$i"\ndone\nfalse');

    expect(result.status).toBe(1);
    expect(text()).toBe('1,2,3,');
  });

  it('starts a new shell from the last state when a command exits the shell', async () => {
    await session.run('cd / && export KEPT=yes');

    const exited = await session.run('exit 3');
    const after = await session.run('echo "$PWD $KEPT"');

    expect(exited).toMatchObject({ status: 3, shellEnded: true });
    expect(after.status).toBe(0);
    expect(text()).toBe('/ yes\n');
    expect(spawned.length).toBeGreaterThanOrEqual(2);
  });

  it('does not let a command read the runner’s control input', async () => {
    const result = await session.run('cat; echo read-nothing');

    expect(result.status).toBe(0);
    expect(text()).toBe('read-nothing\n');
  });

  it('reads shell variables, exported or not, and leaves out unset ones', async () => {
    await session.run('TAG=v1.2.3; export MULTI="a\nb=c"; EMPTY=');

    expect(await session.readVariables(['TAG', 'MULTI', 'EMPTY', 'MISSING'])).toEqual({
      TAG: 'v1.2.3',
      MULTI: 'a\nb=c',
      EMPTY: '',
    });
  });

  it('kills the whole process group, background children included, and starts nothing after terminate', async () => {
    // Prepare
    await session.run(`sleep 30 & echo $! > ${dir}/child.pid`);
    const child = Number(await readFile(join(dir, 'child.pid'), 'utf8'));
    expect(await isRunning(child)).toBe(true);
    const running = session.run('sleep 30');

    // Act
    session.terminate('SIGTERM');
    const result = await running;
    const next = await session.run('echo never');

    // Assess
    expect(result.shellEnded).toBe(true);
    expect(next.shellEnded).toBe(true);
    expect(text()).not.toContain('never');
    await expect(isRunning(child)).resolves.toBe(false);
  });
});
