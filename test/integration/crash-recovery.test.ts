import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RESTART_REASONS } from '../../shared/domain/recovery-plan.ts';
import { reapOrphanBuilds } from '../../shared/local/buildspec/reap-orphans.ts';
import { reapOrphans } from '../../shared/local/process-manager.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import {
  appProcesses,
  askProduction,
  buildProcesses,
  bumpVersion,
  commandOf,
  getRun,
  isAlive,
  type LocalDemo,
  logProblems,
  makeLocalDemo,
  production,
  runOfCommit,
  slowBuild,
  stageOf,
  startUp,
  type UpProcess,
  waitFor,
  waitForRun,
} from '../support/local-demo.ts';

/**
 * `kill -9` of a real `pushline up` in the middle of a run, then `pushline up` again on the same
 * data folder: what the dead server left running is stopped, production serves its last release
 * again, and the run goes on (a canary) or ends with the reason (a build) — each event once.
 */
describe('pushline up after the server was killed mid-run', () => {
  let demo: LocalDemo;
  const servers: UpProcess[] = [];
  let traffic: ReturnType<typeof production>;
  let firstRelease: string;
  let secondRelease: string;
  let secondRun: string;

  const up = async () => {
    const server = await startUp(demo);
    servers.push(server);
    await demo.hookTo(server.url);
    return server;
  };
  const kill9 = async (server: UpProcess) => {
    server.child.kill('SIGKILL');
    await server.exited;
  };
  const terminal = (run: { status: string }) => run.status !== 'running';

  beforeAll(async () => {
    // A short bake for the first release; the canary under test gets a longer one (below).
    demo = await makeLocalDemo({ interval: 2, bake: 4 });
    traffic = production(demo.ports.production);
  });

  afterAll(async () => {
    await traffic?.stop();
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
    // Should a test have failed between a kill and a restart, nothing of it may outlive the suite.
    await reapOrphans(demo.repo.dataDir, { graceMs: 500 });
    await reapOrphanBuilds(demo.repo.dataDir, systemClock);
    demo.cleanup();
  }, 30_000);

  it('resumes a canary: production serves its last release again and the canary is judged and promoted', async () => {
    // Prepare: a first release in production, then a second one in its canary.
    let server = await up();
    const first = await runOfCommit(server.url, await demo.push('Greet the world'));
    const done = await waitForRun(server.url, first, 'to finish', terminal);
    expect(done.status).toBe('succeeded');
    firstRelease = done.production!.deploymentId!;
    // A bake long enough that a restart on a loaded machine still leaves the canary time to be judged.
    demo.tune({ bake: 14 });
    server.child.kill('SIGHUP');
    await waitFor('the pipeline file to be re-read', () =>
      server.output().includes('pipeline file reloaded'),
    );

    const second = await runOfCommit(server.url, await demo.push('Version 1.0.1', bumpVersion('1.0.1')));
    const inCanary = await waitForRun(
      server.url,
      second,
      'canary running',
      (r) => stageOf(r, 'canary').status === 'running',
    );
    secondRelease = inCanary.canary!.deploymentId;
    secondRun = second;
    await waitFor(
      'the canary to take traffic',
      () => traffic.answers.filter((a) => a.release === secondRelease).length >= 3,
    );
    const left = appProcesses(demo.repo.dataDir);
    expect(left.map((p) => p.id).sort()).toEqual(
      [firstRelease, secondRelease, inCanary.staging!.deploymentId!].sort(),
    );

    // Act: kill -9 in the middle of the canary, then up again.
    await kill9(server);
    const orphans = left.flatMap((p) => p.pids);
    expect(orphans.filter(isAlive).length).toBeGreaterThan(0); // the apps outlived their server
    const restartedAt = Date.now();
    server = await up();

    // Assess: the dead server's apps are gone; production serves at once, the old release as stable.
    expect(orphans.filter(isAlive)).toEqual([]);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) => askProduction(demo.ports.production, n)),
    );
    expect(answers.filter((a) => a.status !== 200 && a.release !== secondRelease)).toEqual([]);
    expect(answers.filter((a) => a.release === firstRelease).every((a) => a.version === '1.0.0')).toBe(true);
    // Staging serves again what it served: the release in the canary, on its own port.
    expect(await askProduction(demo.ports.staging, 0)).toMatchObject({ status: 200, version: '1.0.1' });
    expect(appProcesses(demo.repo.dataDir).map((p) => p.id)).toContain(inCanary.staging!.deploymentId!);

    const run = await waitForRun(server.url, second, 'to finish after the restart', terminal, 30_000);
    expect(run.status).toBe('succeeded');
    expect(Date.parse(run.finishedAt!) - restartedAt).toBeLessThan(20_000);
    expect(run.events.map((e) => e.detailType)).toEqual([
      'Run Started',
      'Build Started',
      'Tests Passed',
      'Staging Started',
      'Staging Deployed',
      'Canary Started',
      'Canary Healthy',
      'Production Deployed',
      'Run Finished',
    ]);
    expect(logProblems(run.events)).toEqual([]);
    expect(run.notes.map((n) => n.kind)).toContain('recovery');
    // Judged on what the proxy measured after the restart: the canary's requests since then.
    expect(run.canary!.verdict!.result).toBe('healthy');

    const after = await askProduction(demo.ports.production, 0);
    expect(after).toMatchObject({ status: 200, version: '1.0.1', release: secondRelease });
    // No request to production failed except while no server ran at all.
    const failedAfterRestart = traffic
      .since(restartedAt)
      .filter((a) => a.status !== 200 && a.at > restartedAt + 100);
    expect(failedAfterRestart.filter((a) => a.status !== 0)).toEqual([]);
  }, 90_000);

  it('ends a build with the reason, stops its processes, and serves the last release again', async () => {
    // Prepare: a build that is running (it sleeps) when the server dies.
    let server = servers.at(-1)!;
    const commit = await demo.push('Version 1.0.2, slowly', { ...bumpVersion('1.0.2'), ...slowBuild });
    const runId = await runOfCommit(server.url, commit);
    await waitForRun(server.url, runId, 'build running', (r) => stageOf(r, 'build').status === 'running');
    const build = await waitFor('the build to sleep', () => {
      const found = buildProcesses(demo.repo.dataDir).find((b) => b.runId === runId);
      return found?.pids.some((pid) => commandOf(pid) === 'sleep 120') ? found : undefined;
    });

    // Act
    await kill9(server);
    expect(build.pids.filter(isAlive).length).toBeGreaterThan(0);
    server = await up();

    // Assess: the build's processes are gone and the run ended with the reason, once.
    expect(build.pids.filter(isAlive)).toEqual([]);
    const run = await waitForRun(server.url, runId, 'to finish', terminal, 10_000);
    expect(run.status).toBe('failed');
    expect(run.reason).toContain(RESTART_REASONS.build);
    expect(run.events.map((e) => e.detailType)).toEqual([
      'Run Started',
      'Build Started',
      'Build Failed',
      'Run Finished',
    ]);
    expect(run.events[2]!.data).toMatchObject({ status: 'FAULT', reason: RESTART_REASONS.build });
    expect(logProblems(run.events)).toEqual([]);
    // The run before it is untouched by the second restart.
    const previous = await getRun(server.url, secondRun);
    expect(previous.events.at(-1)).toMatchObject({
      detailType: 'Run Finished',
      data: { outcome: 'succeeded' },
    });
    expect(logProblems(previous.events)).toEqual([]);
    const answer = await waitFor(
      'production to answer',
      async () => {
        const a = await askProduction(demo.ports.production, 0);
        return a.status === 200 ? a : undefined;
      },
      5_000,
    );
    expect(answer).toMatchObject({ version: '1.0.1', release: secondRelease });
  }, 60_000);
});
