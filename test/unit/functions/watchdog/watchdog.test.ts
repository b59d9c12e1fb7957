import { describe, expect, it } from '@jest/globals';
import { makeWatchdog } from '../../../../functions/watchdog/watchdog.ts';
import { TransientError } from '../../../../shared/domain/errors.ts';
import { testDeps } from '../../../support/deps.ts';
import { pipelineConfig, seedRun } from '../../../support/runs.ts';

const pipeline = pipelineConfig({
  timeouts: { build: '10m', staging: '5m', canary: '20m', production: '15m' },
});

describe('makeWatchdog', () => {
  it('stops a build that outlived its timeout and ends the run timed_out', async () => {
    // Prepare
    const deps = testDeps({ pipelines: [pipeline] });
    const run = await seedRun(deps.store, 'building');
    deps.clock.advance(601);

    // Act
    const report = await makeWatchdog(deps)();

    // Assess
    const after = (await deps.store.get(run.id))!.run;
    expect(after.status).toBe('timed_out');
    expect(after.reason).toBe('build timed out after 10m');
    expect(deps.builder.stops).toEqual([
      { buildId: run.build!.buildId, reason: 'build timed out after 10m' },
    ]);
    const [timedOut] = (await deps.store.log(run.id)).filter((e) => e.detailType === 'Stage Timed Out');
    expect(timedOut?.detail).toMatchObject({
      stage: 'build',
      data: { timeoutSeconds: 600, startedAt: run.stages.build.startedAt, stopped: run.build!.buildId },
    });
    expect(report).toEqual({ timedOut: [{ runId: run.id, stage: 'build', stopped: run.build!.buildId }] });
  });

  it('ends a run whose staging never started, so a dead-lettered handler cannot leave it hanging', async () => {
    // Prepare: the build passed, but deploy-staging failed for good and nothing started staging.
    const deps = testDeps({ pipelines: [pipeline] });
    const run = await seedRun(deps.store, 'built');
    deps.clock.advance(5 * 60 + 1);

    // Act
    const report = await makeWatchdog(deps)();

    // Assess
    const after = (await deps.store.get(run.id))!.run;
    expect(after.status).toBe('timed_out');
    expect(after.stages.staging.status).toBe('timed_out');
    expect(after.reason).toBe("staging never started within 5m of its turn (see the run's notes)");
    expect(deps.deployer.calls).toEqual([]);
    expect(report).toEqual({ timedOut: [{ runId: run.id, stage: 'staging' }] });
  });

  it('rolls back a canary that outlived its timeout', async () => {
    // Prepare
    const deps = testDeps({ pipelines: [pipeline] });
    const run = await seedRun(deps.store, 'canary');
    deps.clock.advance(20 * 60 + 1);

    // Act
    await makeWatchdog(deps)();

    // Assess
    expect(deps.deployer.calls).toEqual([
      { method: 'rollback', id: `production-${run.id}`, reason: 'canary timed out after 20m' },
    ]);
    expect((await deps.store.get(run.id))!.run.stages.canary.status).toBe('timed_out');
  });

  it('ends the run even when the stage cannot be stopped, and notes what it could not stop', async () => {
    // Prepare
    const deps = testDeps({ pipelines: [pipeline] });
    const run = await seedRun(deps.store, 'building');
    deps.builder.stop = async () => {
      throw new TransientError('StopBuild: service unavailable');
    };
    deps.clock.advance(601);

    // Act
    const report = await makeWatchdog(deps)();

    // Assess
    expect((await deps.store.get(run.id))!.run.status).toBe('timed_out');
    expect(report.timedOut).toEqual([{ runId: run.id, stage: 'build' }]);
    expect((await deps.store.notes(run.id)).map((n) => n.message)).toEqual([
      `could not stop build ${run.build!.buildId}: StopBuild: service unavailable`,
    ]);
  });

  it('leaves stages within their timeout, and waiting runs, alone', async () => {
    // Prepare
    const deps = testDeps({ pipelines: [pipeline] });
    await seedRun(deps.store, 'building');
    await seedRun(deps.store, 'staged');
    deps.clock.advance(600);
    const before = deps.store.appended.length;

    // Act
    const report = await makeWatchdog(deps)();

    // Assess
    expect(report.timedOut).toEqual([]);
    expect(deps.store.appended).toHaveLength(before);
    expect(deps.builder.stops).toEqual([]);
  });

  it('times out each overdue run once when two rounds overlap', async () => {
    // Prepare
    const deps = testDeps({ pipelines: [pipeline] });
    const run = await seedRun(deps.store, 'building');
    deps.clock.advance(601);
    const watchdog = makeWatchdog(deps);

    // Act
    await Promise.all([watchdog(), watchdog()]);

    // Assess
    const log = await deps.store.log(run.id);
    expect(log.filter((e) => e.detailType === 'Stage Timed Out')).toHaveLength(1);
    expect(log.every((e) => e.disposition === 'applied')).toBe(true);
  });
});
