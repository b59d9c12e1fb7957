import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { reapOrphanBuilds } from '../../shared/local/buildspec/reap-orphans.ts';
import { reapOrphans } from '../../shared/local/process-manager.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import {
  appProcesses,
  buildProcesses,
  bumpVersion,
  commandOf,
  isAlive,
  type LocalDemo,
  listening,
  makeLocalDemo,
  runOfCommit,
  slowBuild,
  stageOf,
  startUp,
  type UpProcess,
  waitFor,
  waitForRun,
} from '../support/local-demo.ts';

const BIN = fileURLToPath(new URL('../../bin/pushline.js', import.meta.url));

/** Runs a `pushline` command to its end. */
function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Every process Pushline starts — builds, staging and production apps — and the production
 * proxy's port are gone once Pushline stops: after `pushline down` of a detached server, and
 * after SIGTERM to `pushline up`, each time while a build and a canary are running.
 */
describe('stopping pushline leaves nothing behind', () => {
  let demo: LocalDemo;
  const foreground: UpProcess[] = [];
  let canaryRun: string;

  /** Everything running now for the demo: app and build pids, and the ports they and the proxy hold. */
  function inventory() {
    const apps = appProcesses(demo.repo.dataDir);
    const builds = buildProcesses(demo.repo.dataDir);
    const pids = [...apps.flatMap((a) => a.pids), ...builds.flatMap((b) => b.pids)];
    return {
      apps,
      builds,
      pids,
      // The processes that live as long as their app or build does (a build's shell runs short
      // commands beside them): each app's leader, the build's shell and its `sleep`.
      lasting: [
        ...apps.map((a) => a.pid),
        ...builds.flatMap((b) => b.pids.filter((pid) => pid === b.pids[0] || commandOf(pid) === 'sleep 120')),
      ],
      ports: [demo.ports.production, ...apps.map((a) => a.port)],
    };
  }

  /** Waits until a new run of `commit` is building (its build's shell and `sleep` running). */
  async function buildRunning(url: string, commit: string) {
    const runId = await runOfCommit(url, commit);
    return waitFor('the build to run', () => {
      const build = buildProcesses(demo.repo.dataDir).find((b) => b.runId === runId);
      return build?.pids.some((pid) => commandOf(pid) === 'sleep 120') ? build : undefined;
    });
  }

  async function stillThere(pids: number[], ports: number[]) {
    const openPorts: number[] = [];
    for (const port of ports) if (await listening(port)) openPorts.push(port);
    return { pids: pids.filter(isAlive), ports: openPorts };
  }

  beforeAll(async () => {
    // A canary that stays under way for the whole test.
    demo = await makeLocalDemo({ interval: 2, bake: 90 });
  });

  afterAll(async () => {
    for (const server of foreground) if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await Promise.all(foreground.map((s) => s.exited));
    await cli(['down', '--data', demo.repo.dataDir, '--timeout', '5'], demo.env);
    await reapOrphans(demo.repo.dataDir, { graceMs: 500 });
    await reapOrphanBuilds(demo.repo.dataDir, systemClock);
    demo.cleanup();
  }, 30_000);

  it('pushline down stops a detached server, its builds, its apps and its proxy', async () => {
    // Prepare: a detached server with a canary (and its staging release) and a build running.
    const args = [
      'up',
      '--detach',
      '--config',
      demo.repo.configFile,
      '--data',
      demo.repo.dataDir,
      '--port',
      '0',
    ];
    const started = await cli(args, demo.env);
    expect(started.code).toBe(0);
    const url = started.stdout.trim();
    const server = JSON.parse(readFileSync(join(demo.repo.dataDir, 'server.json'), 'utf8')) as {
      pid: number;
    };
    await demo.hookTo(url);
    canaryRun = await runOfCommit(url, await demo.push('Greet the world'));
    await waitForRun(url, canaryRun, 'canary running', (r) => stageOf(r, 'canary').status === 'running');
    await buildRunning(
      url,
      await demo.push('Version 1.0.1, slowly', { ...bumpVersion('1.0.1'), ...slowBuild }),
    );
    const before = inventory();
    expect(before.apps.map((a) => a.id.split('-')[0]).sort()).toEqual(['production', 'staging']);
    expect(before.builds).toHaveLength(1);
    expect(await stillThere([server.pid, ...before.lasting], before.ports)).toEqual({
      pids: [server.pid, ...before.lasting],
      ports: before.ports,
    });

    // Act
    const down = await cli(['down', '--data', demo.repo.dataDir], demo.env);

    // Assess
    expect(down).toMatchObject({ code: 0, stdout: expect.stringContaining('Stopped Pushline') });
    expect(await stillThere([server.pid, ...before.pids], before.ports)).toEqual({ pids: [], ports: [] });
  }, 60_000);

  it('SIGTERM to pushline up stops its builds, its apps and its proxy', async () => {
    // Prepare: up again (the canary resumes, the build pushline down interrupted starts again),
    // and a new build.
    const server = await startUp(demo);
    foreground.push(server);
    await demo.hookTo(server.url);
    await buildRunning(server.url, await demo.push('Version 1.0.2, slowly', bumpVersion('1.0.2')));
    const canary = (
      await waitForRun(server.url, canaryRun, 'canary', (r) => stageOf(r, 'canary').status === 'running')
    ).canary!.deploymentId;
    const before = inventory();
    expect(before.apps.map((a) => a.id)).toContain(canary);
    expect(before.builds).toHaveLength(2);
    expect(await stillThere(before.lasting, before.ports)).toEqual({
      pids: before.lasting,
      ports: before.ports,
    });

    // Act
    server.child.kill('SIGTERM');
    const code = await server.exited;

    // Assess
    expect(code).toBe(0);
    expect(await stillThere([server.pid, ...before.pids], before.ports)).toEqual({ pids: [], ports: [] });
  }, 60_000);
});
