import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { applyEvent, type Run } from '../domain/run.ts';
import type { LogEntry } from '../ports/run-store.ts';

/**
 * What an append writes, decided the same way by every store: the events are folded into the run
 * one by one; a duplicate (an `eventId` the run has seen) writes nothing, an applied or ignored
 * event becomes the next log entry (`seq` = `version` + its place). Pure: the store then writes
 * the entries and the new snapshot under its version guard, or nothing.
 */
export function foldForAppend(
  run: Run,
  version: number,
  events: readonly PipelineEvent[],
  recordedAt: string,
): { run: Run; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  let next = run;
  for (const event of events) {
    const result = applyEvent(next, event);
    next = result.run;
    if (result.kind === 'duplicate') continue;
    entries.push({
      seq: version + entries.length + 1,
      eventId: event.detail.eventId,
      detailType: event.detailType,
      detail: event.detail,
      disposition: result.kind,
      ...(result.kind === 'ignored' ? { reason: result.reason } : {}),
      recordedAt,
    });
  }
  return { run: next, entries };
}

/** The first entry of a run's log: its `Run Started`, applied (what `startRuns` writes for each run). */
export function startEntry(event: PipelineEvent, recordedAt: string): LogEntry {
  return {
    seq: 1,
    eventId: event.detail.eventId,
    detailType: event.detailType,
    detail: event.detail,
    disposition: 'applied',
    recordedAt,
  };
}
