import { readFileSync } from 'node:fs';
import type { EventOf, PipelineEvent } from '../../events/pipeline-events.ts';
import { SourcePush } from '../../events/source-push.ts';
import { newEvent, newId } from '../../shared/app/new-event.ts';
import { PipelineConfig } from '../../shared/domain/pipeline-config.ts';
import { foldEvents, type Run } from '../../shared/domain/run.ts';
import type { RunStore } from '../../shared/ports/run-store.ts';
import { FakeClock } from './fake-clock.ts';

/**
 * Runs, events and pipeline configs for the choreography tests. Every event is built with the
 * production `newEvent` and folded by the production `applyEvent`, and the push comes from the
 * real `Run Started` sample, so a test never holds a run the system could not produce.
 */

const SAMPLE = JSON.parse(
  readFileSync(new URL('../../events/samples/run-started.json', import.meta.url), 'utf8'),
) as { detail: { source: unknown } };
/** The push of the `Run Started` sample (GitHub, acme/web, main). */
export const SAMPLE_PUSH: SourcePush = SourcePush.parse(SAMPLE.detail.source);

export const T0 = new Date('2025-03-14T09:27:00.000Z');

/** A pipeline with local staging and production targets and a fast canary (interval 60s, bake 180s). */
export function pipelineConfig(overrides: Record<string, unknown> = {}): PipelineConfig {
  return PipelineConfig.parse({
    name: 'web',
    source: { github: 'acme/web' },
    staging: { local: { start: 'node server.js', port: 4100 } },
    production: {
      local: { start: 'node server.js', port: 4000 },
      canary: { traffic: 10, interval: '60s', bake: '3m', minRequests: 10 },
    },
    ...overrides,
  });
}

/** A 40-hex commit id made from a number, so two runs have two commits. */
export function commitOf(n: number): string {
  return n.toString(16).padStart(40, 'a');
}

export interface RunOptions {
  id?: string;
  pipeline?: string;
  createdAt?: Date;
  attempt?: number;
  commit?: string;
}

/** A `Run Started` event for a push of the sample repository. */
export function runStarted(options: RunOptions = {}): EventOf<'Run Started'> {
  const clock = new FakeClock(options.createdAt ?? T0);
  const runId = options.id ?? newId(clock);
  return {
    detailType: 'Run Started',
    detail: {
      version: 1,
      eventId: newId(clock),
      runId,
      pipeline: options.pipeline ?? 'web',
      stage: 'source',
      at: clock.now().toISOString(),
      attempt: options.attempt ?? 1,
      source: { ...SAMPLE_PUSH, ...(options.commit ? { commit: options.commit } : {}) },
      data: { trigger: 'push' },
    },
  };
}

/** How far a run has come. */
export type Progress =
  | 'started'
  | 'building'
  | 'built'
  | 'staging'
  | 'staged'
  | 'staging-skipped'
  | 'canary'
  | 'canary-failed'
  | 'promoting'
  | 'succeeded'
  | 'failed';

const VERDICT = {
  result: 'healthy' as const,
  reason: 'fine',
  metrics: [],
  alarms: [],
  judgedAt: T0.toISOString(),
};

/** The log of a run that has come as far as `progress`, every event at the run's creation time. */
export function runEvents(progress: Progress, options: RunOptions = {}): PipelineEvent[] {
  const started = runStarted(options);
  const clock = new FakeClock(started.detail.at);
  const base = {
    id: started.detail.runId,
    pipeline: started.detail.pipeline,
    attempt: started.detail.attempt,
    source: started.detail.source,
  };
  const buildId = `build-${base.id}`;
  const staging = `staging-${base.id}`;
  const production = `production-${base.id}`;
  const tests = { total: 3, passed: 3, failed: 0, skipped: 0 };
  const steps: Record<Exclude<Progress, 'started'>, () => PipelineEvent[]> = {
    building: () => [newEvent('Build Started', base, 'build', { buildId }, clock)],
    built: () => [
      ...steps.building(),
      newEvent(
        'Tests Passed',
        base,
        'build',
        { buildId, tests, artifacts: { files: [], exportedVariables: {} } },
        clock,
      ),
    ],
    staging: () => [
      ...steps.built(),
      newEvent('Staging Started', base, 'staging', { deploymentId: staging }, clock),
    ],
    staged: () => [
      ...steps.staging(),
      newEvent('Staging Deployed', base, 'staging', { deploymentId: staging }, clock),
    ],
    'staging-skipped': () => [
      ...steps.built(),
      newEvent('Staging Deployed', base, 'staging', { skipped: true }, clock),
    ],
    canary: () => [
      ...steps.staged(),
      newEvent(
        'Canary Started',
        base,
        'canary',
        { deploymentId: production, trafficPercent: 10, intervalSeconds: 60, bakeSeconds: 180 },
        clock,
      ),
    ],
    'canary-failed': () => [
      ...steps.canary(),
      newEvent(
        'Canary Unhealthy',
        base,
        'canary',
        {
          deploymentId: production,
          verdict: { ...VERDICT, result: 'unhealthy', reason: 'error_rate 0.2 > max 0.01' },
        },
        clock,
      ),
    ],
    promoting: () => [
      ...steps.canary(),
      newEvent('Canary Healthy', base, 'canary', { deploymentId: production, verdict: VERDICT }, clock),
    ],
    succeeded: () => [
      ...steps.promoting(),
      newEvent('Production Deployed', base, 'production', { deploymentId: production }, clock),
      newEvent('Run Finished', base, 'production', { outcome: 'succeeded' }, clock),
    ],
    failed: () => [
      ...steps.building(),
      newEvent(
        'Build Failed',
        base,
        'build',
        { buildId, status: 'FAILED', reason: 'exit 1', failingTests: [] },
        clock,
      ),
      newEvent('Run Finished', base, 'build', { outcome: 'failed', reason: 'build FAILED' }, clock),
    ],
  };
  return [started, ...(progress === 'started' ? [] : steps[progress]())];
}

/** The run folded from `runEvents(progress)`. */
export function runAt(progress: Progress, options: RunOptions = {}): Run {
  return foldEvents(runEvents(progress, options))!;
}

/** Writes a run that has come as far as `progress` into `store`; returns it. */
export async function seedRun(store: RunStore, progress: Progress, options: RunOptions = {}): Promise<Run> {
  const [first, ...rest] = runEvents(progress, options);
  const { runIds } = await store.startRuns({ id: `delivery-${first!.detail.runId}`, provider: 'github' }, [
    first!,
  ]);
  const runId = runIds[0]!;
  if (rest.length > 0) await store.append(runId, 1, rest);
  return (await store.get(runId))!.run;
}
