import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const BIN = fileURLToPath(new URL('../../../bin/pushline.js', import.meta.url));

/** Runs the real `pushline` command in `cwd`, as a user would. */
function pushline(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('pushline hook install', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pushline-hook-install-'));
    await mkdir(path.join(dir, 'app'));
    await mkdir(path.join(dir, 'origin.git/hooks'), { recursive: true });
    await writeFile(path.join(dir, 'origin.git/HEAD'), 'ref: refs/heads/main\n');
    await writeFile(
      path.join(dir, 'app/pushline.yml'),
      'pipelines:\n  - name: greeter\n    source: { github: me/greeter }\n',
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('refuses a --repo that matches no pipeline, naming the file and the sources, and writes no hook', async () => {
    const { code, stderr } = await pushline(
      ['hook', 'install', 'origin.git', '--repo', 'me/other', '--config', 'app/pushline.yml'],
      dir,
    );

    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `pushline hook install: --repo me/other matches no pipeline of ${path.join(dir, 'app/pushline.yml')} (the hook posts GitHub pushes; its pipelines' sources are greeter: github me/greeter); give --repo the source.github of one of them`,
    );
    await expect(readFile(path.join(dir, 'origin.git/hooks/post-receive'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('stores absolute paths, says what it did, and warns when no server answers', async () => {
    const url = 'http://127.0.0.1:9';

    const { code, stdout, stderr } = await pushline(
      [
        'hook',
        'install',
        'origin.git',
        '--repo',
        'me/greeter',
        '--config',
        'app/pushline.yml',
        '--data',
        'app/.pushline',
        '--url',
        url,
      ],
      dir,
    );

    expect(code).toBe(0);
    const hook = path.join(dir, 'origin.git/hooks/post-receive');
    const data = path.join(dir, 'app/.pushline');
    expect(stdout.split('\n')).toEqual([
      `Installed ${hook}`,
      `  pushes to   ${path.join(dir, 'origin.git')} are posted as github me/greeter`,
      `  server      ${url}`,
      `  data folder ${data} (the hook signs with ${data}/webhook-secret)`,
      `  pipelines   greeter (from ${path.join(dir, 'app/pushline.yml')})`,
      '',
    ]);
    expect(stderr).toContain(
      `warning: no Pushline server answers at ${url}/healthz (no server.json in ${data})`,
    );
    const script = await readFile(hook, 'utf8');
    expect(script).toContain(
      `--clone-url '${path.join(dir, 'origin.git')}' --secret-file '${data}/webhook-secret'`,
    );
  });
});
