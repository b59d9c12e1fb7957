import { describe, expect, it } from '@jest/globals';
import { makeStartCanary } from '../../../../functions/start-canary/start-canary.ts';
import { newEvent } from '../../../../shared/app/new-event.ts';
import { lastEvent, testDeps } from '../../../support/deps.ts';
import { commitOf, pipelineConfig, seedRun, T0 } from '../../../support/runs.ts';

const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const parallel = () => testDeps({ pipelines: [pipelineConfig({ concurrency: 'parallel' })] });

describe('makeStartCanary', () => {
  it('starts the production canary with the pipeline’s traffic, interval and bake', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'staged');

    // Act
    await makeStartCanary(deps)(await lastEvent(deps.store, run.id, 'Staging Deployed'));

    // Assess
    const deploymentId = `canary-${run.id}-1`;
    const started = await lastEvent(deps.store, run.id, 'Canary Started');
    expect(started.detail.data).toEqual({
      deploymentId,
      trafficPercent: 10,
      intervalSeconds: 60,
      bakeSeconds: 180,
    });
    expect(await deps.store.findByRef({ kind: 'deployment', id: deploymentId })).toBe(run.id);
  });

  it('starts the canary of a run whose staging was skipped', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'staging-skipped');

    // Act
    await makeStartCanary(deps)(await lastEvent(deps.store, run.id, 'Staging Deployed'));

    // Assess
    expect((await deps.store.get(run.id))!.run.stages.canary.status).toBe('running');
  });

  it('ends the run superseded when a newer run of the pipeline is running', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'staged', { createdAt: T0, commit: commitOf(1) });
    const newer = await seedRun(deps.store, 'started', { createdAt: later(5), commit: commitOf(2) });

    // Act
    await makeStartCanary(deps)(await lastEvent(deps.store, run.id, 'Staging Deployed'));

    // Assess
    const after = (await deps.store.get(run.id))!.run;
    expect(after.status).toBe('superseded');
    expect(after.reason).toContain(newer.id);
    expect(deps.deployer.calls).toEqual([]);
  });

  it('waits while another run holds production, in every mode, and notes it once', async () => {
    // Prepare
    const deps = parallel();
    const holder = await seedRun(deps.store, 'promoting', { createdAt: T0 });
    const run = await seedRun(deps.store, 'staged', { createdAt: later(5) });
    const startCanary = makeStartCanary(deps);
    const event = await lastEvent(deps.store, run.id, 'Staging Deployed');

    // Act
    await startCanary(event);
    await startCanary(event);

    // Assess
    expect(deps.deployer.calls).toEqual([]);
    expect((await deps.store.notes(run.id)).map((n) => n.message)).toEqual([
      `waiting for run ${holder.id} to finish its production deployment`,
    ]);
  });

  it('gives the production slot to the oldest waiting run when the holder finishes', async () => {
    // Prepare
    const deps = parallel();
    const holder = await seedRun(deps.store, 'promoting', { createdAt: T0 });
    const first = await seedRun(deps.store, 'staged', { createdAt: later(5) });
    const second = await seedRun(deps.store, 'staged', { createdAt: later(10) });
    const finished = newEvent(
      'Run Finished',
      holder,
      'production',
      { outcome: 'failed', reason: 'x' },
      deps.clock,
    );
    await deps.store.append(holder.id, (await deps.store.get(holder.id))!.version, [finished]);

    // Act
    await makeStartCanary(deps)(finished);

    // Assess
    expect(deps.deployer.distinct('startCanary')).toEqual([`canary-${first.id}-1`]);
    expect((await deps.store.get(second.id))!.run.stages.canary.status).toBe('pending');
  });

  it('under supersede, ends the older waiting run and lets the newer one take the slot', async () => {
    // Prepare
    const deps = testDeps();
    const holder = await seedRun(deps.store, 'promoting', { createdAt: T0 });
    const older = await seedRun(deps.store, 'staged', { createdAt: later(5) });
    const newer = await seedRun(deps.store, 'staged', { createdAt: later(10) });
    const finished = newEvent(
      'Run Finished',
      holder,
      'production',
      { outcome: 'failed', reason: 'x' },
      deps.clock,
    );
    await deps.store.append(holder.id, (await deps.store.get(holder.id))!.version, [finished]);

    // Act
    await makeStartCanary(deps)(finished);

    // Assess
    expect((await deps.store.get(older.id))!.run.status).toBe('superseded');
    expect(deps.deployer.distinct('startCanary')).toEqual([`canary-${newer.id}-1`]);
  });

  it('starts one canary when two runs reach production at the same moment', async () => {
    // Prepare: the deployer yields, so without the per-pipeline lock both decisions would see a free slot.
    const deps = parallel();
    const a = await seedRun(deps.store, 'staged', { createdAt: T0 });
    const b = await seedRun(deps.store, 'staged', { createdAt: later(5) });
    const startCanary = deps.deployer.startCanary.bind(deps.deployer);
    deps.deployer.startCanary = async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return startCanary(request);
    };
    const handler = makeStartCanary(deps);

    // Act
    await Promise.all([
      handler(await lastEvent(deps.store, a.id, 'Staging Deployed')),
      handler(await lastEvent(deps.store, b.id, 'Staging Deployed')),
    ]);

    // Assess
    expect(deps.deployer.distinct('startCanary')).toEqual([`canary-${a.id}-1`]);
    expect(deps.deployer.overlaps).toEqual([]);
  });

  it('does nothing for a redelivered Staging Deployed', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'canary');

    // Act
    await makeStartCanary(deps)(await lastEvent(deps.store, run.id, 'Staging Deployed'));

    // Assess
    expect(deps.deployer.calls).toEqual([]);
  });
});
