import type { DetailType, PipelineEvent } from '../../events/pipeline-events.ts';
import { describeError } from '../app/error-policy.ts';
import { LOCAL_RETRY_DELAYS_MS, realSleep, withRetries } from '../app/retry.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { EventBus } from '../ports/event-bus.ts';
import { type ScopedLogger, silentLogger } from '../ports/logger.ts';
import type { RunStore } from '../ports/run-store.ts';

/** The bus's logger: each handler invocation gets a child keyed by its event (one `Logger` for the whole code base). */
export type BusLogger = ScopedLogger;

/** A logger that drops everything (tests, and callers that log elsewhere). */
export { silentLogger as silentBusLogger } from '../ports/logger.ts';

/** What a handler gets besides its event: who it is, which try this is, and a logger keyed by the event id. */
export interface BusContext<Name extends string = string> {
  functionName: Name;
  eventId: string;
  /** 1 on the first delivery, 2 on the first retry… */
  attempt: number;
  logger: BusLogger;
}

/** A function's reaction to a pipeline event. It records what it did in the store; it never publishes. */
export type BusHandler<Name extends string = string> = (
  event: PipelineEvent,
  context: BusContext<Name>,
) => Promise<void> | void;

/** The note kind a handler's final failure leaves on the run. */
export const DEAD_LETTER_NOTE = 'dead-letter';

export interface LocalBusOptions<Name extends string = string> {
  /**
   * The functions subscribed to a detail-type: `subscribersOf` of `functions/subscriptions.ts`, the
   * table the AWS rules are generated from too (passed in, so that shared/ never imports functions/).
   */
  subscribers: (detailType: DetailType) => readonly Name[];
  /** Where dead letters are noted (on the run they concern). */
  store: Pick<RunStore, 'addNote'>;
  logger?: BusLogger;
  clock?: Clock;
  /** Waits before each retry; its length is the number of retries. Default 0.2 s, 1 s, 5 s. */
  retryDelaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The local event bus: dispatches each pipeline event to the functions subscribed to its
 * detail-type in `functions/subscriptions.ts` — the same table the AWS rules are generated from —
 * among those registered with `on`. Only the outbox calls `publish`, with events the store has
 * committed; handlers record their results and the outbox publishes those in turn.
 *
 * A handler that throws is retried after each of `retryDelaysMs` (`withRetries`, by the error
 * policy of shared/app/error-policy.ts); after the last try the failure is noted
 * on the run as a `dead-letter` note and logged. `publish` resolves once every handler of the events
 * has succeeded or been dead-lettered, and never rejects: a handler cannot crash the process.
 */
export class LocalBus<Name extends string = string> implements EventBus {
  private readonly handlers = new Map<Name, BusHandler<Name>>();
  private readonly subscribers: (detailType: DetailType) => readonly Name[];
  private readonly store: Pick<RunStore, 'addNote'>;
  private readonly logger: BusLogger;
  private readonly clock: Clock;
  private readonly retryDelaysMs: readonly number[];
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: LocalBusOptions<Name>) {
    this.subscribers = options.subscribers;
    this.store = options.store;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.retryDelaysMs = options.retryDelaysMs ?? LOCAL_RETRY_DELAYS_MS;
    this.sleep = options.sleep ?? realSleep;
  }

  /** Registers the handler of one function of the subscription table. One handler per function. */
  on(functionName: Name, handler: BusHandler<Name>): this {
    if (this.handlers.has(functionName)) {
      throw new Error(`the bus already has a handler for ${functionName}`);
    }
    this.handlers.set(functionName, handler);
    return this;
  }

  /** The registered functions an event of this detail-type goes to. */
  handlersOf(detailType: DetailType): Name[] {
    return this.subscribers(detailType).filter((name) => this.handlers.has(name));
  }

  /** Delivers the events in order; each event's handlers run side by side. */
  async publish(events: readonly PipelineEvent[]): Promise<void> {
    for (const event of events) {
      const targets = this.handlersOf(event.detailType);
      if (targets.length === 0) {
        this.logger.debug('no handler subscribed', {
          detailType: event.detailType,
          eventId: event.detail.eventId,
        });
        continue;
      }
      await Promise.all(targets.map((name) => this.deliver(name, event)));
    }
  }

  private async deliver(functionName: Name, event: PipelineEvent): Promise<void> {
    const handler = this.handlers.get(functionName)!;
    const { eventId, runId } = event.detail;
    const logger = this.logger.createChild({
      persistentKeys: { eventId, runId, functionName, detailType: event.detailType },
    });
    const result = await withRetries(
      (attempt) => Promise.resolve(handler(event, { functionName, eventId, attempt, logger })),
      {
        delaysMs: this.retryDelaysMs,
        sleep: this.sleep,
        onRetry: ({ attempt, retryInMs, error }) =>
          logger.warn('handler failed; retrying', { attempt, retryInMs, error: describeError(error) }),
      },
    );
    if (!result.ok) await this.deadLetter(functionName, event, result.attempts, result.error, logger);
  }

  /**
   * The functions subscribed to some detail-type that have no handler registered: local mode's
   * composition root refuses to start with one (a forgotten `on` would otherwise only show as a
   * debug line when its event is dropped).
   */
  unregistered(detailTypes: readonly DetailType[]): Name[] {
    const missing = new Set<Name>();
    for (const type of detailTypes) {
      for (const name of this.subscribers(type)) if (!this.handlers.has(name)) missing.add(name);
    }
    return [...missing];
  }

  private async deadLetter(
    functionName: Name,
    event: PipelineEvent,
    attempts: number,
    error: unknown,
    logger: BusLogger,
  ): Promise<void> {
    const message = `${functionName} failed on ${event.detailType} ${event.detail.eventId} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${describeError(error)}`;
    logger.error('handler failed; dead-lettered', { attempts, error: describeError(error) });
    try {
      await this.store.addNote(event.detail.runId, {
        at: this.clock.now().toISOString(),
        kind: DEAD_LETTER_NOTE,
        message,
      });
    } catch (noteError) {
      logger.error('could not note the dead letter on the run', { error: describeError(noteError), message });
    }
  }
}
