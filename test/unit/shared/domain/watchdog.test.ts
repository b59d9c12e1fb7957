import { describe, expect, it } from '@jest/globals';
import { overdueStages } from '../../../../shared/domain/watchdog.ts';
import { pipelineConfig, runAt, T0 } from '../../../support/runs.ts';

const pipeline = pipelineConfig({
  timeouts: { build: '10m', staging: '5m', canary: '20m', production: '15m' },
});
const pipelines = (name: string) => (name === 'web' ? pipeline : undefined);
const secondsLater = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe('overdueStages', () => {
  it('finds a build that ran longer than its timeout, with the build to stop', () => {
    // Prepare
    const run = runAt('building');

    // Act
    const overdue = overdueStages([run], pipelines, secondsLater(601));

    // Assess
    expect(overdue).toEqual([
      {
        run,
        stage: 'build',
        startedAt: T0.toISOString(),
        timeoutSeconds: 600,
        elapsedSeconds: 601,
        waitingOn: { kind: 'build', id: run.build!.buildId },
      },
    ]);
  });

  it('leaves a stage alone until its timeout has passed', () => {
    expect(overdueStages([runAt('building')], pipelines, secondsLater(600))).toEqual([]);
  });

  it.each([
    ['staging', 'staging', 301, 'staging'],
    ['canary', 'canary', 1201, 'production'],
    ['promoting', 'production', 901, 'production'],
  ] as const)(
    'finds a %s run overdue in %s, with the deployment to roll back',
    (progress, stage, seconds, env) => {
      // Prepare
      const run = runAt(progress);

      // Act
      const [overdue] = overdueStages([run], pipelines, secondsLater(seconds));

      // Assess
      expect(overdue?.stage).toBe(stage);
      expect(overdue?.waitingOn).toEqual({ kind: 'deployment', id: `${env}-${run.id}` });
    },
  );

  it('leaves a queued run alone: under queue it waits for the older run on purpose', () => {
    // Prepare
    const queue = pipelineConfig({ concurrency: 'queue', timeouts: { build: '10m', canary: '20m' } });
    const older = runAt('canary', { createdAt: T0 });
    const queued = runAt('started', { createdAt: secondsLater(1) });

    // Act
    const overdue = overdueStages([older, queued], () => queue, secondsLater(11 * 60));

    // Assess
    expect(overdue).toEqual([]);
  });

  it('leaves a run waiting for the production slot alone while another run holds it', () => {
    const slow = pipelineConfig({ timeouts: { canary: '5m', production: '1h' } });
    const holder = runAt('promoting', { createdAt: T0 });
    const waiting = runAt('staged', { createdAt: secondsLater(1) });

    expect(overdueStages([holder, waiting], () => slow, secondsLater(6 * 60))).toEqual([]);
  });

  it.each([
    ['built', 'staging', 301],
    ['staged', 'canary', 1201],
    ['staging-skipped', 'canary', 1201],
    ['started', 'build', 601],
  ] as const)(
    'ends a %s run whose %s never started although nothing held it back',
    (progress, stage, seconds) => {
      // Prepare: the handler that should have started the stage failed for good.
      const run = runAt(progress);

      // Act
      const overdue = overdueStages([run], pipelines, secondsLater(seconds));

      // Assess
      expect(overdue).toEqual([
        expect.objectContaining({ run, stage, neverStarted: true, elapsedSeconds: seconds }),
      ]);
      expect(overdue[0]?.waitingOn).toBeUndefined();
    },
  );

  it('gives a stage whose turn has just come its whole timeout to start', () => {
    expect(overdueStages([runAt('built')], pipelines, secondsLater(300))).toEqual([]);
  });

  it('ignores runs that have finished', () => {
    expect(overdueStages([runAt('succeeded'), runAt('failed')], pipelines, secondsLater(24 * 3600))).toEqual(
      [],
    );
  });

  it('uses the default timeouts for a run whose pipeline left the pipeline file', () => {
    // Prepare
    const run = runAt('building', { pipeline: 'gone' });

    // Act / Assess
    expect(overdueStages([run], pipelines, secondsLater(1800))).toEqual([]);
    expect(overdueStages([run], pipelines, secondsLater(1801))[0]?.timeoutSeconds).toBe(1800);
  });
});
