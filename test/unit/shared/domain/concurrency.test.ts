import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  compareAge,
  holdsProduction,
  mayStartBuild,
  mayStartProduction,
  nextBuildToResume,
  productionBlocker,
  productionWaiters,
  supersedingRun,
} from '../../../../shared/domain/concurrency.ts';
import { isTerminal, type Run } from '../../../../shared/domain/run.ts';
import { type Progress, runAt, T0 } from '../../../support/runs.ts';

const PROGRESS: Progress[] = [
  'started',
  'building',
  'built',
  'staging',
  'staged',
  'staging-skipped',
  'canary',
  'canary-failed',
  'promoting',
  'succeeded',
  'failed',
];

function runOf(progress: Progress, secondsAfterT0: number, pipeline = 'web'): Run {
  return runAt(progress, { pipeline, createdAt: new Date(T0.getTime() + secondsAfterT0 * 1000) });
}

/** A handful of runs of two pipelines, at any progress, created at any of a few moments. */
const runsArb = fc
  .array(
    fc.record({
      progress: fc.constantFrom(...PROGRESS),
      at: fc.integer({ min: 0, max: 20 }),
      pipeline: fc.constantFrom('web', 'api'),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((specs) => specs.map((s) => runOf(s.progress, s.at, s.pipeline)));

const modeArb = fc.constantFrom('supersede' as const, 'queue' as const, 'parallel' as const);

describe('compareAge', () => {
  it('orders by creation time, then by id', () => {
    // Prepare
    const early = runOf('started', 0);
    const late = runOf('started', 5);
    const sameTime = { ...early, id: `${early.id}Z` };

    // Act / Assess
    expect(compareAge(early, late)).toBeLessThan(0);
    expect(compareAge(late, early)).toBeGreaterThan(0);
    expect(compareAge(early, sameTime)).toBeLessThan(0);
    expect(compareAge(early, early)).toBe(0);
  });
});

describe('supersedingRun', () => {
  it('names the newest running run of the pipeline under supersede', () => {
    // Prepare
    const older = runOf('built', 0);
    const newer = runOf('building', 10);
    const newest = runOf('started', 20);
    const finished = runOf('failed', 30);
    const otherPipeline = runOf('started', 40, 'api');

    // Act
    const result = supersedingRun(older, [older, newer, newest, finished, otherPipeline], 'supersede');

    // Assess
    expect(result?.id).toBe(newest.id);
  });

  it('names no run under queue or parallel', () => {
    const older = runOf('built', 0);
    const newer = runOf('started', 10);
    expect(supersedingRun(older, [newer], 'queue')).toBeUndefined();
    expect(supersedingRun(older, [newer], 'parallel')).toBeUndefined();
  });

  it('only ever names a newer running run of the same pipeline, and the newest run is never superseded', () => {
    fc.assert(
      fc.property(runsArb, modeArb, (runs, mode) => {
        for (const run of runs) {
          const by = supersedingRun(run, runs, mode);
          if (by === undefined) continue;
          expect(mode).toBe('supersede');
          expect(by.pipeline).toBe(run.pipeline);
          expect(isTerminal(by)).toBe(false);
          expect(compareAge(by, run)).toBeGreaterThan(0);
        }
        const running = runs.filter((r) => !isTerminal(r)).sort(compareAge);
        const newest = running.at(-1);
        if (newest) {
          const rivals = running.filter((r) => r.pipeline === newest.pipeline);
          expect(supersedingRun(rivals.at(-1)!, runs, mode)).toBeUndefined();
        }
      }),
    );
  });
});

describe('mayStartBuild', () => {
  it('lets only the oldest running run of each pipeline build under queue', () => {
    fc.assert(
      fc.property(runsArb, (runs) => {
        const allowed = runs.filter((r) => !isTerminal(r) && mayStartBuild(r, runs, 'queue'));
        const oldest = ['web', 'api']
          .map((p) => runs.filter((r) => r.pipeline === p && !isTerminal(r)).sort(compareAge)[0])
          .filter((r): r is Run => r !== undefined);
        expect(allowed.map((r) => r.id).sort()).toEqual(oldest.map((r) => r.id).sort());
      }),
    );
  });

  it('never makes a run wait under supersede or parallel', () => {
    fc.assert(
      fc.property(runsArb, fc.constantFrom('supersede' as const, 'parallel' as const), (runs, mode) => {
        for (const run of runs) expect(mayStartBuild(run, runs, mode)).toBe(true);
      }),
    );
  });
});

describe('mayStartProduction', () => {
  it('makes a run wait while another run of its pipeline has its canary or production running', () => {
    // Prepare
    const staged = runOf('staged', 10);
    const inCanary = runOf('canary', 0);
    const promoting = runOf('promoting', 0);
    const elsewhere = runOf('canary', 0, 'api');

    // Act / Assess
    expect(mayStartProduction(staged, [staged, inCanary])).toBe(false);
    expect(productionBlocker(staged, [staged, promoting])?.id).toBe(promoting.id);
    expect(mayStartProduction(staged, [staged, elsewhere, runOf('succeeded', 0)])).toBe(true);
  });

  it('says no exactly when a rival of the same pipeline holds production', () => {
    fc.assert(
      fc.property(runsArb, (runs) => {
        for (const run of runs) {
          const held = runs.some((r) => r.id !== run.id && r.pipeline === run.pipeline && holdsProduction(r));
          expect(mayStartProduction(run, runs)).toBe(!held);
        }
      }),
    );
  });
});

describe('nextBuildToResume', () => {
  it('starts the oldest queued run once the run ahead of it finished', () => {
    // Prepare
    const finished = runOf('succeeded', 0);
    const second = runOf('started', 10);
    const third = runOf('started', 20);

    // Act
    const next = nextBuildToResume(finished, [second, third], 'queue');

    // Assess
    expect(next?.id).toBe(second.id);
  });

  it('starts nothing while an older run still runs, or outside queue mode', () => {
    const finished = runOf('failed', 5);
    const stillRunning = runOf('canary', 0);
    const waiting = runOf('started', 10);
    expect(nextBuildToResume(finished, [stillRunning, waiting], 'queue')).toBeUndefined();
    expect(nextBuildToResume(finished, [waiting], 'supersede')).toBeUndefined();
  });
});

describe('productionWaiters', () => {
  it('lists the runs of the pipeline past staging whose canary has not started, oldest first', () => {
    // Prepare
    const finished = runOf('succeeded', 0);
    const skipped = runOf('staging-skipped', 20);
    const staged = runOf('staged', 10);
    const building = runOf('building', 5);
    const otherPipeline = runOf('staged', 1, 'api');

    // Act
    const waiters = productionWaiters(finished, [skipped, staged, building, otherPipeline]);

    // Assess
    expect(waiters.map((r) => r.id)).toEqual([staged.id, skipped.id]);
  });
});
