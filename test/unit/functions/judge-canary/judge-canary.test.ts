import { describe, expect, it } from '@jest/globals';
import {
  checkKey,
  makeAlarmFired,
  makeCheckCanary,
  makeJudgeCanary,
  makeResumeCanaries,
  SAMPLE_RETRIES,
} from '../../../../functions/judge-canary/judge-canary.ts';
import { TransientError } from '../../../../shared/domain/errors.ts';
import type { CanaryCheckTask } from '../../../../shared/ports/scheduler.ts';
import { lastEvent, testDeps } from '../../../support/deps.ts';
import { emptySamples, FakeMetrics, failingSamples, healthySamples } from '../../../support/fake-metrics.ts';
import { pipelineConfig, seedRun, T0 } from '../../../support/runs.ts';

const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** A run whose canary started at T0 (interval 60s, bake 180s), and a check task for it. */
async function canary(options: Parameters<typeof testDeps>[0] = {}) {
  const deps = testDeps(options);
  const run = await seedRun(deps.store, 'canary');
  const task = (check: number, retry?: number): CanaryCheckTask => ({
    kind: 'canary-check',
    runId: run.id,
    attempt: 1,
    deploymentId: `production-${run.id}`,
    check,
    ...(retry ? { retry } : {}),
  });
  const state = async () => (await deps.store.get(run.id))!.run;
  return { deps, run, task, state, check: makeCheckCanary(deps) };
}

describe('makeJudgeCanary', () => {
  it('schedules the first check one interval after the canary started, once however often it hears of it', async () => {
    // Prepare
    const { deps, run, task } = await canary();
    const judge = makeJudgeCanary(deps);
    const started = await lastEvent(deps.store, run.id, 'Canary Started');

    // Act
    await judge(started);
    await judge(started);

    // Assess
    expect(deps.scheduler.jobs).toEqual([{ key: checkKey(task(1)), at: at(60), task: task(1) }]);
  });
});

describe('makeCheckCanary', () => {
  it('samples the last interval and the whole canary, and schedules the next check while the bake lasts', async () => {
    // Prepare
    const { deps, task, check, state } = await canary();
    deps.clock.advanceTo(at(60));

    // Act
    await check(task(1));

    // Assess
    expect(deps.metrics.requests.map((r) => [r.start, r.end])).toEqual([
      [at(0), at(60)],
      [at(0), at(60)],
    ]);
    expect(deps.scheduler.jobs).toEqual([{ key: checkKey(task(2)), at: at(120), task: task(2) }]);
    expect((await state()).stages.canary.status).toBe('running');
  });

  it('uses the last interval only for the window, and the start of the canary for the whole', async () => {
    // Prepare
    const { deps, task, check } = await canary();
    deps.clock.advanceTo(at(120));

    // Act
    await check(task(2));

    // Assess
    expect(deps.metrics.requests.map((r) => [r.start, r.end])).toEqual([
      [at(60), at(120)],
      [at(0), at(120)],
    ]);
  });

  it('calls a healthy canary healthy once the bake is over', async () => {
    // Prepare
    const { deps, run, task, check, state } = await canary();
    deps.clock.advanceTo(at(180));

    // Act
    await check(task(3));

    // Assess
    const healthy = await lastEvent(deps.store, run.id, 'Canary Healthy');
    expect(healthy.detail.data.verdict).toMatchObject({
      result: 'healthy',
      reason: '2 metrics pass over 600 canary requests',
    });
    expect((await state()).stages.production.status).toBe('running');
    expect(deps.scheduler.jobs).toEqual([]);
  });

  it('calls an unhealthy canary unhealthy at the first check, with the judge’s reason', async () => {
    // Prepare
    const { deps, task, check, state } = await canary({ metrics: new FakeMetrics(failingSamples) });
    deps.clock.advanceTo(at(60));

    // Act
    await check(task(1));

    // Assess
    expect((await state()).canary?.verdict).toMatchObject({
      result: 'unhealthy',
      reason: expect.stringMatching(/^error_rate/),
    });
    expect(deps.scheduler.jobs).toEqual([]);
  });

  it('judges the cumulative window: a bad earlier minute still fails a canary whose last minute was fine', async () => {
    // Prepare
    const metrics = new FakeMetrics((r) =>
      r.start.getTime() === T0.getTime() ? failingSamples() : healthySamples(),
    );
    const { deps, task, check, state } = await canary({ metrics });
    deps.clock.advanceTo(at(120));

    // Act
    await check(task(2));

    // Assess
    expect((await state()).stages.canary.status).toBe('failed');
  });

  it.each([
    ['rollback', 'Canary Unhealthy', 'no data: no requests reached the canary'],
    ['promote', 'Canary Healthy', 'no data: no requests reached the canary (noData: promote)'],
  ] as const)('follows noData: %s when the bake ends without data', async (noData, detailType, reason) => {
    // Prepare
    const pipeline = pipelineConfig({
      production: { local: { start: 'x', port: 4000 }, canary: { interval: 60, bake: 180, noData } },
    });
    const { deps, run, task, check } = await canary({
      pipelines: [pipeline],
      metrics: new FakeMetrics(emptySamples),
    });
    deps.clock.advanceTo(at(180));

    // Act
    await check(task(3));

    // Assess
    expect((await lastEvent(deps.store, run.id, detailType)).detail.data.verdict.reason).toBe(reason);
  });

  it('waits through an inconclusive check before the bake is over', async () => {
    // Prepare
    const { deps, task, check, state } = await canary({ metrics: new FakeMetrics(emptySamples) });
    deps.clock.advanceTo(at(60));

    // Act
    await check(task(1));

    // Assess
    expect((await state()).stages.canary.status).toBe('running');
    expect(deps.scheduler.tasks()).toEqual([task(2)]);
  });

  it('treats a check that runs late, past the bake, as the last one', async () => {
    // Prepare
    const { deps, task, check, state } = await canary();
    deps.clock.advanceTo(at(900));

    // Act
    await check(task(1));

    // Assess
    expect((await state()).stages.canary.status).toBe('succeeded');
  });

  it('tries a check again when the metrics cannot be read, then counts them as no data', async () => {
    // Prepare
    const metrics = new FakeMetrics(() => {
      throw new TransientError('GetMetricData: throttled');
    });
    const { deps, run, task, check } = await canary({ metrics });
    deps.clock.advanceTo(at(180));

    // Act
    await check(task(3));
    for (let retry = 1; retry <= SAMPLE_RETRIES; retry++) await check(task(3, retry));

    // Assess
    expect(deps.scheduler.requests.map((r) => r.key)).toEqual(
      [1, 2, 3].map((retry) => checkKey(task(3, retry))),
    );
    const unhealthy = await lastEvent(deps.store, run.id, 'Canary Unhealthy');
    expect(unhealthy.detail.data.verdict.reason).toBe(
      'no data: the canary metrics could not be read: GetMetricData: throttled',
    );
  });

  it('does nothing for a canary that has ended, or of another deployment', async () => {
    // Prepare
    const { deps, task, check } = await canary();
    deps.clock.advanceTo(at(60));
    const before = deps.store.appended.length;

    // Act
    await check({ ...task(1), deploymentId: 'another' });
    await check({ ...task(1), attempt: 2 });

    // Assess
    expect(deps.metrics.requests).toEqual([]);
    expect(deps.store.appended).toHaveLength(before);
  });
});

describe('makeAlarmFired', () => {
  const withAlarm = pipelineConfig({
    production: {
      local: { start: 'x', port: 4000 },
      canary: { interval: 60, bake: 600, alarms: ['web-5xx'] },
    },
  });

  it('judges a canary that lists the alarm at once, as unhealthy', async () => {
    // Prepare
    const { deps, state } = await canary({ pipelines: [withAlarm] });
    deps.clock.advanceTo(at(10));

    // Act
    await makeAlarmFired(deps)({ alarmName: 'web-5xx', state: 'ALARM' });

    // Assess
    expect((await state()).canary?.verdict).toMatchObject({
      result: 'unhealthy',
      reason: 'alarm web-5xx is in ALARM',
      alarms: [{ name: 'web-5xx', state: 'ALARM' }],
    });
  });

  it('changes nothing for an alarm back to OK, or an alarm no canary lists', async () => {
    // Prepare
    const { deps, state } = await canary({ pipelines: [withAlarm] });

    // Act
    await makeAlarmFired(deps)({ alarmName: 'web-5xx', state: 'OK' });
    await makeAlarmFired(deps)({ alarmName: 'api-latency', state: 'ALARM' });

    // Assess
    expect((await state()).stages.canary.status).toBe('running');
    expect(deps.metrics.requests).toEqual([]);
    expect(deps.scheduler.jobs).toEqual([]);
  });
});

describe('makeResumeCanaries', () => {
  it('re-arms the next check of every running canary after a restart', async () => {
    // Prepare
    const { deps, task } = await canary();
    await seedRun(deps.store, 'succeeded');
    deps.clock.advanceTo(at(75));

    // Act
    const armed = await makeResumeCanaries(deps)();

    // Assess
    expect(armed).toBe(1);
    expect(deps.scheduler.jobs).toEqual([{ key: checkKey(task(2)), at: at(120), task: task(2) }]);
  });
});
