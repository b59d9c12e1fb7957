import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE } from '../../events/pipeline-events.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { LogEntry, RunStore } from '../ports/run-store.ts';

/** One event of a run's log, as the report names it. */
export interface RepublishedEvent {
  seq: number;
  eventId: string;
  detailType: string;
}

export interface RepublishReport {
  runId: string;
  /** What was put on the bus (or, with `dryRun`, what would be). */
  published: RepublishedEvent[];
  /** What PutEvents still refused after the retries, with its error code and message. */
  failed: (RepublishedEvent & { error: string })[];
}

export interface RepublisherOptions {
  store: Pick<RunStore, 'log'>;
  events: EventBridgeClient;
  busName: string;
  /** PutEvents attempts for an entry it refuses (`FailedEntryCount` > 0); 3 unless told. */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** PutEvents takes at most 10 entries per call. */
const PUT_EVENTS_BATCH = 10;

/**
 * The outbox's way around itself: a run's *applied* log entries, read from the table, put on the
 * Pushline bus again exactly as the pipe publishes them (source `pushline`, the detail-type, the
 * detail, `Time` the event's `at`). It does not depend on the DynamoDB stream, which forgets
 * after 24 hours, so a run whose events were never published (a pipe batch in the dead-letter
 * queue, a record the publish step skipped) can always be moved on.
 *
 * Every subscriber is idempotent by event id (the store skips an event it has logged; notify
 * claims `notified.<notifier>.<eventId>`; each stage handler decides from the run's state), so the
 * events the bus had already delivered change nothing: republishing the whole log is safe, and
 * only the ones never seen move the run. `from` starts at a log position to send fewer.
 *
 * A PutEvents partial failure (`FailedEntryCount` > 0) is retried for the refused entries only;
 * what is still refused after the attempts is reported, never dropped silently.
 */
export class Republisher {
  private readonly options: Required<Omit<RepublisherOptions, 'sleep'>> & Pick<RepublisherOptions, 'sleep'>;

  constructor(options: RepublisherOptions) {
    this.options = { attempts: 3, ...options };
  }

  /** The applied entries of the run's log from position `from` (1 unless told), in order. */
  async plan(runId: string, { from = 1 }: { from?: number } = {}): Promise<LogEntry[]> {
    const log = await this.options.store.log(runId);
    if (log.length === 0) throw new NotFoundError(`run ${runId} has no events in the table`);
    return log.filter((entry) => entry.disposition === 'applied' && entry.seq >= from);
  }

  async republish(
    runId: string,
    options: { from?: number; dryRun?: boolean } = {},
  ): Promise<RepublishReport> {
    const entries = await this.plan(runId, options);
    if (options.dryRun) return { runId, published: entries.map(described), failed: [] };
    const failed = await this.put(entries);
    const refused = new Set(failed.map((f) => f.eventId));
    return { runId, published: entries.filter((e) => !refused.has(e.eventId)).map(described), failed };
  }

  private async put(entries: readonly LogEntry[]): Promise<RepublishReport['failed']> {
    const failed: RepublishReport['failed'] = [];
    for (let i = 0; i < entries.length; i += PUT_EVENTS_BATCH) {
      let batch = entries.slice(i, i + PUT_EVENTS_BATCH);
      for (let attempt = 1; batch.length > 0; attempt++) {
        const { Entries = [] } = await this.options.events.send(
          new PutEventsCommand({ Entries: batch.map((entry) => this.busEntry(entry)) }),
        );
        // PutEvents answers one result per entry, in order: an ErrorCode marks a refused one.
        const refused = batch.filter((_, n) => Entries[n]?.ErrorCode || !Entries[n]);
        if (attempt >= this.options.attempts) {
          for (const entry of refused) {
            const result = Entries[batch.indexOf(entry)];
            failed.push({
              ...described(entry),
              error: result ? `${result.ErrorCode}: ${result.ErrorMessage ?? ''}`.trim() : 'no result',
            });
          }
          break;
        }
        batch = refused;
        if (batch.length > 0) await (this.options.sleep ?? sleep)(200 * 2 ** (attempt - 1));
      }
    }
    return failed;
  }

  private busEntry(entry: LogEntry): PutEventsRequestEntry {
    return {
      EventBusName: this.options.busName,
      Source: EVENT_SOURCE,
      DetailType: entry.detailType,
      Detail: JSON.stringify(entry.detail),
      Time: new Date(entry.detail.at),
    };
  }
}

function described(entry: LogEntry): RepublishedEvent {
  return { seq: entry.seq, eventId: entry.eventId, detailType: entry.detailType };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
