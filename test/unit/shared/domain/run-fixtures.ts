import { readFileSync } from 'node:fs';
import type { DetailType, EventOf, PipelineEvent } from '../../../../events/index.ts';
import { DETAIL_TYPES, parsePipelineEvent } from '../../../../events/index.ts';

/**
 * Builds pipeline events for the run-fold tests from the real samples in `events/samples/`:
 * every event goes through `parsePipelineEvent`, so a test can never fold an event the catalogue
 * would refuse at the edge.
 */

const SAMPLES = new URL('../../../../events/samples/', import.meta.url);

function fileOf(detailType: DetailType): string {
  return `${detailType.toLowerCase().replaceAll(' ', '-')}.json`;
}

const sampleDetails = new Map(
  DETAIL_TYPES.map((detailType) => {
    const text = readFileSync(new URL(fileOf(detailType), SAMPLES), 'utf8');
    return [detailType, (JSON.parse(text) as { detail: Record<string, unknown> }).detail] as const;
  }),
);

/** The run id of the samples (every sample belongs to one run). */
export const RUN_ID = sampleDetails.get('Run Started')!.runId as string;
/** The samples' build id and deployment ids, so tests can name the ones the run is on. */
export const BUILD_ID = (sampleDetails.get('Build Started')!.data as { buildId: string }).buildId;
export const STAGING_DEPLOYMENT = (sampleDetails.get('Staging Started')!.data as { deploymentId: string })
  .deploymentId;
export const PRODUCTION_DEPLOYMENT = (sampleDetails.get('Canary Started')!.data as { deploymentId: string })
  .deploymentId;

const T0 = Date.parse('2025-03-14T09:27:00.000Z');

/** `T0 + seconds` as an ISO timestamp. */
export function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

export interface EventOptions {
  eventId: string;
  runId?: string;
  attempt?: number;
  at?: string;
  stage?: string;
  /** Merged over the sample's `data`. */
  data?: Record<string, unknown>;
}

/** One event of `detailType`: the sample's detail with the given overrides, parsed. */
export function makeEvent<T extends DetailType>(detailType: T, options: EventOptions): EventOf<T> {
  const sample = structuredClone(sampleDetails.get(detailType)!);
  const detail = {
    ...sample,
    eventId: options.eventId,
    runId: options.runId ?? RUN_ID,
    attempt: options.attempt ?? 1,
    at: options.at ?? at(0),
    ...(options.stage ? { stage: options.stage } : {}),
    data: { ...(sample.data as Record<string, unknown>), ...options.data },
  };
  return parsePipelineEvent(detailType, detail) as EventOf<T>;
}

/**
 * A log being written: each `add` makes the next event with a fresh id (`e01`, `e02`…) one
 * second after the previous one, as the handlers of one run would.
 */
export function newLog(defaults: Omit<EventOptions, 'eventId'> = {}) {
  const events: PipelineEvent[] = [];
  return {
    events,
    add<T extends DetailType>(detailType: T, options: Partial<EventOptions> = {}): EventOf<T> {
      const n = events.length + 1;
      const event = makeEvent(detailType, {
        ...defaults,
        eventId: `e${String(n).padStart(2, '0')}`,
        at: at(n),
        ...options,
      });
      events.push(event);
      return event;
    },
  };
}

/** The detail-types of a run that goes all the way to production, in order. */
export const HAPPY_PATH: readonly DetailType[] = [
  'Run Started',
  'Build Started',
  'Tests Passed',
  'Staging Started',
  'Staging Deployed',
  'Canary Started',
  'Canary Healthy',
  'Production Deployed',
];
