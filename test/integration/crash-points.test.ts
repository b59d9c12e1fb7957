import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { reapOrphanBuilds } from '../../shared/local/buildspec/reap-orphans.ts';
import { reapOrphans } from '../../shared/local/process-manager.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import {
  appProcesses,
  askProduction,
  buildProcesses,
  bumpVersion,
  getRun,
  isAlive,
  type LocalDemo,
  logProblems,
  makeLocalDemo,
  production,
  runOfCommit,
  startUp,
  type UpProcess,
  waitFor,
  waitForRun,
} from '../support/local-demo.ts';

/**
 * Issue 14, a crash at every step: a real `pushline up` is killed with SIGKILL right before and
 * right after each step a run takes (`PUSHLINE_CRASH_AT`, shared/local/crash-points.ts): a push
 * committed, each event appended and dispatched, an app process started, the proxy's traffic split
 * changed. Then `pushline up` again: the run finishes, or ends with the reason a restart gives —
 * never stuck, never an event applied twice, no process of the dead server left, production
 * answering from one release, not a half-shifted split.
 *
 * Each point costs a run (~15 s); the suite tries a spread of them, `PUSHLINE_CRASH_POINTS=all`
 * every one (or a comma-separated list).
 */

const EVERY_POINT = [
  'startRuns:before',
  'startRuns:after',
  ...[
    'Build Started',
    'Tests Passed',
    'Staging Started',
    'Staging Deployed',
    'Canary Started',
    'Canary Healthy',
    'Production Deployed',
    'Run Finished',
  ].flatMap((type) => [`append:before:${type}`, `append:after:${type}`]),
  ...[
    'Run Started',
    'Tests Passed',
    'Staging Deployed',
    'Canary Started',
    'Canary Healthy',
    'Production Deployed',
  ].flatMap((type) => [`dispatch:before:${type}`, `dispatch:after:${type}`]),
  'process-start:before',
  'process-start:after',
  'proxy-weights:before',
  'proxy-weights:after',
  'proxy-promote:before',
  'proxy-promote:after',
];
const SPREAD = [
  'startRuns:before',
  'dispatch:after:Tests Passed',
  'process-start:after',
  'proxy-weights:after',
  'append:before:Production Deployed',
];
const chosen = process.env.PUSHLINE_CRASH_POINTS;
const POINTS = chosen === 'all' ? EVERY_POINT : chosen ? chosen.split(',') : SPREAD;

describe('a crash at every step of a run', () => {
  let demo: LocalDemo;
  let server: UpProcess | undefined;
  let traffic: ReturnType<typeof production>;
  let version = 1;
  const ended = (run: { status: string }) => run.status !== 'running';

  const up = async (env: NodeJS.ProcessEnv = {}) => {
    server = await startUp(demo, 30_000, env);
    await demo.hookTo(server.url);
    return server;
  };
  const stop = async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null)
      server.child.kill('SIGTERM');
    await server?.exited;
  };

  beforeAll(async () => {
    demo = await makeLocalDemo({ interval: 1, bake: 3 });
    traffic = production(demo.ports.production, 80);
    // A first release in production, so that each crash meets a stable release to protect.
    const first = await up();
    const runId = await runOfCommit(first.url, await demo.push('Greet the world'));
    expect((await waitForRun(first.url, runId, 'the first release', ended, 60_000)).status).toBe('succeeded');
  }, 120_000);

  afterAll(async () => {
    await traffic?.stop();
    await stop();
    await reapOrphans(demo.repo.dataDir, { graceMs: 500 });
    await reapOrphanBuilds(demo.repo.dataDir, systemClock);
    demo.cleanup();
  }, 30_000);

  it.each(POINTS)(
    '%s: the run finishes or ends with its reason, once, with nothing left behind',
    async (point) => {
      // Prepare: a server armed to die at the point
      await stop();
      const doomed = await up({ PUSHLINE_CRASH_AT: point });
      version++;

      // Act: a push, the server dying at the point, and pushline up again
      const commit = await demo.push(`Version 1.0.${version}`, bumpVersion(`1.0.${version}`));
      let timer: NodeJS.Timeout | undefined;
      const signal = await Promise.race([
        doomed.exited.then(() => doomed.child.signalCode),
        new Promise((resolve) => {
          timer = setTimeout(() => resolve('never reached'), 90_000);
        }),
      ]);
      clearTimeout(timer);
      if (signal !== 'SIGKILL') {
        // Say which way the run went instead of reaching the point (a failed stage, say).
        const runId = await runOfCommit(doomed.url, commit, 5_000).catch(() => undefined);
        const state = runId ? await getRun(doomed.url, runId).catch(() => undefined) : undefined;
        expect({
          signal,
          run: state && {
            status: state.status,
            reason: state.reason,
            events: state.events.map((e) => e.detailType),
          },
          output: doomed.output().split('\n').slice(-15),
        }).toEqual({ signal: 'SIGKILL' });
      }
      const dead = appProcesses(demo.repo.dataDir).flatMap((app) => app.pids);
      const restarted = await up();
      const runId = await runOfCommit(restarted.url, commit, 30_000);
      const run = await waitForRun(restarted.url, runId, 'to end', ended, 60_000);

      // Assess: finished, or ended with what a restart says; each event once
      // A canary resumed after the restart is judged on what the new proxy saw: too few requests is
      // the judge's own "no data" verdict (docs/crash-safety.md, "A canary resumes, judged on less").
      if (run.status !== 'succeeded') {
        expect(run.reason).toMatch(/pushline restarted|^no data: only \d+ requests reached the canary/);
      }
      expect(logProblems(run.events)).toEqual([]);
      // Nothing of the dead server runs unowned: its apps were stopped, or adopted as the new one's.
      const owned = new Set(appProcesses(demo.repo.dataDir).flatMap((app) => app.pids));
      expect(dead.filter((pid) => isAlive(pid) && !owned.has(pid))).toEqual([]);
      expect(buildProcesses(demo.repo.dataDir)).toEqual([]);
      // Production answers, from one release: no split left half-shifted.
      const answers = await waitFor(
        'production to answer',
        async () => {
          const all = await Promise.all(
            Array.from({ length: 20 }, (_, i) => askProduction(demo.ports.production, i)),
          );
          return all.every((a) => a.status === 200) ? all : undefined;
        },
        15_000,
      );
      expect(new Set(answers.map((a) => a.release)).size).toBe(1);
      const expected = run.status === 'succeeded' ? `1.0.${version}` : undefined;
      if (expected) expect(answers[0]!.version).toBe(expected);
    },
    180_000,
  );

  it('a graceful stop during a build: the next pushline up starts the build again and the run goes on', async () => {
    // Prepare: a build that takes a few seconds, running when the server is told to stop
    await stop();
    const server = await up();
    version++;
    const slowly = {
      ...bumpVersion(`1.0.${version}`),
      'buildspec.yml': (text: string) =>
        text.replace('      - node --version\n', '      - node --version\n      - sleep 3\n'),
    };
    const commit = await demo.push(`Version 1.0.${version}, slowly`, slowly);
    const runId = await runOfCommit(server.url, commit);
    await waitFor('the build to run', () => buildProcesses(demo.repo.dataDir).find((b) => b.runId === runId));

    // Act: pushline down's signal, then up again
    await stop();
    const stopped = buildProcesses(demo.repo.dataDir);
    const restarted = await up();
    const run = await waitForRun(restarted.url, runId, 'to end', ended, 90_000);

    // Assess: one build, started twice; the run went on to production
    expect(stopped).toEqual([]);
    expect(run.status).toBe('succeeded');
    expect(logProblems(run.events)).toEqual([]);
    expect(run.events.filter((e) => e.detailType === 'Build Started')).toHaveLength(1);
    expect(run.notes.map((n) => n.message)).toEqual([
      expect.stringMatching(/^pushline was stopped during the build: build \S+ was started again$/),
    ]);
  }, 180_000);
});
