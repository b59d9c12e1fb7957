import type { EventOf } from '../../events/pipeline-events.ts';
import type { SourcePush } from '../../events/source-push.ts';
import { newId } from '../app/new-event.ts';
import { matchPipelines, type SkippedPipeline } from '../domain/match-pipelines.ts';
import type { PushlineFile } from '../domain/pipeline-config.ts';
import type { Clock } from '../ports/clock.ts';
import type { RunStore } from '../ports/run-store.ts';

export type { SkippedPipeline };

export interface StartedRun {
  runId: string;
  pipeline: string;
}

/** What a push came to: runs started, the same delivery seen before, or nothing to start. */
export type PushOutcome =
  | { kind: 'started'; runs: StartedRun[]; skipped: SkippedPipeline[] }
  | { kind: 'duplicate'; runs: StartedRun[] }
  | { kind: 'ignored'; reason: string; skipped: SkippedPipeline[] };

/**
 * The most paths a `Run Started` event carries. Events travel through EventBridge (256 KB) and
 * DynamoDB (400 KB items); the match itself uses every path, the event keeps the first ones and
 * says how many there were in `changedPathsTotal`.
 */
export const MAX_EVENT_PATHS = 500;
/** Commit messages beyond this are cut in the event, for the same reason. */
export const MAX_EVENT_MESSAGE = 4000;

/**
 * Starts the runs a push should start, once: matches the push against the pipeline file, builds
 * one `Run Started` per matched pipeline and hands them to `store.startRuns`, which writes them
 * together with the delivery record (atomic, idempotent by delivery id). The store is the outbox:
 * nothing is published here. A delivery seen before starts nothing and returns the original runs.
 */
export async function startPushRuns(
  deps: { store: RunStore; clock: Clock },
  delivery: { id: string; provider: SourcePush['provider'] },
  file: PushlineFile,
  push: SourcePush,
): Promise<PushOutcome> {
  const { matched, skipped } = matchPipelines(file, push);
  if (matched.length === 0) {
    return { kind: 'ignored', reason: noMatchReason(push, skipped), skipped };
  }
  const at = deps.clock.now().toISOString();
  const source = forEvent({ ...push, deliveryId: delivery.id });
  const events: EventOf<'Run Started'>[] = matched.map(({ pipeline, pathsUnknownReason }) => ({
    detailType: 'Run Started',
    detail: {
      version: 1,
      eventId: newId(deps.clock),
      runId: newId(deps.clock),
      pipeline: pipeline.name,
      stage: 'source',
      at,
      attempt: 1,
      source,
      data: { trigger: 'push', ...(pathsUnknownReason ? { pathsUnknownReason } : {}) },
    },
  }));
  const result = await deps.store.startRuns(delivery, events);
  if (!result.created) {
    return { kind: 'duplicate', runs: await describeRuns(deps.store, result.runIds) };
  }
  const runs = events
    .filter((event) => result.runIds.includes(event.detail.runId))
    .map((event) => ({ runId: event.detail.runId, pipeline: event.detail.pipeline }));
  return { kind: 'started', runs, skipped };
}

function noMatchReason(push: SourcePush, skipped: readonly SkippedPipeline[]): string {
  const what = `${push.provider} ${push.repo} ${push.ref}`;
  return skipped.length === 0
    ? `no pipeline is declared for ${what}`
    : `no pipeline matches the push to ${what}`;
}

/** The push as the event carries it: long lists and messages cut to what the event bus takes. */
function forEvent(push: SourcePush): SourcePush {
  let result = push;
  if (push.changedPaths && push.changedPaths.length > MAX_EVENT_PATHS) {
    result = {
      ...result,
      changedPaths: push.changedPaths.slice(0, MAX_EVENT_PATHS),
      changedPathsTotal: push.changedPaths.length,
    };
  }
  if (push.message.length > MAX_EVENT_MESSAGE) {
    result = { ...result, message: `${push.message.slice(0, MAX_EVENT_MESSAGE - 1)}…` };
  }
  return result;
}

/** The pipelines of runs started earlier, for the answer to a repeated delivery. */
async function describeRuns(store: RunStore, runIds: readonly string[]): Promise<StartedRun[]> {
  return Promise.all(
    runIds.map(async (runId) => ({ runId, pipeline: (await store.get(runId))?.run.pipeline ?? 'unknown' })),
  );
}
