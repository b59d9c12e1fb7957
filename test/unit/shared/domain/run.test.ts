import { describe, expect, it } from '@jest/globals';
import type { PipelineEvent } from '../../../../events/index.ts';
import {
  applyEvent,
  currentStage,
  foldEvents,
  isTerminal,
  type Run,
  retryStage,
  withEveryStage,
} from '../../../../shared/domain/run.ts';
import {
  at,
  BUILD_ID,
  HAPPY_PATH,
  makeEvent,
  newLog,
  PRODUCTION_DEPLOYMENT,
  RUN_ID,
  STAGING_DEPLOYMENT,
} from './run-fixtures.ts';

/** Folds a log that must start a run. */
function fold(events: readonly PipelineEvent[]): Run {
  const run = foldEvents(events);
  if (!run) throw new Error('the log started no run');
  return run;
}

function statuses(run: Run): Record<string, string> {
  return Object.fromEntries(Object.entries(run.stages).map(([stage, state]) => [stage, state.status]));
}

/** A log that has reached `upTo` (exclusive) on the happy path. */
function happyLogUntil(upTo: PipelineEvent['detailType']) {
  const log = newLog();
  for (const detailType of HAPPY_PATH) {
    if (detailType === upTo) break;
    log.add(detailType);
  }
  return log;
}

describe('applyEvent', () => {
  it('starts a run from Run Started with the source stage succeeded and the rest pending', () => {
    // Prepare
    const started = makeEvent('Run Started', { eventId: 'e01', at: at(1) });

    // Act
    const result = applyEvent(undefined, started);

    // Assess
    expect(result.kind).toBe('applied');
    expect(result.run).toMatchObject({
      id: RUN_ID,
      pipeline: 'web',
      attempt: 1,
      status: 'running',
      trigger: 'push',
      createdAt: at(1),
      updatedAt: at(1),
      seenEventIds: ['e01'],
      ignored: [],
    });
    expect(statuses(result.run)).toEqual({
      source: 'succeeded',
      build: 'pending',
      staging: 'pending',
      approval: 'pending',
      canary: 'pending',
      production: 'pending',
    });
    expect(result.run.stages.source.startedAt).toBe(started.detail.source.pushedAt);
  });

  it('keeps why the path filters could not be applied', () => {
    // Act
    const { run } = applyEvent(
      undefined,
      makeEvent('Run Started', {
        eventId: 'e01',
        data: { pathsUnknownReason: 'a new branch lists no commits' },
      }),
    );

    // Assess
    expect(run.pathsUnknownReason).toBe('a new branch lists no commits');
  });

  it('throws when the first event of a run is not Run Started', () => {
    // Act / Assess
    expect(() => applyEvent(undefined, makeEvent('Build Started', { eventId: 'e02' }))).toThrow(
      /cannot fold "Build Started" into a run that does not exist/,
    );
  });

  it('follows a push to production: every stage succeeds and the run succeeds', () => {
    // Prepare
    const log = happyLogUntil('Run Finished');
    const finished = log.add('Run Finished', { data: { outcome: 'succeeded' } });

    // Act
    const run = fold(log.events);

    // Assess
    expect(run.status).toBe('succeeded');
    expect(isTerminal(run)).toBe(true);
    // No gate was required: the canary passed it, skipped with the reason.
    expect(statuses(run)).toEqual({
      source: 'succeeded',
      build: 'succeeded',
      staging: 'succeeded',
      approval: 'skipped',
      canary: 'succeeded',
      production: 'succeeded',
    });
    expect(run.stages.approval.reason).toBe('no approval required');
    expect(run.finishedAt).toBe(finished.detail.at);
    expect(run.updatedAt).toBe(finished.detail.at);
    expect(run.build).toMatchObject({ buildId: BUILD_ID, tests: { total: 412, failed: 0 } });
    expect(run.staging?.deploymentId).toBe(STAGING_DEPLOYMENT);
    expect(run.canary).toMatchObject({ deploymentId: PRODUCTION_DEPLOYMENT, trafficPercent: 10 });
    expect(run.canary?.verdict?.result).toBe('healthy');
    expect(run.production).toEqual({ deploymentId: PRODUCTION_DEPLOYMENT, url: 'https://web.acme.example' });
    expect(run.seenEventIds).toEqual(log.events.map((e) => e.detail.eventId));
    expect(run.ignored).toEqual([]);
  });

  it('runs exactly one stage at a time along the way', () => {
    // Prepare
    const log = happyLogUntil('Run Finished');
    const expected = [undefined, 'build', undefined, 'staging', undefined, 'canary', 'production', undefined];

    // Act
    const current = log.events.map((_, i) => currentStage(fold(log.events.slice(0, i + 1))));

    // Assess
    expect(current).toEqual(expected);
  });

  it('records a build failure; the run fails and the later stages are skipped', () => {
    // Prepare
    const log = happyLogUntil('Tests Passed');
    log.add('Build Failed');
    log.add('Run Finished', { stage: 'build', data: { outcome: 'failed', reason: 'tests failed' } });

    // Act
    const run = fold(log.events);

    // Assess
    expect(run.status).toBe('failed');
    expect(run.reason).toBe('tests failed');
    expect(statuses(run)).toEqual({
      source: 'succeeded',
      build: 'failed',
      staging: 'skipped',
      approval: 'skipped',
      canary: 'skipped',
      production: 'skipped',
    });
    expect(run.stages.build.reason).toBe('Command did not exit successfully npm test exit status 1');
    expect(run.build).toMatchObject({ buildId: BUILD_ID, phase: 'BUILD', tests: { failed: 2 } });
    expect(run.build?.failingTests).toHaveLength(2);
  });

  it('rolls back an unhealthy canary: the canary fails and production is rolled back', () => {
    // Prepare
    const log = happyLogUntil('Canary Healthy');
    log.add('Canary Unhealthy');
    log.add('Rolled Back');
    log.add('Run Finished', {
      stage: 'canary',
      data: { outcome: 'rolled_back', reason: 'canary unhealthy' },
    });

    // Act
    const run = fold(log.events);

    // Assess
    expect(run.status).toBe('rolled_back');
    expect(statuses(run)).toMatchObject({ staging: 'succeeded', canary: 'failed', production: 'failed' });
    expect(run.stages.canary.reason).toBe('error_rate is above its threshold');
    expect(run.stages.production.reason).toBe(
      'rolled back: canary unhealthy: error_rate 0.047 is above 0.01',
    );
    expect(run.canary?.verdict?.result).toBe('unhealthy');
    expect(run.finishedAt).toBeDefined();
  });

  it('rolls back a canary that is still running when the rollback comes first', () => {
    // Prepare: an alarm rolled the deployment back before the judge spoke
    const log = happyLogUntil('Canary Healthy');
    log.add('Rolled Back', { data: { reason: 'alarm acme-web-5xx in ALARM' } });

    // Act
    const run = fold(log.events);

    // Assess
    expect(statuses(run)).toMatchObject({ canary: 'failed', production: 'failed' });
    expect(run.stages.canary.reason).toBe('alarm acme-web-5xx in ALARM');
    expect(currentStage(run)).toBeUndefined();
  });

  it('rolls back a promotion that fails after a healthy canary', () => {
    // Prepare
    const log = happyLogUntil('Production Deployed');
    log.add('Rolled Back', { stage: 'production', data: { reason: 'deployment d-8HT3M1R6C failed' } });

    // Act
    const run = fold(log.events);

    // Assess
    expect(statuses(run)).toMatchObject({ canary: 'succeeded', production: 'failed' });
    expect(run.stages.production.reason).toBe('rolled back: deployment d-8HT3M1R6C failed');
  });

  it('ignores a second Rolled Back once production is rolled back', () => {
    // Prepare
    const log = happyLogUntil('Canary Healthy');
    log.add('Canary Unhealthy');
    log.add('Rolled Back');
    const before = fold(log.events);
    const again = makeEvent('Rolled Back', { eventId: 'late', at: at(99), data: { reason: 'again' } });

    // Act
    const result = applyEvent(before, again);

    // Assess
    expect(result.kind).toBe('ignored');
    expect(result.run.stages).toEqual(before.stages);
  });

  it('ends a superseded run: the running stage and the pending ones are skipped', () => {
    // Prepare
    const log = happyLogUntil('Tests Passed');
    log.add('Run Finished', {
      stage: 'build',
      data: { outcome: 'superseded', reason: 'superseded by run 01JPA2' },
    });

    // Act
    const run = fold(log.events);

    // Assess
    expect(run.status).toBe('superseded');
    expect(run.reason).toBe('superseded by run 01JPA2');
    expect(statuses(run)).toEqual({
      source: 'succeeded',
      build: 'skipped',
      staging: 'skipped',
      approval: 'skipped',
      canary: 'skipped',
      production: 'skipped',
    });
    expect(run.stages.build.finishedAt).toBe(run.finishedAt);
  });

  it('fails the running stage when a run ends failed in the middle of it', () => {
    // Prepare
    const log = happyLogUntil('Staging Deployed');
    log.add('Run Finished', {
      stage: 'staging',
      data: { outcome: 'failed', reason: 'CodeDeploy throttled' },
    });

    // Act
    const run = fold(log.events);

    // Assess
    expect(statuses(run)).toMatchObject({ build: 'succeeded', staging: 'failed', canary: 'skipped' });
    expect(run.stages.staging.reason).toBe('CodeDeploy throttled');
  });

  it('changes nothing for an event whose eventId it has seen, even with other content', () => {
    // Prepare
    const log = happyLogUntil('Staging Started');
    const before = fold(log.events);
    const redelivered = makeEvent('Build Failed', { eventId: 'e03', at: at(50) });

    // Act
    const result = applyEvent(before, redelivered);

    // Assess
    expect(result.kind).toBe('duplicate');
    expect(result.run).toBe(before);
  });

  it('changes nothing for a redelivered event that was ignored the first time', () => {
    // Prepare
    const log = happyLogUntil('Tests Passed');
    const late = makeEvent('Canary Started', { eventId: 'x1', at: at(40) });
    const once = applyEvent(fold(log.events), late).run;

    // Act
    const result = applyEvent(once, late);

    // Assess
    expect(result.kind).toBe('duplicate');
    expect(result.run.ignored).toHaveLength(1);
  });

  it('ignores a late Build Started after Tests Passed, with the reason', () => {
    // Prepare: Tests Passed overtook Build Started on the bus
    const log = newLog();
    log.add('Run Started');
    log.add('Tests Passed');
    const before = fold(log.events);

    // Act
    const result = applyEvent(before, makeEvent('Build Started', { eventId: 'late', at: at(9) }));

    // Assess
    expect(before.stages.build.status).toBe('succeeded');
    expect(result).toMatchObject({
      kind: 'ignored',
      reason: 'Build Started does not fit: build is succeeded',
    });
    expect(result.run.ignored).toEqual([
      {
        eventId: 'late',
        detailType: 'Build Started',
        at: at(9),
        reason: 'Build Started does not fit: build is succeeded',
      },
    ]);
    expect(result.run.seenEventIds).toContain('late');
    expect(result.run.stages).toEqual(before.stages);
    expect(result.run.updatedAt).toBe(before.updatedAt);
  });

  it('ignores a Staging Deployed that arrives before the build has passed', () => {
    // Prepare
    const log = happyLogUntil('Tests Passed');

    // Act
    const result = applyEvent(fold(log.events), makeEvent('Staging Deployed', { eventId: 'early' }));

    // Assess
    expect(result).toMatchObject({
      kind: 'ignored',
      reason: 'Staging Deployed does not fit: build is running',
    });
  });

  it('ignores a Staging Failed after the build failed', () => {
    // Prepare
    const log = happyLogUntil('Tests Passed');
    log.add('Build Failed');

    // Act
    const result = applyEvent(fold(log.events), makeEvent('Staging Failed', { eventId: 'stray' }));

    // Assess
    expect(result).toMatchObject({ kind: 'ignored', reason: 'Staging Failed does not fit: build is failed' });
    expect(result.run.stages.staging.status).toBe('pending');
  });

  it('ignores the result of a build the run is not on', () => {
    // Prepare
    const log = happyLogUntil('Tests Passed');

    // Act
    const result = applyEvent(
      fold(log.events),
      makeEvent('Tests Passed', { eventId: 'other', data: { buildId: 'pushline-acme-web:older' } }),
    );

    // Assess
    expect(result).toMatchObject({
      kind: 'ignored',
      reason: `Tests Passed for build pushline-acme-web:older, run is on build ${BUILD_ID}`,
    });
  });

  it('ignores an event of an older attempt', () => {
    // Prepare
    const log = newLog({ attempt: 2 });
    log.add('Run Started');
    const run = fold(log.events);

    // Act
    const result = applyEvent(run, makeEvent('Build Started', { eventId: 'old', attempt: 1 }));

    // Assess
    expect(result).toMatchObject({ kind: 'ignored', reason: 'event of attempt 1, run is on attempt 2' });
    expect(result.run.stages.build.status).toBe('pending');
  });

  it('ignores an event of another run', () => {
    // Prepare
    const run = fold(happyLogUntil('Build Started').events);

    // Act
    const result = applyEvent(run, makeEvent('Build Started', { eventId: 'b', runId: 'other-run' }));

    // Assess
    expect(result).toMatchObject({
      kind: 'ignored',
      reason: `event belongs to run other-run, not ${RUN_ID}`,
    });
  });

  it('ignores a second Run Started for the same run', () => {
    // Prepare
    const run = fold(happyLogUntil('Build Started').events);

    // Act
    const result = applyEvent(run, makeEvent('Run Started', { eventId: 'again' }));

    // Assess
    expect(result).toMatchObject({ kind: 'ignored', reason: 'run already started' });
  });

  it('keeps a terminal outcome: later events, another Run Finished included, are ignored', () => {
    // Prepare
    const log = happyLogUntil('Tests Passed');
    log.add('Build Failed');
    log.add('Run Finished', { stage: 'build', data: { outcome: 'failed' } });
    const ended = fold(log.events);
    const late = [
      makeEvent('Tests Passed', { eventId: 'l1' }),
      makeEvent('Run Finished', { eventId: 'l2', data: { outcome: 'succeeded' } }),
      makeEvent('Run Finished', { eventId: 'l3', stage: 'build', data: { outcome: 'cancelled' } }),
    ];

    // Act
    const run = foldEvents(late, ended)!;

    // Assess
    expect(run.status).toBe('failed');
    expect(run.finishedAt).toBe(ended.finishedAt);
    expect(run.stages).toEqual(ended.stages);
    expect(run.ignored.map((i) => i.reason)).toEqual(Array(3).fill('run already finished: failed'));
  });

  it('refuses to end a run succeeded before production is deployed', () => {
    // Prepare
    const run = fold(happyLogUntil('Production Deployed').events);

    // Act
    const result = applyEvent(
      run,
      makeEvent('Run Finished', { eventId: 'rf', data: { outcome: 'succeeded' } }),
    );

    // Assess
    expect(result).toMatchObject({
      kind: 'ignored',
      reason: 'Run Finished (succeeded) does not fit: production is running',
    });
    expect(result.run.status).toBe('running');
  });

  it('times a stage out on Stage Timed Out, and the run then ends timed_out', () => {
    // Prepare
    const log = happyLogUntil('Tests Passed');
    log.add('Stage Timed Out');
    const timedOut = fold(log.events);
    log.add('Run Finished', { stage: 'build', data: { outcome: 'timed_out' } });

    // Act
    const run = fold(log.events);

    // Assess
    expect(timedOut.status).toBe('running');
    expect(timedOut.stages.build).toMatchObject({ status: 'timed_out', reason: 'no progress within 1800s' });
    expect(currentStage(timedOut)).toBeUndefined();
    expect(run.status).toBe('timed_out');
    expect(run.stages.build.status).toBe('timed_out');
    expect(run.stages.staging.status).toBe('skipped');
  });

  it('ignores a Tests Passed that comes after the build timed out', () => {
    // Prepare
    const log = happyLogUntil('Tests Passed');
    log.add('Stage Timed Out');

    // Act
    const result = applyEvent(fold(log.events), makeEvent('Tests Passed', { eventId: 'slow' }));

    // Assess
    expect(result).toMatchObject({
      kind: 'ignored',
      reason: 'Tests Passed does not fit: build is timed_out',
    });
  });

  it('times out a stage that never started once the stage before it succeeded', () => {
    // Prepare: the build passed but no deployment to staging ever began
    const log = happyLogUntil('Staging Started');

    // Act
    const result = applyEvent(
      fold(log.events),
      makeEvent('Stage Timed Out', { eventId: 'wd', stage: 'staging', data: { timeoutSeconds: 900 } }),
    );

    // Assess
    expect(result.kind).toBe('applied');
    expect(result.run.stages.staging).toMatchObject({
      status: 'timed_out',
      reason: 'no progress within 900s',
    });
  });

  it('ignores a Stage Timed Out for a stage whose turn has not come', () => {
    // Prepare
    const log = happyLogUntil('Tests Passed');

    // Act
    const result = applyEvent(
      fold(log.events),
      makeEvent('Stage Timed Out', { eventId: 'wd', stage: 'canary', data: { timeoutSeconds: 3600 } }),
    );

    // Assess
    expect(result).toMatchObject({
      kind: 'ignored',
      reason: 'Stage Timed Out does not fit: staging is pending',
    });
  });
});

describe('foldEvents', () => {
  it('gives the same run as applying the events one by one', () => {
    // Prepare
    const log = happyLogUntil('Production Deployed');
    let expected: Run | undefined;
    for (const event of log.events) expected = applyEvent(expected, event).run;

    // Act
    const run = foldEvents(log.events);

    // Assess
    expect(run).toEqual(expected);
  });

  it('returns no run for an empty log, and the initial run unchanged', () => {
    // Prepare
    const initial = fold(happyLogUntil('Build Started').events);

    // Act / Assess
    expect(foldEvents([])).toBeUndefined();
    expect(foldEvents([], initial)).toBe(initial);
  });

  it('continues from an initial run', () => {
    // Prepare
    const log = happyLogUntil('Staging Started');
    const head = fold(log.events.slice(0, 2));

    // Act
    const run = foldEvents(log.events.slice(2), head);

    // Assess
    expect(run).toEqual(fold(log.events));
  });
});

describe('the approval gate', () => {
  /** A log at the gate: staging deployed, approval requested. */
  function atTheGate() {
    const log = happyLogUntil('Canary Started');
    log.add('Approval Requested');
    return log;
  }

  it('waits at the gate once requested: approval running, who may decide and for how long', () => {
    // Act
    const run = fold(atTheGate().events);

    // Assess
    expect(statuses(run)).toMatchObject({ staging: 'succeeded', approval: 'running', canary: 'pending' });
    expect(currentStage(run)).toBe('approval');
    expect(run.approval).toEqual({ approvers: ['Priya Natarajan', 'Tomás Ferreira'], timeoutSeconds: 86400 });
  });

  it('goes on to the canary once approved, keeping who decided and their comment', () => {
    // Prepare
    const log = atTheGate();
    const approved = log.add('Approved');
    log.add('Canary Started');

    // Act
    const run = fold(log.events);

    // Assess
    expect(statuses(run)).toMatchObject({ approval: 'succeeded', canary: 'running' });
    expect(run.approval?.decision).toEqual({
      verdict: 'approved',
      by: 'Tomás Ferreira',
      at: approved.detail.at,
      comment: 'Checked the new retry budget on staging: checkout works.',
    });
  });

  it('fails the gate on a rejection, with who and why as its reason', () => {
    // Prepare
    const log = atTheGate();
    log.add('Rejected');

    // Act
    const run = fold(log.events);

    // Assess
    expect(run.stages.approval).toMatchObject({
      status: 'failed',
      reason: 'rejected by Priya Natarajan: The retry budget double-charges on a timeout; see QA-311.',
    });
    expect(run.approval?.decision?.verdict).toBe('rejected');
  });

  it('ignores a decision when no gate waits, and a second decision once one was made', () => {
    // Prepare
    const early = happyLogUntil('Canary Started');
    early.add('Approved');
    const twice = atTheGate();
    twice.add('Approved');
    twice.add('Rejected');

    // Act
    const notRequested = fold(early.events);
    const decided = fold(twice.events);

    // Assess
    expect(notRequested.ignored.map((i) => i.reason)).toEqual(['Approved does not fit: approval is pending']);
    expect(decided.stages.approval.status).toBe('succeeded');
    expect(decided.ignored.map((i) => i.reason)).toEqual(['Rejected does not fit: approval is succeeded']);
  });

  it('keeps the canary from starting while the gate waits', () => {
    // Prepare
    const log = atTheGate();
    log.add('Canary Started');

    // Act
    const run = fold(log.events);

    // Assess
    expect(run.stages.canary.status).toBe('pending');
    expect(run.ignored.map((i) => i.reason)).toEqual(['Canary Started does not fit: approval is running']);
  });

  it('times out a gate left waiting; the canary is skipped', () => {
    // Prepare
    const log = atTheGate();
    log.add('Stage Timed Out', { stage: 'approval' });
    log.add('Run Finished', { stage: 'approval', data: { outcome: 'timed_out' } });

    // Act
    const run = fold(log.events);

    // Assess
    expect(run.status).toBe('timed_out');
    expect(statuses(run)).toMatchObject({ approval: 'timed_out', canary: 'skipped', production: 'skipped' });
  });

  it('reads a run stored before the gate existed: pending while running, skipped once finished', () => {
    // Prepare
    const running = fold(happyLogUntil('Canary Started').events);
    const { approval: _, ...older } = running.stages;
    const stored = { ...running, stages: older } as Run;

    // Act
    const upgraded = withEveryStage(stored);
    const finished = withEveryStage({ ...stored, status: 'failed' });

    // Assess
    expect(upgraded.stages.approval).toEqual({ status: 'pending' });
    expect(finished.stages.approval).toEqual({ status: 'skipped' });
    expect(withEveryStage(running)).toBe(running);
  });
});

describe('Run Retried', () => {
  /** A run whose build failed: `Build Failed` + `Run Finished` failed. */
  function buildFailed() {
    const log = happyLogUntil('Tests Passed');
    log.add('Build Failed');
    log.add('Run Finished', { stage: 'build', data: { outcome: 'failed', reason: 'registry timed out' } });
    return log;
  }

  it('starts a new attempt of a failed run from the stage that failed', () => {
    // Prepare
    const log = buildFailed();
    const retried = log.add('Run Retried', { attempt: 2, stage: 'build' });

    // Act
    const run = fold(log.events);

    // Assess
    expect(run).toMatchObject({ status: 'running', attempt: 2, retriedAt: retried.detail.at });
    expect(run.reason).toBeUndefined();
    expect(run.finishedAt).toBeUndefined();
    expect(run.build).toBeUndefined();
    expect(statuses(run)).toMatchObject({ source: 'succeeded', build: 'pending', staging: 'pending' });
    expect(retryStage(run)).toEqual({ refused: 'is running; only a failed or timed-out run can be retried' });
  });

  it('ignores what the earlier attempt reports late, and takes the new attempt on', () => {
    // Prepare
    const log = buildFailed();
    log.add('Run Retried', { attempt: 2, stage: 'build' });
    log.add('Build Started', { attempt: 1, data: { buildId: 'old-build' } });
    log.add('Build Started', { attempt: 2 });
    log.add('Tests Passed', { attempt: 2 });

    // Act
    const run = fold(log.events);

    // Assess
    expect(run.stages.build.status).toBe('succeeded');
    expect(run.ignored.map((i) => i.reason)).toEqual(['event of attempt 1, run is on attempt 2']);
  });

  it('keeps what the stages before the failed one did: a retry from staging reuses the build', () => {
    // Prepare
    const log = happyLogUntil('Staging Deployed');
    log.add('Staging Failed');
    log.add('Run Finished', { stage: 'staging', data: { outcome: 'failed' } });
    log.add('Run Retried', { attempt: 2, stage: 'staging' });

    // Act
    const run = fold(log.events);

    // Assess
    expect(statuses(run)).toMatchObject({ build: 'succeeded', staging: 'pending', canary: 'pending' });
    expect(run.build?.artifacts?.files).toEqual(['appspec.yaml', 'taskdef.json', 'imageDetail.json']);
    expect(run.staging).toBeUndefined();
  });

  it('refuses a retry that does not fit: a run that succeeded, the wrong stage, the wrong attempt', () => {
    // Prepare
    const succeeded = happyLogUntil('Run Finished');
    succeeded.add('Run Finished', { data: { outcome: 'succeeded' } });
    succeeded.add('Run Retried', { attempt: 2, stage: 'build' });
    const wrongStage = buildFailed();
    wrongStage.add('Run Retried', { attempt: 2, stage: 'staging' });
    const wrongAttempt = buildFailed();
    wrongAttempt.add('Run Retried', { attempt: 3, stage: 'build' });

    // Act / Assess
    expect(fold(succeeded.events).ignored.map((i) => i.reason)).toEqual([
      'Run Retried does not fit: the run is succeeded; only a failed or timed-out run can be retried',
    ]);
    expect(fold(wrongStage.events).ignored.map((i) => i.reason)).toEqual([
      'Run Retried from staging does not fit: the run is retried from build',
    ]);
    expect(fold(wrongAttempt.events).ignored.map((i) => i.reason)).toEqual([
      'Run Retried for attempt 3, run is on attempt 1',
    ]);
  });

  it('retries a promotion that timed out from its canary', () => {
    // Prepare
    const log = happyLogUntil('Production Deployed');
    log.add('Stage Timed Out', { stage: 'production' });
    log.add('Run Finished', { stage: 'production', data: { outcome: 'timed_out' } });

    // Act
    const run = fold(log.events);

    // Assess
    expect(retryStage(run)).toEqual({ stage: 'canary' });
  });
});

describe('a redeploy', () => {
  const redeployOf = {
    runId: '01JP9ZMQ6R7C0VV1EG6MGAF6HH',
    buildId: 'web:0b7c2d1e',
    artifacts: { location: 's3://acme/web/build.zip', files: ['appspec.yaml'], exportedVariables: {} },
    tests: { total: 12, passed: 12, failed: 0, skipped: 0 },
  };

  it("starts from the earlier run's build: the build stage skipped, its artifacts on the run", () => {
    // Prepare
    const started = makeEvent('Run Started', {
      eventId: 'e01',
      at: at(1),
      runId: 'RUN-REDEPLOY',
      data: { trigger: 'redeploy', by: 'Priya', redeployOf },
    });

    // Act
    const run = fold([started]);

    // Assess
    expect(run).toMatchObject({ trigger: 'redeploy', by: 'Priya', redeployOf: redeployOf.runId });
    expect(run.build).toEqual({
      buildId: 'web:0b7c2d1e',
      artifacts: redeployOf.artifacts,
      tests: redeployOf.tests,
    });
    expect(run.stages.build).toMatchObject({
      status: 'skipped',
      reason: `redeploy: the build of run ${redeployOf.runId} is reused`,
    });
  });

  it('goes to staging without a build, and on to production', () => {
    // Prepare
    const log = newLog({ runId: 'RUN-REDEPLOY' });
    log.add('Run Started', { data: { trigger: 'redeploy', redeployOf } });
    for (const detailType of HAPPY_PATH.slice(3)) log.add(detailType, { runId: 'RUN-REDEPLOY' });
    log.add('Run Finished', { data: { outcome: 'succeeded' } });

    // Act
    const run = fold(log.events);

    // Assess
    expect(run.status).toBe('succeeded');
    expect(run.ignored).toEqual([]);
    expect(statuses(run)).toMatchObject({ build: 'skipped', staging: 'succeeded', production: 'succeeded' });
  });
});
