import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { DetailType, PipelineEvent } from '../../../../events/index.ts';
import { DETAIL_TYPES, RunOutcome, STAGES } from '../../../../events/index.ts';
import {
  type ApplyResult,
  applyEvent,
  foldEvents,
  isTerminal,
  type Run,
} from '../../../../shared/domain/run.ts';
import {
  at,
  BUILD_ID,
  type EventOptions,
  HAPPY_PATH,
  makeEvent,
  PRODUCTION_DEPLOYMENT,
  RUN_ID,
  STAGING_DEPLOYMENT,
} from './run-fixtures.ts';

/**
 * Properties of the run fold over generated event logs: a valid path through the pipeline (cut
 * short or not), mixed with random events (other runs, older attempts, wrong builds and
 * deployments), redeliveries (the same event again, or another event reusing an id) and shuffled
 * order. A log always begins with its `Run Started`: the store appends only to a run that exists.
 */

type Step = [DetailType, Partial<EventOptions>];

const finish = (stage: string, outcome: RunOutcome): Step => ['Run Finished', { stage, data: { outcome } }];
const happy = (n: number): Step[] => HAPPY_PATH.slice(0, n).map((detailType) => [detailType, {}]);

/** Complete valid paths, in order, with the status each must end in. */
const PATHS: { name: string; steps: Step[]; status: Run['status'] }[] = [
  { name: 'succeeded', steps: [...happy(8), finish('production', 'succeeded')], status: 'succeeded' },
  {
    name: 'approved at the gate',
    steps: [
      ...happy(5),
      ['Approval Requested', {}],
      ['Approved', {}],
      ...HAPPY_PATH.slice(5, 8).map((detailType): Step => [detailType, {}]),
      finish('production', 'succeeded'),
    ],
    status: 'succeeded',
  },
  {
    name: 'rejected at the gate',
    steps: [...happy(5), ['Approval Requested', {}], ['Rejected', {}], finish('approval', 'failed')],
    status: 'failed',
  },
  {
    name: 'gate timed out',
    steps: [
      ...happy(5),
      ['Approval Requested', {}],
      ['Stage Timed Out', { stage: 'approval' }],
      finish('approval', 'timed_out'),
    ],
    status: 'timed_out',
  },
  {
    name: 'build failed, retried, succeeded',
    steps: [
      ...happy(2),
      ['Build Failed', {}],
      finish('build', 'failed'),
      ['Run Retried', { attempt: 2, stage: 'build' }],
      ...HAPPY_PATH.slice(1, 8).map((detailType): Step => [detailType, { attempt: 2 }]),
      ['Run Finished', { attempt: 2, stage: 'production', data: { outcome: 'succeeded' } }],
    ],
    status: 'succeeded',
  },
  {
    name: 'build failed',
    steps: [...happy(2), ['Build Failed', {}], finish('build', 'failed')],
    status: 'failed',
  },
  {
    name: 'staging failed',
    steps: [...happy(4), ['Staging Failed', {}], finish('staging', 'failed')],
    status: 'failed',
  },
  {
    name: 'canary rolled back',
    steps: [...happy(6), ['Canary Unhealthy', {}], ['Rolled Back', {}], finish('canary', 'rolled_back')],
    status: 'rolled_back',
  },
  {
    name: 'promotion rolled back',
    steps: [...happy(7), ['Rolled Back', { stage: 'production' }], finish('production', 'rolled_back')],
    status: 'rolled_back',
  },
];

/** The stage that is current after `n` happy-path steps (the running one, or the next pending one). */
const STAGE_AFTER = ['build', 'build', 'staging', 'staging', 'canary', 'canary', 'production', 'production'];

/** A valid path cut short at any step: still running, superseded, cancelled, failed or timed out. */
const interruptedPath = fc
  .record({
    n: fc.integer({ min: 1, max: 8 }),
    end: fc.constantFrom('none', 'superseded', 'cancelled', 'failed', 'timed_out'),
  })
  .map(({ n: steps8, end }) => {
    // After all eight steps production has succeeded: there is nothing left to time out.
    const n = end === 'timed_out' ? Math.min(steps8, 7) : steps8;
    const stage = STAGE_AFTER[n - 1]!;
    const steps = happy(n);
    if (end === 'timed_out') steps.push(['Stage Timed Out', { stage }], finish(stage, 'timed_out'));
    else if (end !== 'none') steps.push(finish(stage, end as RunOutcome));
    return {
      name: `${n} steps then ${end}`,
      steps,
      status: (end === 'none' ? 'running' : end) as Run['status'],
    };
  });

const validPath = fc.oneof(fc.constantFrom(...PATHS), interruptedPath);

/** An event that may or may not fit: any detail-type, run, attempt, stage, build or deployment. */
const randomStep: fc.Arbitrary<Step> = fc
  .record({
    detailType: fc.constantFrom(...DETAIL_TYPES),
    runId: fc.constantFrom(RUN_ID, RUN_ID, RUN_ID, 'other-run'),
    attempt: fc.constantFrom(1, 1, 1, 2),
    anyStage: fc.constantFrom(...STAGES),
    rollbackStage: fc.constantFrom('canary', 'production'),
    buildId: fc.constantFrom(BUILD_ID, BUILD_ID, 'other-build'),
    deploymentId: fc.constantFrom(STAGING_DEPLOYMENT, PRODUCTION_DEPLOYMENT, 'd-OTHER'),
    outcome: fc.constantFrom(...Object.values(RunOutcome)),
  })
  .map((r): Step => {
    const options: Partial<EventOptions> = { runId: r.runId, attempt: r.attempt };
    switch (r.detailType) {
      case 'Build Started':
      case 'Tests Passed':
      case 'Build Failed':
        return [r.detailType, { ...options, data: { buildId: r.buildId } }];
      case 'Run Finished':
        return [r.detailType, { ...options, stage: r.anyStage, data: { outcome: r.outcome } }];
      case 'Stage Timed Out':
        return [r.detailType, { ...options, stage: r.anyStage }];
      case 'Rolled Back':
        return [r.detailType, { ...options, stage: r.rollbackStage, data: { deploymentId: r.deploymentId } }];
      case 'Run Started':
        return [r.detailType, options];
      default:
        return [r.detailType, { ...options, data: { deploymentId: r.deploymentId } }];
    }
  });

function materialise(steps: readonly Step[]): PipelineEvent[] {
  return steps.map(([detailType, options], i) =>
    makeEvent(detailType, { eventId: `e${i + 1}`, at: at(i + 1), ...options }),
  );
}

/**
 * A log: a valid path with random events mixed in, some events delivered again (as they were, or
 * another event under a seen id), everything after `Run Started` possibly shuffled.
 */
const eventLog = fc
  .record({
    path: validPath,
    extra: fc.array(fc.tuple(fc.nat(), randomStep), { maxLength: 8 }),
    redeliveries: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 4 }),
    shuffle: fc.boolean(),
    keys: fc.array(fc.double({ noNaN: true }), { minLength: 30, maxLength: 30 }),
  })
  .map(({ path, extra, redeliveries, shuffle, keys }) => {
    const steps = [...path.steps];
    for (const [position, step] of extra) steps.splice(1 + (position % steps.length), 0, step);
    let events = materialise(steps);
    for (const [from, to, sameContent] of redeliveries) {
      const source = events[from % events.length]!;
      const copy: PipelineEvent = sameContent
        ? source
        : ({
            ...events[to % events.length]!,
            detail: { ...events[to % events.length]!.detail, eventId: source.detail.eventId },
          } as PipelineEvent);
      events.splice(1 + (to % events.length), 0, copy);
    }
    if (shuffle) {
      const [first, ...rest] = events;
      const order = rest.map((event, i) => ({ event, key: keys[i % keys.length]! + i / 1000 }));
      events = [first!, ...order.sort((a, b) => a.key - b.key).map((o) => o.event)];
    }
    return { path, events };
  });

/** Folds step by step, keeping every intermediate run and result. */
function trace(events: readonly PipelineEvent[]): { runs: Run[]; results: ApplyResult[] } {
  const runs: Run[] = [];
  const results: ApplyResult[] = [];
  let run: Run | undefined;
  for (const event of events) {
    const result = applyEvent(run, event);
    results.push(result);
    runs.push(result.run);
    run = result.run;
  }
  return { runs, results };
}

/**
 * Every invariant a run must keep, whatever it was fed: the broken ones, in words (empty when the
 * run is valid). Plain checks rather than one `expect` each keep a few thousand runs fast.
 */
function invalidities(run: Run): string[] {
  const broken: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) broken.push(what);
  };
  const statuses = STAGES.map((stage) => run.stages[stage].status);
  // A gate nobody required is passed by the canary: skipped (or pending), and as good as succeeded.
  const passed = (stage: (typeof STAGES)[number]) => {
    const { status, reason } = run.stages[stage];
    if (status === 'succeeded') return true;
    if (stage !== 'approval') return false;
    const canaryMoved = !['pending', 'skipped'].includes(run.stages.canary.status);
    return (
      (status === 'skipped' && reason === 'no approval required') ||
      ((status === 'pending' || status === 'skipped') && canaryMoved)
    );
  };
  check(statuses.filter((s) => s === 'running').length <= 1, `more than one stage running: ${statuses}`);
  check(run.stages.source.status === 'succeeded', 'source did not succeed');

  // Stages go in order: after the first stage that did not succeed, the rest never started —
  // except production, which a rollback of the canary marks failed (`rolled back: …`).
  const firstUnsucceeded = STAGES.findIndex((stage) => !passed(stage));
  for (const stage of firstUnsucceeded < 0 ? [] : STAGES.slice(firstUnsucceeded + 1)) {
    const state = run.stages[stage];
    const rolledBack =
      stage === 'production' && state.status === 'failed' && state.reason?.startsWith('rolled back: ');
    check(
      rolledBack || state.status === 'pending' || state.status === 'skipped',
      `${stage} is ${state.status} after an earlier stage did not succeed: ${statuses}`,
    );
  }
  for (const stage of STAGES) {
    const { status, finishedAt } = run.stages[stage];
    if (status === 'running') check(finishedAt === undefined, `running ${stage} has finishedAt`);
    if (['succeeded', 'failed', 'timed_out'].includes(status))
      check(finishedAt !== undefined, `${stage} lacks finishedAt`);
  }

  if (isTerminal(run)) {
    check(run.finishedAt !== undefined, `${run.status} run has no finishedAt`);
    check(
      !statuses.includes('running') && !statuses.includes('pending'),
      `${run.status} run with ${statuses}`,
    );
  } else {
    check(run.finishedAt === undefined, 'running run has finishedAt');
    check(
      STAGES.every((stage) => run.stages[stage].status !== 'skipped' || passed(stage)),
      `running run with skipped stages: ${statuses}`,
    );
  }
  if (run.status === 'succeeded')
    check(
      STAGES.every((stage) => passed(stage)),
      `succeeded with ${statuses}`,
    );

  check(new Set(run.seenEventIds).size === run.seenEventIds.length, 'seenEventIds repeat');
  const ignoredIds = run.ignored.map((i) => i.eventId);
  check(new Set(ignoredIds).size === ignoredIds.length, 'an event is ignored twice');
  check(
    ignoredIds.every((id) => run.seenEventIds.includes(id)),
    'an ignored event is missing from seenEventIds',
  );
  return broken;
}

const RUNS = { numRuns: 200 };

describe('applyEvent over generated event logs', () => {
  it('ends a valid log, in order, in the status its path leads to', () => {
    fc.assert(
      fc.property(validPath, (path) => {
        const run = foldEvents(materialise(path.steps))!;
        expect(invalidities(run)).toEqual([]);
        expect(run.status).toBe(path.status);
        expect(run.ignored).toEqual([]);
      }),
      RUNS,
    );
  });

  it('keeps the run valid after every event', () => {
    fc.assert(
      fc.property(eventLog, ({ events }) => {
        expect(trace(events).runs.flatMap(invalidities)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('applies or ignores each event id once, and treats every later copy as a duplicate', () => {
    fc.assert(
      fc.property(eventLog, ({ events }) => {
        const { runs, results } = trace(events);
        const final = runs.at(-1)!;
        const seen = new Set<string>();
        const ignored: string[] = [];
        const wrong: string[] = [];
        results.forEach((result, i) => {
          const id = events[i]!.detail.eventId;
          if (seen.has(id)) {
            // A copy of a seen id: nothing changes, not even the object
            if (result.kind !== 'duplicate' || result.run !== runs[i - 1])
              wrong.push(`#${i} ${id}: ${result.kind}`);
          } else if (result.kind === 'duplicate') wrong.push(`#${i} ${id}: first seen, yet a duplicate`);
          if (result.kind === 'ignored') ignored.push(id);
          seen.add(id);
        });
        expect(wrong).toEqual([]);
        expect(final.seenEventIds).toEqual([...seen]);
        expect(final.ignored.map((i) => i.eventId)).toEqual(ignored);
      }),
      RUNS,
    );
  });

  it('gives the same run for a log folded twice (log ++ log) as for the log folded once', () => {
    fc.assert(
      fc.property(eventLog, ({ events }) => {
        expect(foldEvents([...events, ...events])).toEqual(foldEvents(events));
      }),
      RUNS,
    );
  });

  it('never changes a run that has ended, but by a retry of a failed or timed-out one', () => {
    fc.assert(
      fc.property(eventLog, ({ events }) => {
        const { runs, results } = trace(events);
        for (let i = 1; i < runs.length; i++) {
          const [before, after] = [runs[i - 1]!, runs[i]!];
          if (!isTerminal(before)) continue;
          const retried = events[i]!.detailType === 'Run Retried' && results[i]!.kind === 'applied';
          if (retried) {
            // Only a failed or timed-out run is retried, onto the next attempt, running again.
            expect(['failed', 'timed_out']).toContain(before.status);
            expect(after).toMatchObject({ status: 'running', attempt: before.attempt + 1 });
            continue;
          }
          expect(after.status).toBe(before.status);
          expect(after.finishedAt).toBe(before.finishedAt);
          expect(after.stages).toEqual(before.stages);
        }
      }),
      RUNS,
    );
  });
});
