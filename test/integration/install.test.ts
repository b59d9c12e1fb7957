import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_REPO } from '../../cli/demo/scaffold.ts';
import {
  type LocalDemo,
  makeLocalDemo,
  production,
  runOfCommit,
  stageOf,
  waitForRun,
} from '../support/local-demo.ts';

/**
 * The `pushline` command as a user installs it from a checkout (`npm install -g <checkout>`, into
 * a temporary prefix) and runs it from a folder of their own: its own repository, pipeline file
 * and data folder, all named relative to that folder.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('pushline installed from the checkout', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'pushline-prefix-'));
  const pushline = join(prefix, 'bin', 'pushline');
  let demo: LocalDemo;
  let traffic: ReturnType<typeof production> | undefined;
  let url = '';

  beforeAll(async () => {
    const installed = await run(
      'npm',
      ['install', '-g', '--prefix', prefix, ROOT, '--no-audit', '--no-fund'],
      {
        cwd: prefix,
      },
    );
    if (installed.code !== 0) throw new Error(`npm install -g failed:\n${installed.stderr}`);
    // The user's own folder: a bare origin, a working clone and pushline.yml, outside the checkout.
    demo = await makeLocalDemo();
  }, 60_000);

  afterAll(async () => {
    await traffic?.stop();
    if (demo) await run(pushline, ['down', '--data', '.pushline'], { cwd: demo.repo.dir, env: demo.env });
    demo?.cleanup();
    rmSync(prefix, { recursive: true, force: true });
  }, 30_000);

  it('packs what the command needs and none of the tests', async () => {
    // Act
    const packed = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });

    // Assess
    expect(packed.code).toBe(0);
    const files = (JSON.parse(packed.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'bin/pushline.js',
      'cli/main.ts',
      'cli/demo/service/server.js',
      'functions/subscriptions.ts',
      'shared/local/dashboard-routes.ts',
      'events/pipeline-events.ts',
    ]) {
      expect(files).toContain(needed);
    }
    expect(files.filter((f) => /^(test|bench|serverless|node_modules|\.ci)\//.test(f))).toEqual([]);
  });

  it('is a command in the prefix that points into the checkout', () => {
    expect(realpathSync(pushline)).toBe(join(realpathSync(ROOT), 'bin', 'pushline.js'));
  });

  it('prints its version and its help from another folder', async () => {
    // Act
    const shown = await run(pushline, ['--version'], { cwd: demo.repo.dir });
    const help = await run(pushline, ['--help'], { cwd: demo.repo.dir });

    // Assess
    expect(shown).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(help.code).toBe(0);
    for (const command of ['up', 'down', 'hook', 'validate', 'show', 'demo']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it('takes a push to a repository in that folder to production', async () => {
    // Prepare: the server, detached, and the hook, both named relative to the user's folder.
    const { dir } = demo.repo;
    const validated = await run(pushline, ['validate', 'pushline.yml'], { cwd: dir, env: demo.env });
    expect(validated.code).toBe(0);
    const up = await run(
      pushline,
      ['up', '--config', 'pushline.yml', '--data', '.pushline', '--port', '0', '--detach'],
      {
        cwd: dir,
        env: demo.env,
      },
    );
    expect(up).toMatchObject({ code: 0, stdout: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\n$/) });
    url = up.stdout.trim();
    const hooked = await run(pushline, ['hook', 'install', 'origin.git', '--repo', DEMO_REPO, '--url', url], {
      cwd: dir,
      env: demo.env,
    });
    expect({ code: hooked.code, stderr: hooked.stderr }).toEqual({ code: 0, stderr: '' });
    traffic = production(demo.ports.production);

    // Act
    const runId = await runOfCommit(url, await demo.push('Greet the world in four languages'));
    const finished = await waitForRun(url, runId, 'to finish', (r) => r.status !== 'running', 45_000);

    // Assess
    expect({ status: finished.status, reason: finished.reason }).toEqual({
      status: 'succeeded',
      reason: undefined,
    });
    expect(stageOf(finished, 'production').status).toBe('succeeded');
    const shown = await run(pushline, ['show', runId, '--data', '.pushline'], { cwd: dir, env: demo.env });
    expect(shown.stdout).toContain('succeeded');
  }, 60_000);
});
