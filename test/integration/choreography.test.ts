import { describe, expect, it } from '@jest/globals';
import { createChoreography } from '../support/choreography.ts';
import { emptySamples, failingSamples } from '../support/fake-metrics.ts';
import { commitOf, pipelineConfig } from '../support/runs.ts';

const HAPPY_PATH = [
  'Run Started',
  'Build Started',
  'Tests Passed',
  'Staging Started',
  'Staging Deployed',
  'Canary Started',
  'Canary Healthy',
  'Production Deployed',
  'Run Finished',
];

describe('the choreography', () => {
  it('takes a push to production through every stage', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig()] });

    // Act
    const runId = await flow.push();
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(run.status).toBe('succeeded');
    expect(await flow.history(runId)).toEqual(HAPPY_PATH);
    expect(Object.values(run.stages).map((s) => s.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'skipped', // no approval required
      'succeeded',
      'succeeded',
    ]);
    // The canary was checked every interval until the bake (3 minutes) was over.
    expect(run.canary?.verdict?.result).toBe('healthy');
    expect(flow.clock.now().getTime() - Date.parse(run.stages.canary.startedAt!)).toBe(180_000);
    expect(flow.deployer.distinct('promote')).toEqual([run.canary?.deploymentId]);
  });

  it('goes straight from the build to the canary for a pipeline without staging', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig({ staging: {} })] });

    // Act
    const runId = await flow.push();
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(run.status).toBe('succeeded');
    expect(run.stages.staging.status).toBe('skipped');
    expect(flow.deployer.distinct('deploy')).toEqual([]);
  });

  it('ends a run whose build fails as failed, naming the failing test', async () => {
    // Prepare
    const flow = createChoreography({
      pipelines: [pipelineConfig()],
      build: () => ({
        status: 'FAILED',
        phase: 'BUILD',
        reason: 'Error while executing command: npm test. Reason: exit status 1',
        tests: { total: 12, passed: 11, failed: 1, skipped: 0 },
        failingTests: ['checkout client › retries a 503 once'],
      }),
    });

    // Act
    const runId = await flow.push();
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(run.status).toBe('failed');
    expect(await flow.history(runId)).toEqual([
      'Run Started',
      'Build Started',
      'Build Failed',
      'Run Finished',
    ]);
    expect(run.build?.failingTests).toEqual(['checkout client › retries a 503 once']);
    expect(run.reason).toContain('checkout client › retries a 503 once');
    expect(flow.deployer.calls).toEqual([]);
  });

  it('rolls back an unhealthy canary and ends the run rolled_back with the canary’s reason', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig()], metrics: failingSamples });

    // Act
    const runId = await flow.push();
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(run.status).toBe('rolled_back');
    expect(run.reason).toMatch(/^error_rate 0\.21 > max 0\.01/);
    expect((await flow.history(runId)).slice(-4)).toEqual([
      'Canary Started',
      'Canary Unhealthy',
      'Rolled Back',
      'Run Finished',
    ]);
    expect(flow.deployer.distinct('rollback')).toEqual([run.canary?.deploymentId]);
    expect(flow.deployer.distinct('promote')).toEqual([]);
  });

  it('rolls back a canary no request reached when the bake ends, under noData: rollback', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig()], metrics: emptySamples });

    // Act
    const runId = await flow.push();
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(run.status).toBe('rolled_back');
    expect(run.reason).toBe('no data: no requests reached the canary');
  });

  it('supersedes the older of two quick pushes and deploys production once', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig()] });

    // Act
    const older = await flow.push('web', commitOf(1));
    const newer = await flow.push('web', commitOf(2));
    await flow.settle();

    // Assess
    const [a, b] = [await flow.run(older), await flow.run(newer)];
    expect(a.status).toBe('superseded');
    expect(a.reason).toContain(newer);
    expect(b.status).toBe('succeeded');
    expect(flow.deployer.distinct('startCanary')).toEqual([b.canary?.deploymentId]);
    expect(flow.deployer.distinct('deploy')).toEqual([b.staging?.deploymentId]);
  });

  it('runs queued pushes one after the other, never two productions at once', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig({ concurrency: 'queue' })] });

    // Act
    const first = await flow.push('web', commitOf(1));
    const second = await flow.push('web', commitOf(2));
    await flow.settle();

    // Assess
    expect((await flow.run(first)).status).toBe('succeeded');
    expect((await flow.run(second)).status).toBe('succeeded');
    const builds = flow.dispatched.filter((e) => e.detailType === 'Build Started').map((e) => e.detail.runId);
    const finished = flow.dispatched.findIndex((e) => e.detailType === 'Run Finished');
    const secondBuild = flow.dispatched.findIndex(
      (e) => e.detailType === 'Build Started' && e.detail.runId === second,
    );
    expect(builds).toEqual([first, second]);
    expect(secondBuild).toBeGreaterThan(finished);
    expect(flow.deployer.overlaps).toEqual([]);
  });

  it('lets parallel runs build together but takes turns on production', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig({ concurrency: 'parallel' })] });

    // Act
    const first = await flow.push('web', commitOf(1));
    const second = await flow.push('web', commitOf(2));
    await flow.settle();

    // Assess
    expect((await flow.run(first)).status).toBe('succeeded');
    expect((await flow.run(second)).status).toBe('succeeded');
    expect(flow.deployer.distinct('startCanary')).toHaveLength(2);
    expect(flow.deployer.overlaps).toEqual([]);
    expect(await flow.store.notes(second)).toEqual([
      expect.objectContaining({
        kind: 'waiting',
        message: `waiting for run ${first} to finish its production deployment`,
      }),
    ]);
  });

  it('times out a stuck build: stops it and ends the run timed_out', async () => {
    // Prepare
    const flow = createChoreography({
      pipelines: [pipelineConfig({ timeouts: { build: '10m' } })],
      build: () => 'hang',
    });
    const runId = await flow.push();
    await flow.settle();
    flow.clock.advance(10 * 60 + 1);

    // Act
    const report = await flow.watchdog();
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(run.status).toBe('timed_out');
    expect(run.stages.build.status).toBe('timed_out');
    expect(await flow.history(runId)).toEqual([
      'Run Started',
      'Build Started',
      'Stage Timed Out',
      'Run Finished',
    ]);
    expect(flow.builder.stops).toEqual([
      { buildId: run.build!.buildId, reason: 'build timed out after 10m' },
    ]);
    expect(report.timedOut).toEqual([{ runId, stage: 'build', stopped: run.build!.buildId }]);
  });

  it('judges a canary at once when one of its alarms fires', async () => {
    // Prepare
    const pipeline = pipelineConfig({
      production: {
        local: { start: 'node server.js', port: 4000 },
        canary: { interval: '60s', bake: '10m', minRequests: 10, alarms: ['web-5xx'] },
      },
    });
    const flow = createChoreography({ pipelines: [pipeline] });
    const runId = await flow.push();
    const canaryRunning = async () => (await flow.run(runId)).stages.canary.status === 'running';
    expect(await flow.until(canaryRunning)).toBe(true);

    // Act
    await flow.alarmFired({ alarmName: 'web-5xx', state: 'ALARM' });
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(run.status).toBe('rolled_back');
    expect(run.reason).toBe('alarm web-5xx is in ALARM');
    expect(Date.parse(run.finishedAt!) - Date.parse(run.stages.canary.startedAt!)).toBeLessThan(60_000);
  });

  describe('with every event, outcome and check delivered twice', () => {
    it.each([
      ['a run that reaches production', {}],
      ['a failing build', { build: () => ({ status: 'FAILED' as const, failingTests: ['a › b'] }) }],
      ['an unhealthy canary', { metrics: failingSamples }],
    ])('records the same history for %s', async (_name, script) => {
      // Prepare
      const once = createChoreography({ pipelines: [pipelineConfig()], ...script });
      const twice = createChoreography({ pipelines: [pipelineConfig()], ...script, deliverTwice: true });

      // Act
      const [a, b] = [await once.push(), await twice.push()];
      await once.settle();
      await twice.settle();

      // Assess
      expect(await twice.history(b)).toEqual(await once.history(a));
      expect((await twice.store.log(b)).every((entry) => entry.disposition === 'applied')).toBe(true);
      expect((await twice.run(b)).status).toBe((await once.run(a)).status);
      expect(twice.builder.started).toHaveLength(1);
      for (const method of ['deploy', 'startCanary', 'promote', 'rollback'] as const) {
        expect(twice.deployer.distinct(method)).toHaveLength(once.deployer.distinct(method).length);
      }
      expect(twice.deployer.completions).toEqual([]);
    });
  });
});
