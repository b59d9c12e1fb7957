import { describe, expect, it } from '@jest/globals';
import { describeFailure, makeFinishBuild } from '../../../../functions/finish-build/finish-build.ts';
import { newEvent } from '../../../../shared/app/new-event.ts';
import type { BuildOutcome } from '../../../../shared/ports/builder.ts';
import { testDeps } from '../../../support/deps.ts';
import { seedRun } from '../../../support/runs.ts';

function outcome(buildId: string, fields: Partial<BuildOutcome> = {}): BuildOutcome {
  return {
    buildId,
    status: 'SUCCEEDED',
    tests: { total: 40, passed: 39, failed: 0, skipped: 1 },
    failingTests: [],
    artifacts: {
      location: 's3://artifacts/web/build-1.zip',
      files: ['dist/server.js'],
      exportedVariables: { IMAGE: 'web:1' },
    },
    durationSeconds: 93,
    ...fields,
  };
}

async function building() {
  const deps = testDeps();
  const run = await seedRun(deps.store, 'building');
  await deps.store.link({ kind: 'build', id: run.build!.buildId }, run.id);
  return { deps, run, finishBuild: makeFinishBuild(deps) };
}

describe('makeFinishBuild', () => {
  it('announces Tests Passed with the tests and artifacts of a build that succeeded', async () => {
    // Prepare
    const { deps, run, finishBuild } = await building();

    // Act
    await finishBuild(outcome(run.build!.buildId));

    // Assess
    const after = (await deps.store.get(run.id))!.run;
    expect(after.stages.build.status).toBe('succeeded');
    const [entry] = (await deps.store.log(run.id)).slice(-1);
    expect(entry).toMatchObject({
      detailType: 'Tests Passed',
      detail: {
        data: {
          buildId: run.build!.buildId,
          tests: { total: 40, passed: 39, failed: 0, skipped: 1 },
          artifacts: { exportedVariables: { IMAGE: 'web:1' } },
          durationSeconds: 93,
        },
      },
    });
  });

  it('appends Build Failed and Run Finished together for a build that failed', async () => {
    // Prepare
    const { deps, run, finishBuild } = await building();
    const failed = outcome(run.build!.buildId, {
      status: 'FAILED',
      phase: 'BUILD',
      reason: 'Error while executing command: npm test. Reason: exit status 1',
      tests: { total: 40, passed: 38, failed: 2, skipped: 0 },
      failingTests: ['cart › totals a discount', 'checkout › retries once'],
    });
    const appends: string[][] = [];
    const append = deps.store.append.bind(deps.store);
    deps.store.append = (runId, version, events) => {
      appends.push(events.map((e) => e.detailType));
      return append(runId, version, events);
    };

    // Act
    await finishBuild(failed);

    // Assess
    expect(appends).toEqual([['Build Failed', 'Run Finished']]);
    const log = await deps.store.log(run.id);
    expect(log.slice(-2).map((e) => [e.seq, e.detailType])).toEqual([
      [3, 'Build Failed'],
      [4, 'Run Finished'],
    ]);
    const after = (await deps.store.get(run.id))!.run;
    expect(after.status).toBe('failed');
    expect(after.build).toMatchObject({ phase: 'BUILD', failingTests: failed.failingTests });
    expect(after.reason).toBe(
      'build FAILED in BUILD: Error while executing command: npm test. Reason: exit status 1; 2 failing tests: cart › totals a discount, checkout › retries once',
    );
  });

  it.each(['FAULT', 'STOPPED', 'TIMED_OUT'] as const)(
    'ends the run failed for a build that is %s',
    async (status) => {
      // Prepare
      const { deps, run, finishBuild } = await building();

      // Act
      await finishBuild(outcome(run.build!.buildId, { status, tests: undefined }));

      // Assess
      const after = (await deps.store.get(run.id))!.run;
      expect(after.status).toBe('failed');
      expect(after.stages.build.reason).toBe(`build ${status.toLowerCase().replace('_', ' ')}`);
    },
  );

  it('finds the run by the outcome’s run id when the builder knows it', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'building');

    // Act
    await makeFinishBuild(deps)(outcome(run.build!.buildId, { runId: run.id }));

    // Assess
    expect((await deps.store.get(run.id))!.run.stages.build.status).toBe('succeeded');
  });

  it('ignores a build that belongs to no run', async () => {
    // Prepare
    const { deps, finishBuild } = await building();
    const before = deps.store.appended.length;

    // Act
    await finishBuild(outcome('build-of-someone-else'));

    // Assess
    expect(deps.store.appended).toHaveLength(before);
  });

  it('ignores a build the run is not on, and a redelivered outcome', async () => {
    // Prepare
    const { deps, run, finishBuild } = await building();
    await deps.store.link({ kind: 'build', id: 'older-build' }, run.id);
    await finishBuild(outcome(run.build!.buildId));
    const before = deps.store.appended.length;

    // Act
    await finishBuild(outcome('older-build', { status: 'FAILED' }));
    await finishBuild(outcome(run.build!.buildId));

    // Assess
    expect(deps.store.appended).toHaveLength(before);
  });

  it('decides again when another handler appended first, and appends nothing to a run that ended', async () => {
    // Prepare: the run is cancelled between finish-build's read and its append.
    const { deps, run, finishBuild } = await building();
    const append = deps.store.append.bind(deps.store);
    let raced = false;
    deps.store.append = async (runId, version, events) => {
      if (!raced) {
        raced = true;
        await append(runId, version, [
          newEvent('Run Finished', run, 'build', { outcome: 'cancelled' }, deps.clock),
        ]);
      }
      return append(runId, version, events);
    };

    // Act
    await finishBuild(outcome(run.build!.buildId));

    // Assess
    expect((await deps.store.log(run.id)).map((e) => e.detailType)).toEqual([
      'Run Started',
      'Build Started',
      'Run Finished',
    ]);
  });
});

describe('describeFailure', () => {
  it('lists five failing tests and counts the rest', () => {
    const tests = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const text = describeFailure(outcome('b1', { status: 'FAILED', failingTests: tests }), 'exit status 1');
    expect(text).toBe('build FAILED: exit status 1; 7 failing tests: a, b, c, d, e and 2 more');
  });
});
