import { readFileSync } from 'node:fs';
import { parsePipelineEvent } from '../../../../events/parse.ts';
import type { EventOf, PipelineEvent } from '../../../../events/pipeline-events.ts';
import { newEvent } from '../../../../shared/app/new-event.ts';
import type { Run } from '../../../../shared/domain/run.ts';
import type { Clock } from '../../../../shared/ports/clock.ts';

const root = new URL('../../../../', import.meta.url);

/** An EventBridge envelope of `events/samples/<name>.json`. */
export function sampleEnvelope(
  name: string,
): { 'detail-type': string; detail: Record<string, unknown> } & Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`events/samples/${name}.json`, root), 'utf8'));
}

/** A `Run Started` for the given run, built on the documented sample. */
export function runStarted(
  overrides: { runId: string; pipeline?: string; eventId?: string; at?: string; message?: string } & {
    deliveryId?: string;
  },
): EventOf<'Run Started'> {
  const sample = sampleEnvelope('run-started');
  const detail = sample.detail as { pipeline: string; at: string; source: Record<string, unknown> };
  return parsePipelineEvent('Run Started', {
    ...detail,
    runId: overrides.runId,
    eventId: overrides.eventId ?? `ev-${overrides.runId}`,
    pipeline: overrides.pipeline ?? detail.pipeline,
    at: overrides.at ?? detail.at,
    source: {
      ...detail.source,
      ...(overrides.message !== undefined ? { message: overrides.message } : {}),
      ...(overrides.deliveryId ? { deliveryId: overrides.deliveryId } : {}),
    },
  }) as EventOf<'Run Started'>;
}

export function buildStarted(run: Run, clock: Clock, buildId = 'web:1'): PipelineEvent {
  return newEvent('Build Started', run, 'build', { buildId, logUrl: 'https://example.test/log' }, clock);
}

/** A clock that moves on by one second each time it is read. */
export function tickingClock(start = '2025-03-14T09:27:00.000Z'): Clock {
  let t = Date.parse(start);
  return {
    now: () => {
      t += 1000;
      return new Date(t);
    },
  };
}
