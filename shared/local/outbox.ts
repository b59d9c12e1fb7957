import { performance } from 'node:perf_hooks';
import type { EventBus } from '../ports/event-bus.ts';
import { crashPoint } from './crash-points.ts';
import { type BusLogger, silentBusLogger } from './local-bus.ts';
import type { OutboxEntry } from './sqlite-rows.ts';

/** The store side of the outbox: what has been committed but not yet published. `SqliteRunStore` is one. */
export interface OutboxSource {
  undispatched(options?: { runId?: string; limit?: number }): OutboxEntry[];
  markDispatched(runId: string, seq: number): void;
  onCommitted(listener: (runIds: readonly string[]) => void): () => void;
}

export interface OutboxOptions {
  source: OutboxSource;
  bus: EventBus;
  logger?: BusLogger;
  /** How long to wait before trying a run again after `bus.publish` threw. */
  retryDelayMs?: number;
}

const BATCH = 100;
/**
 * The longest the outbox dispatches before it lets the event loop serve I/O. The handlers' store
 * calls are synchronous (SQLite), so without a turn of the loop a backlog of runs would keep the
 * HTTP server — webhooks that must answer GitHub within 10 s, the API — waiting until it is gone.
 */
const SLICE_MS = 4;

/**
 * The local transactional outbox: publishes what the store committed, after it was committed.
 * An event is published because it was appended, never the other way round.
 *
 * After each commit (the store's `onCommitted`) it publishes the run's undispatched applied
 * entries one by one in `seq` order and marks each dispatched once `bus.publish` has returned —
 * so delivery is at-least-once: a crash between the two re-publishes that entry at the next
 * `start`, which publishes every backlog left behind. Runs drain side by side; one run's
 * entries never overtake each other. When `publish` throws, the run is tried again later.
 */
export class Outbox {
  private readonly source: OutboxSource;
  private readonly bus: EventBus;
  private readonly logger: BusLogger;
  private readonly retryDelayMs: number;
  /** The drain loop of each run that has one going. */
  private readonly active = new Map<string, Promise<void>>();
  /** Runs that had a commit while their loop was finishing; looped again. */
  private readonly dirty = new Set<string>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  /** Runs waiting to be tried again after a failed publish, and their timers. */
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  /** When the current slice of dispatching began (see `SLICE_MS`). */
  private sliceStarted = performance.now();
  /** Drains waiting for a slice, in the order they asked; one is resumed per turn of the loop. */
  private readonly waiting: (() => void)[] = [];
  private turnPending = false;

  constructor(options: OutboxOptions) {
    this.source = options.source;
    this.bus = options.bus;
    this.logger = options.logger ?? silentBusLogger;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  /** Follows the store's commits from now on and publishes the backlog (crash recovery). */
  async start(): Promise<void> {
    this.stopped = false;
    this.unsubscribe ??= this.source.onCommitted((runIds) => {
      // Not inside the committing call: the writer finishes its own step before handlers react.
      const immediate = setImmediate(() => {
        this.immediates.delete(immediate);
        for (const runId of runIds) this.schedule(runId);
      });
      this.immediates.add(immediate);
    });
    await this.drain();
  }

  /**
   * Publishes everything undispatched and resolves when nothing is left in flight. Runs whose
   * publish failed stay with their retry timer and do not hold the drain up.
   */
  async drain(): Promise<void> {
    for (;;) {
      const backlog = this.backlog();
      if (this.stopped || backlog.size === 0) return;
      for (const runId of backlog) this.schedule(runId);
      await this.idle();
    }
  }

  /** Resolves when no run is being drained (new commits made meanwhile are waited for too). */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active.values()]);
  }

  /**
   * Stops following commits, lets what is in flight finish and schedules nothing more. What is
   * committed after this stays undispatched for the next `start`.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const immediate of this.immediates) clearImmediate(immediate);
    this.immediates.clear();
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    this.turnPending = false;
    for (const resume of this.waiting.splice(0)) resume(); // they see `stopped` and end
    await this.idle();
  }

  /** The runs with undispatched entries, except those waiting for a retry. */
  private backlog(): Set<string> {
    const runIds = this.source.undispatched({ limit: 10_000 }).map((entry) => entry.runId);
    return new Set(runIds.filter((runId) => !this.retries.has(runId)));
  }

  private schedule(runId: string): void {
    if (this.stopped || this.retries.has(runId)) return;
    if (this.active.has(runId)) {
      this.dirty.add(runId);
      return;
    }
    const loop = this.drainRun(runId).finally(() => {
      this.active.delete(runId);
      this.resumeNext();
      // A commit landed between the loop's last read and its end: go round again.
      if (this.dirty.delete(runId)) this.schedule(runId);
    });
    this.active.set(runId, loop);
  }

  private async drainRun(runId: string): Promise<void> {
    // Yield first, so `schedule` returns before any handler runs.
    await Promise.resolve();
    for (;;) {
      this.dirty.delete(runId);
      const entries = this.source.undispatched({ runId, limit: BATCH });
      if (entries.length === 0) return;
      for (const entry of entries) {
        await this.yieldIfDue();
        if (this.stopped) return;
        try {
          crashPoint(`dispatch:before:${entry.event.detailType}`);
          await this.bus.publish([entry.event]);
        } catch (error) {
          this.logger.warn('publish failed; will try again', {
            runId,
            seq: entry.seq,
            eventId: entry.event.detail.eventId,
            retryInMs: this.retryDelayMs,
            error: error instanceof Error ? error.message : String(error),
          });
          this.retryLater(runId);
          return;
        }
        this.source.markDispatched(runId, entry.seq);
        crashPoint(`dispatch:after:${entry.event.detailType}`);
        this.logger.debug('dispatched', {
          runId,
          seq: entry.seq,
          detailType: entry.event.detailType,
          eventId: entry.event.detail.eventId,
        });
      }
    }
  }

  /**
   * Once the slice is used up, waits its turn: drains that must wait queue up, and each turn of the
   * event loop (after pending I/O) resumes the first of them with a fresh slice — one resumed per
   * turn, however many wait, so a backlog of thousands of runs costs no more per turn than one.
   */
  private async yieldIfDue(): Promise<void> {
    if (performance.now() - this.sliceStarted < SLICE_MS) return;
    await new Promise<void>((resume) => {
      this.waiting.push(resume);
      this.nextTurn();
    });
  }

  private nextTurn(): void {
    if (this.turnPending || this.stopped || this.waiting.length === 0) return;
    this.turnPending = true;
    const immediate = setImmediate(() => {
      this.immediates.delete(immediate);
      this.turnPending = false;
      this.sliceStarted = performance.now();
      this.waiting.shift()?.();
      // The resumed drain may wait on a slow handler's I/O: the next turn resumes the next drain.
      this.nextTurn();
    });
    this.immediates.add(immediate);
  }

  /** A drain ended within the slice: the next waiting drain gets the rest of it. */
  private resumeNext(): void {
    if (this.waiting.length > 0 && performance.now() - this.sliceStarted < SLICE_MS) this.waiting.shift()?.();
  }

  private retryLater(runId: string): void {
    if (this.stopped || this.retries.has(runId)) return;
    const timer = setTimeout(() => {
      this.retries.delete(runId);
      this.schedule(runId);
    }, this.retryDelayMs);
    this.retries.set(runId, timer);
  }
}
