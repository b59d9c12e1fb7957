import { describe, expect, it } from '@jest/globals';
import { makeStartBuild } from '../../../../functions/start-build/start-build.ts';
import { newEvent } from '../../../../shared/app/new-event.ts';
import { lastEvent, testDeps } from '../../../support/deps.ts';
import { commitOf, pipelineConfig, seedRun, T0 } from '../../../support/runs.ts';

const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe('makeStartBuild', () => {
  it('starts the build, links it to the run and announces Build Started', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'started');
    const startBuild = makeStartBuild(deps);

    // Act
    await startBuild(await lastEvent(deps.store, run.id, 'Run Started'));

    // Assess
    const buildId = `build-${run.id}-1`;
    expect(deps.builder.starts).toEqual([
      expect.objectContaining({ runId: run.id, attempt: 1, source: run.source }),
    ]);
    expect(await deps.store.findByRef({ kind: 'build', id: buildId })).toBe(run.id);
    const started = await lastEvent(deps.store, run.id, 'Build Started');
    expect(started.detail.data).toEqual({ buildId, logUrl: `http://localhost/builds/${buildId}` });
  });

  it('does nothing for a run whose build has started (a redelivered Run Started)', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'building');
    const startBuild = makeStartBuild(deps);

    // Act
    await startBuild(await lastEvent(deps.store, run.id, 'Run Started'));

    // Assess
    expect(deps.builder.starts).toEqual([]);
    expect(await deps.store.log(run.id)).toHaveLength(2);
  });

  it('starts one build when the same Run Started is delivered twice at once', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'started');
    const startBuild = makeStartBuild(deps);
    const event = await lastEvent(deps.store, run.id, 'Run Started');

    // Act
    await Promise.all([startBuild(event), startBuild(event)]);

    // Assess
    expect(deps.builder.started).toHaveLength(1);
    expect((await deps.store.log(run.id)).map((e) => e.detailType)).toEqual(['Run Started', 'Build Started']);
  });

  it('ignores a Run Started of another attempt', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'started', { attempt: 2 });
    const event = await lastEvent(deps.store, run.id, 'Run Started');

    // Act
    await makeStartBuild(deps)({ ...event, detail: { ...event.detail, attempt: 1 } });

    // Assess
    expect(deps.builder.starts).toEqual([]);
  });

  it('builds at once under supersede, even while an older run is running', async () => {
    // Prepare
    const deps = testDeps();
    await seedRun(deps.store, 'building', { createdAt: T0 });
    const run = await seedRun(deps.store, 'started', { createdAt: later(10) });

    // Act
    await makeStartBuild(deps)(await lastEvent(deps.store, run.id, 'Run Started'));

    // Assess
    expect(deps.builder.started).toEqual([`build-${run.id}-1`]);
  });

  describe('under concurrency: queue', () => {
    const queued = () => testDeps({ pipelines: [pipelineConfig({ concurrency: 'queue' })] });

    it('keeps a run waiting while an older run of the pipeline is running, and notes it once', async () => {
      // Prepare
      const deps = queued();
      const older = await seedRun(deps.store, 'canary', { createdAt: T0, commit: commitOf(1) });
      const run = await seedRun(deps.store, 'started', { createdAt: later(10), commit: commitOf(2) });
      const startBuild = makeStartBuild(deps);
      const event = await lastEvent(deps.store, run.id, 'Run Started');

      // Act
      await startBuild(event);
      await startBuild(event);

      // Assess
      expect(deps.builder.starts).toEqual([]);
      expect(await deps.store.notes(run.id)).toEqual([
        {
          at: T0.toISOString(),
          kind: 'queued',
          message: `waiting for run ${older.id} to finish (concurrency: queue)`,
        },
      ]);
    });

    it('starts the oldest waiting run when the run ahead of it finishes', async () => {
      // Prepare
      const deps = queued();
      const older = await seedRun(deps.store, 'canary', { createdAt: T0 });
      const second = await seedRun(deps.store, 'started', { createdAt: later(10) });
      const third = await seedRun(deps.store, 'started', { createdAt: later(20) });
      const finished = newEvent(
        'Run Finished',
        older,
        'canary',
        { outcome: 'failed', reason: 'x' },
        deps.clock,
      );
      await deps.store.append(older.id, (await deps.store.get(older.id))!.version, [finished]);

      // Act
      await makeStartBuild(deps)(finished);

      // Assess
      expect(deps.builder.started).toEqual([`build-${second.id}-1`]);
      expect((await deps.store.get(third.id))!.run.stages.build.status).toBe('pending');
    });
  });

  it('stops the build it started when the run ended before the build was recorded', async () => {
    // Prepare: the run is cancelled while the builder is starting the build.
    const deps = testDeps();
    const run = await seedRun(deps.store, 'started');
    const start = deps.builder.start.bind(deps.builder);
    deps.builder.start = async (request) => {
      const cancel = newEvent(
        'Run Finished',
        run,
        'source',
        { outcome: 'cancelled', reason: 'by hand' },
        deps.clock,
      );
      await deps.store.append(run.id, 1, [cancel]);
      return start(request);
    };

    // Act
    await makeStartBuild(deps)(await lastEvent(deps.store, run.id, 'Run Started'));

    // Assess
    expect(deps.builder.stops).toEqual([
      {
        buildId: `build-${run.id}-1`,
        reason: `run ${run.id} ended (cancelled) before its build was recorded`,
      },
    ]);
    expect((await deps.store.log(run.id)).map((e) => e.detailType)).toEqual(['Run Started', 'Run Finished']);
  });

  it('ends a run whose pipeline is no longer in the pipeline file', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'started', { pipeline: 'gone' });

    // Act
    await makeStartBuild(deps)(await lastEvent(deps.store, run.id, 'Run Started'));

    // Assess
    const ended = (await deps.store.get(run.id))!.run;
    expect(ended.status).toBe('failed');
    expect(ended.reason).toBe('pipeline "gone" is no longer in the pipeline file');
  });
});
