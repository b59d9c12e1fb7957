import { describe, expect, it } from '@jest/globals';
import { makeStartCanary } from '../../../../functions/start-canary/start-canary.ts';
import { makeWatchdog } from '../../../../functions/watchdog/watchdog.ts';
import { makePipelineOperations } from '../../../../shared/app/pipeline-operations.ts';
import { makeRunOperations } from '../../../../shared/app/run-operations.ts';
import type { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';
import { lastEvent, testDeps } from '../../../support/deps.ts';
import { pipelineConfig, seedRun } from '../../../support/runs.ts';

// T0 (test/support/runs.ts) is Friday 2025-03-14 09:27 UTC: before this window opens that day.
const WINDOW = 'mon-fri 11:00-17:00 UTC';
const OPENS = new Date('2025-03-14T11:00:00.000Z');

function setUp(pipeline: PipelineConfig = pipelineConfig()) {
  const deps = testDeps({ pipelines: [pipeline] });
  const freezes = makePipelineOperations({ ...deps, file: () => ({ pipelines: [pipeline] }) });
  return { deps, freezes, startCanary: makeStartCanary(deps), watchdog: makeWatchdog(deps) };
}

const withWindows = (...windows: string[]) =>
  pipelineConfig({
    production: {
      local: { start: 'node server.js', port: 4000 },
      canary: { traffic: 10, interval: '60s', bake: '3m', minRequests: 10 },
      windows,
    },
  });

describe('start-canary and a frozen pipeline', () => {
  it('holds the run before production and notes once who froze it and why', async () => {
    // Prepare
    const { deps, freezes, startCanary } = setUp();
    await freezes.freeze('web', { by: 'Priya Natarajan', reason: 'release of the payment provider' });
    const run = await seedRun(deps.store, 'staged');
    const staged = await lastEvent(deps.store, run.id, 'Staging Deployed');

    // Act
    await startCanary(staged);
    await startCanary(staged);

    // Assess
    expect(deps.deployer.calls).toEqual([]);
    expect((await deps.store.get(run.id))!.run.stages.canary.status).toBe('pending');
    expect((await deps.store.notes(run.id)).map((n) => n.message)).toEqual([
      'waiting: production is frozen by Priya Natarajan: release of the payment provider',
    ]);
  });

  it('goes on to the canary when the pipeline is unfrozen', async () => {
    // Prepare
    const { deps, freezes, startCanary } = setUp();
    await freezes.freeze('web', { by: 'Priya Natarajan', reason: 'payment release' });
    const run = await seedRun(deps.store, 'staged');
    await startCanary(await lastEvent(deps.store, run.id, 'Staging Deployed'));

    // Act
    const unfrozen = await freezes.unfreeze('web', { by: 'Tomás Ferreira' });
    const released = await lastEvent(deps.store, run.id, 'Production Released');
    await startCanary(released);

    // Assess
    expect(unfrozen.released).toEqual([run.id]);
    expect(released.detail.data).toEqual({ reason: 'unfrozen by Tomás Ferreira', by: 'Tomás Ferreira' });
    expect(deps.deployer.distinct('startCanary')).toEqual([`canary-${run.id}-1`]);
    expect((await deps.store.get(run.id))!.run.stages.canary.status).toBe('running');
  });

  it('wakes a held run once, though the unfreeze and the watchdog both try', async () => {
    // Prepare
    const { deps, freezes, startCanary, watchdog } = setUp();
    await freezes.freeze('web', { by: 'Priya', reason: 'audit' });
    const run = await seedRun(deps.store, 'staged');
    await startCanary(await lastEvent(deps.store, run.id, 'Staging Deployed'));

    // Act
    await freezes.unfreeze('web', { by: 'Priya' });
    const report = await watchdog();

    // Assess
    expect(report.released).toBeUndefined();
    expect((await deps.store.log(run.id)).filter((e) => e.detailType === 'Production Released')).toHaveLength(
      1,
    );
  });

  it('lets a held run be cancelled, and an unfreeze then wakes nothing', async () => {
    // Prepare
    const { deps, freezes, startCanary } = setUp();
    await freezes.freeze('web', { by: 'Priya', reason: 'audit' });
    const run = await seedRun(deps.store, 'staged');
    await startCanary(await lastEvent(deps.store, run.id, 'Staging Deployed'));
    const operations = makeRunOperations({ ...deps, people: () => ({}) });

    // Act
    const cancelled = await operations.cancel(run.id, { by: 'Priya', reason: 'not this week' });
    const unfrozen = await freezes.unfreeze('web', { by: 'Priya' });

    // Assess
    expect(cancelled.run.status).toBe('cancelled');
    expect(unfrozen.released).toEqual([]);
    expect(deps.deployer.calls).toEqual([]);
  });

  it('leaves a run held for longer than the canary’s timeout to wait (the watchdog does not end it)', async () => {
    // Prepare
    const { deps, freezes, startCanary, watchdog } = setUp();
    await freezes.freeze('web', { by: 'Priya', reason: 'holidays' });
    const run = await seedRun(deps.store, 'staged');
    await startCanary(await lastEvent(deps.store, run.id, 'Staging Deployed'));

    // Act
    deps.clock.advance(3 * 24 * 3600);
    const report = await watchdog();

    // Assess
    expect(report.timedOut).toEqual([]);
    expect((await deps.store.get(run.id))!.run.status).toBe('running');
  });
});

describe('start-canary and deploy windows', () => {
  it('holds a run outside the windows and notes when they next open', async () => {
    // Prepare
    const { deps, startCanary } = setUp(withWindows(WINDOW));
    const run = await seedRun(deps.store, 'staged');

    // Act
    await startCanary(await lastEvent(deps.store, run.id, 'Staging Deployed'));

    // Assess
    expect(deps.deployer.calls).toEqual([]);
    expect((await deps.store.notes(run.id)).map((n) => n.message)).toEqual([
      `waiting: outside the deploy windows (${WINDOW}); next opens 2025-03-14T11:00:00Z`,
    ]);
  });

  it('goes on when the watchdog’s round finds a window open', async () => {
    // Prepare
    const { deps, startCanary, watchdog } = setUp(withWindows(WINDOW));
    const run = await seedRun(deps.store, 'staged');
    await startCanary(await lastEvent(deps.store, run.id, 'Staging Deployed'));
    const closed = await watchdog();

    // Act
    deps.clock.advanceTo(OPENS);
    const opened = await watchdog();
    await startCanary(await lastEvent(deps.store, run.id, 'Production Released'));

    // Assess
    expect(closed.released).toBeUndefined();
    expect(opened.released).toEqual([run.id]);
    expect((await lastEvent(deps.store, run.id, 'Production Released')).detail.data).toEqual({
      reason: 'a deploy window opened',
    });
    expect(deps.deployer.distinct('startCanary')).toEqual([`canary-${run.id}-1`]);
  });

  it('starts production at once inside a window', async () => {
    // Prepare
    const { deps, startCanary } = setUp(withWindows('daily 00:00-24:00 UTC'));
    const run = await seedRun(deps.store, 'staged');

    // Act
    await startCanary(await lastEvent(deps.store, run.id, 'Staging Deployed'));

    // Assess
    expect((await deps.store.get(run.id))!.run.stages.canary.status).toBe('running');
  });

  it('says a freeze before the windows: the freeze is the reason a person can lift', async () => {
    // Prepare
    const { deps, freezes, startCanary } = setUp(withWindows(WINDOW));
    await freezes.freeze('web', { by: 'Priya', reason: 'audit' });
    const run = await seedRun(deps.store, 'staged');

    // Act
    await startCanary(await lastEvent(deps.store, run.id, 'Staging Deployed'));
    await freezes.unfreeze('web', { by: 'Priya' });
    await startCanary(await lastEvent(deps.store, run.id, 'Production Released'));

    // Assess: unfrozen but still outside the window, the run waits on, saying so
    expect(deps.deployer.calls).toEqual([]);
    expect((await deps.store.notes(run.id)).map((n) => n.message)).toEqual([
      'waiting: production is frozen by Priya: audit',
      `waiting: outside the deploy windows (${WINDOW}); next opens 2025-03-14T11:00:00Z`,
    ]);
  });
});
