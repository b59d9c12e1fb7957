import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CHANGES } from '../../cli/demo/scaffold.ts';
import { createLocalApp, type LocalApp } from '../../cli/local/create-local-app.ts';
import { silentBusLogger } from '../../shared/local/local-bus.ts';
import {
  askProduction,
  getRun,
  type LocalDemo,
  logProblems,
  makeLocalDemo,
  type ProxyAnswer,
  production,
  runOfCommit,
  stageOf,
  waitForRun,
} from '../support/local-demo.ts';

/**
 * Issue 4's "done means": the demo's three pushes through the real local pipeline — a real git
 * origin whose post-receive hook posts signed pushes, the real server (`createLocalApp`), real
 * builds of the buildspec, real app processes and the real blue/green proxy — asserted on each
 * run's event log as the API serves it.
 */
describe('the local pipeline, from git push to production', () => {
  let demo: LocalDemo;
  let app: LocalApp;
  let traffic: ReturnType<typeof production>;
  const runs: Record<'good' | 'canaryBug' | 'failingTest', string> = {
    good: '',
    canaryBug: '',
    failingTest: '',
  };
  let stable: string;

  const finished = (run: { status: string }) => run.status !== 'running';
  const types = (run: { events: { detailType: string }[] }) => run.events.map((e) => e.detailType);
  const eventOf = (run: { events: { detailType: string; data: unknown }[] }, type: string) =>
    run.events.find((e) => e.detailType === type)?.data as Record<string, unknown> | undefined;

  beforeAll(async () => {
    demo = await makeLocalDemo();
    app = await createLocalApp({
      file: demo.repo.configFile,
      dataDir: demo.repo.dataDir,
      port: 0,
      env: demo.env,
      logger: silentBusLogger,
      quiet: true,
    });
    await demo.hookTo(app.url);
    // The demo's users: steady requests to the production port from the start to the end.
    traffic = production(demo.ports.production);
  });

  afterAll(async () => {
    await traffic?.stop();
    await app?.close();
    demo?.cleanup();
  }, 30_000);

  it('takes a good change through build, staging and canary to production', async () => {
    runs.good = await runOfCommit(app.url, await demo.push('Greet the world in four languages'));

    const run = await waitForRun(app.url, runs.good, 'to finish', finished, 45_000);

    expect(types(run)).toEqual([
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
    expect(eventOf(run, 'Tests Passed')?.tests).toEqual({ total: 3, passed: 3, failed: 0, skipped: 0 });
    expect(eventOf(run, 'Run Finished')).toEqual({ outcome: 'succeeded' });
    expect(run.status).toBe('succeeded');
    expect(logProblems(run.events)).toEqual([]);
    // The API shows the store's log as it is.
    expect((await app.store.log(runs.good)).map((e) => e.eventId)).toEqual(run.events.map((e) => e.eventId));
    stable = run.production!.deploymentId!;
    expect(await askProduction(demo.ports.production, 0)).toMatchObject({
      status: 200,
      version: '1.0.0',
      release: stable,
    });
  }, 60_000);

  it('rolls back a canary that fails under traffic, with its reason, while production serves the old release', async () => {
    const pushedAt = Date.now();
    runs.canaryBug = await runOfCommit(
      app.url,
      await demo.push(CHANGES.canaryBug.message, CHANGES.canaryBug.edits),
    );

    const run = await waitForRun(app.url, runs.canaryBug, 'to finish', finished, 45_000);
    const finishedAt = Date.now();

    expect(types(run)).toEqual([
      'Run Started',
      'Build Started',
      'Tests Passed',
      'Staging Started',
      'Staging Deployed',
      'Canary Started',
      'Canary Unhealthy',
      'Rolled Back',
      'Run Finished',
    ]);
    const verdict = eventOf(run, 'Canary Unhealthy')?.verdict as { result: string; reason: string };
    expect(verdict.result).toBe('unhealthy');
    expect(verdict.reason).toMatch(/^error_rate \d+(\.\d+)? > max 0\.02/);
    expect(eventOf(run, 'Rolled Back')?.reason).toBe(verdict.reason);
    expect(eventOf(run, 'Run Finished')).toEqual({ outcome: 'rolled_back', reason: verdict.reason });
    expect(run.status).toBe('rolled_back');
    expect(logProblems(run.events)).toEqual([]);

    // During the run every answer came from a release (never refused, never 502/503); the old
    // release answered all of its share with 200 and 1.0.0; the canary took its share and failed some.
    const during = traffic.since(pushedAt).filter((a) => a.at < finishedAt);
    const canary = run.canary!.deploymentId;
    expect(during.filter((a) => a.release !== stable && a.release !== canary)).toEqual([]);
    expect(
      during.filter((a) => a.release === stable && !(a.status === 200 && a.version === '1.0.0')),
    ).toEqual([]);
    expect(during.filter((a) => a.release === canary && a.status === 500).length).toBeGreaterThan(0);
    // After it, the old release takes every request.
    const after: ProxyAnswer[] = [];
    for (let n = 0; n < 20; n++) after.push(await askProduction(demo.ports.production, n));
    expect(after.filter((a) => !(a.status === 200 && a.version === '1.0.0' && a.release === stable))).toEqual(
      [],
    );
  }, 60_000);

  it('stops a change whose unit test fails at the build, naming the test, and skips the rest', async () => {
    runs.failingTest = await runOfCommit(
      app.url,
      await demo.push(CHANGES.failingTest.message, CHANGES.failingTest.edits),
    );

    const run = await waitForRun(app.url, runs.failingTest, 'to finish', finished, 30_000);

    expect(types(run)).toEqual(['Run Started', 'Build Started', 'Build Failed', 'Run Finished']);
    const failed = eventOf(run, 'Build Failed') as { status: string; failingTests: string[]; tests: unknown };
    expect(failed.status).toBe('FAILED');
    expect(failed.failingTests).toEqual([expect.stringContaining('greets by name in French')]);
    expect(failed.tests).toEqual({ total: 3, passed: 2, failed: 1, skipped: 0 });
    expect(run.status).toBe('failed');
    expect(run.reason).toContain('greets by name in French');
    expect(['staging', 'canary', 'production'].map((s) => stageOf(run, s).status)).toEqual([
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(logProblems(run.events)).toEqual([]);
    expect(await askProduction(demo.ports.production, 1)).toMatchObject({ status: 200, version: '1.0.0' });
  }, 45_000);

  it('serves each build log at GET /api/runs/:id/logs/build', async () => {
    const good = await fetch(`${app.url}/api/runs/${runs.good}/logs/build`);
    const failing = await fetch(`${app.url}/api/runs/${runs.failingTest}/logs/build`);

    expect(good.status).toBe(200);
    expect(good.headers.get('content-type')).toMatch(/^text\/plain/);
    const goodLog = await good.text();
    const commit = (await getRun(app.url, runs.good)).source.commit;
    expect(goodLog).toContain(`built demo-service 1.0.0 at ${commit}`);
    expect(failing.status).toBe(200);
    expect(await failing.text()).toContain('✖ greets by name in French');
  });
});
