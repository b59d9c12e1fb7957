import type { PipelineEvent } from '../../events/pipeline-events.ts';
import type { PipelineConfig } from '../../shared/domain/pipeline-config.ts';
import type { NotifyLogger } from '../../shared/notify/logger.ts';
import { isRouted, type NotifyInput } from '../../shared/notify/notifier-kinds.ts';
import { DEFAULT_RETRY, type RetryPolicy, realSleep, retryDelay } from '../../shared/notify/retry-policy.ts';
import { isAnnounced } from '../../shared/notify/routing.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import type { Notifier } from '../../shared/ports/notifier.ts';
import type { RunStore } from '../../shared/ports/run-store.ts';
import type { StageHandlers } from '../stage-handlers.ts';

/** What became of one notifier's announcement of one event. */
export type NotifyOutcome =
  /** Sent (or found nothing to send: not this notifier's pipeline or host). */
  | 'sent'
  /** Routing does not announce the event: nothing new posted, a posted message kept current. */
  | 'quiet'
  /** Announced before (a redelivered event): nothing sent. */
  | 'duplicate'
  /** Failed after the retries: a `notification failed` note is on the run. */
  | 'failed';

export interface NotifyResult {
  eventId: string;
  /** Undefined when the run is not in the store. */
  runId?: string;
  outcomes: Record<string, NotifyOutcome>;
}

export interface NotifyDeps {
  store: RunStore;
  /** The pipelines of `pushline.yml`, or a lookup by name (so local mode can reload the file). */
  pipelines: readonly PipelineConfig[] | ((name: string) => PipelineConfig | undefined);
  notifiers: readonly Notifier[];
  clock: Clock;
  logger: NotifyLogger;
  retry?: Partial<RetryPolicy>;
}

/** The run attribute that says `notifier` announced `eventId`. */
export function notifiedKey(notifier: string, eventId: string): string {
  return `notified.${notifier}.${eventId}`;
}

/**
 * The notify handler's logic: announces one pipeline event through every notifier (Slack, the
 * Git host, the console), each on its own so a slow or broken one does not hold back the others.
 *
 * - Every notifier renders the run's CURRENT state from the store, never the event's: an event
 *   handled late or out of order cannot take a message back to an older state.
 * - Slack follows the pipeline's routing (`notifications.slack.on`); an event it does not
 *   announce posts nothing new (see `NotifyInput.announce`). Commit statuses hear everything.
 * - Idempotent by event id: `notified.<notifier>.<eventId>` is claimed after a successful send,
 *   so a redelivered event is not announced twice.
 * - Retryable failures (`TransientError`: rate limits, 5xx, network) are retried with backoff,
 *   honouring the wait a service asks for; after the last try a note
 *   `notification failed: <notifier>: <reason>` goes on the run. It never throws: a
 *   notification never fails a run, and the bus never redelivers because of one.
 */
export function makeNotify(deps: NotifyDeps): (event: PipelineEvent) => Promise<NotifyResult> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...deps.retry };
  const sleep = policy.sleep ?? realSleep;
  const lookup =
    typeof deps.pipelines === 'function'
      ? deps.pipelines
      : (name: string) => (deps.pipelines as readonly PipelineConfig[]).find((p) => p.name === name);

  async function deliver(notifier: Notifier, event: PipelineEvent): Promise<NotifyOutcome> {
    const { runId, eventId, pipeline: pipelineName } = event.detail;
    const log = { notifier: notifier.name, runId, eventId, detailType: event.detailType };
    const key = notifiedKey(notifier.name, eventId);
    let lastError: unknown;
    for (let attempt = 1; attempt <= policy.attempts; attempt++) {
      try {
        if (await deps.store.getAttribute(runId, key)) return 'duplicate';
        // Re-read on every try: the run may have moved on while we waited.
        const stored = await deps.store.get(runId);
        if (!stored) return 'sent';
        const pipeline = lookup(pipelineName);
        const announce = !isRouted(notifier) || isAnnounced(pipeline, event);
        const input: NotifyInput = { run: stored.run, event, announce, ...(pipeline ? { pipeline } : {}) };
        await notifier.notify(input);
        await deps.store.setAttribute(runId, key, deps.clock.now().toISOString(), { ifAbsent: true });
        return announce ? 'sent' : 'quiet';
      } catch (error) {
        lastError = error;
        const delay = attempt < policy.attempts ? retryDelay(error, attempt, policy) : undefined;
        if (delay === undefined) break;
        deps.logger.info('notification failed, retrying', {
          ...log,
          attempt,
          delayMs: Math.round(delay),
          reason: reasonOf(error),
        });
        await sleep(delay);
      }
    }
    const reason = reasonOf(lastError);
    deps.logger.warn('notification failed', { ...log, reason });
    try {
      await deps.store.addNote(runId, {
        at: deps.clock.now().toISOString(),
        kind: 'notification',
        message: `notification failed: ${notifier.name}: ${reason}`,
      });
    } catch (error) {
      deps.logger.error('could not record the failed notification', { ...log, reason: reasonOf(error) });
    }
    return 'failed';
  }

  /** Whether the run is in the store, retrying a store that fails. */
  async function runExists(runId: string): Promise<boolean | { reason: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await deps.store.get(runId)) !== undefined;
      } catch (error) {
        const delay = attempt < policy.attempts ? retryDelay(error, attempt, policy) : undefined;
        if (delay === undefined) return { reason: reasonOf(error) };
        await sleep(delay);
      }
    }
  }

  return async function notify(event: PipelineEvent): Promise<NotifyResult> {
    const { runId, eventId } = event.detail;
    const exists = await runExists(runId);
    if (exists !== true) {
      if (exists === false)
        deps.logger.warn('event of an unknown run, nothing to announce', { runId, eventId });
      else deps.logger.error('could not read the run to announce', { runId, eventId, reason: exists.reason });
      return { eventId, outcomes: {} };
    }
    const outcomes = await Promise.all(deps.notifiers.map((n) => deliver(n, event)));
    const result: NotifyResult = {
      eventId,
      runId,
      outcomes: Object.fromEntries(deps.notifiers.map((n, i) => [n.name, outcomes[i]!])),
    };
    deps.logger.debug?.('event announced', {
      runId,
      eventId,
      detailType: event.detailType,
      outcomes: result.outcomes,
    });
    return result;
  };
}

/** The error's message, one line and short: it ends up in a note people read. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n', 1)[0] ?? message;
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

export interface NotifyStageDeps extends Omit<NotifyDeps, 'notifiers'> {
  /**
   * The notifiers in force. They need secrets, so each mode builds them when first asked and keeps
   * them (AWS: for the instance's life; local mode: until the pipeline file or the server address
   * changes); a provider that could not read its secrets is asked again at the next event.
   */
  notifiers: () => Promise<readonly Notifier[]>;
}

/**
 * notify's entry point, the same in both modes (see `makeStageHandlers`): every pipeline event is
 * announced by `makeNotify`. It never throws — a notification never fails a run nor makes the bus
 * redeliver: when the notifiers cannot be built (a secret unreadable), the failure is logged and
 * noted on the run (`notification failed: …`), and the next event tries again.
 */
export function notifyStage(deps: NotifyStageDeps): StageHandlers['notify'] {
  return {
    onEvent: async (event, context) => {
      const logger = context?.logger ?? deps.logger;
      let notifiers: readonly Notifier[];
      try {
        notifiers = await deps.notifiers();
      } catch (error) {
        const reason = reasonOf(error);
        logger.error('notifiers could not be built; event not announced', { reason });
        try {
          await deps.store.addNote(event.detail.runId, {
            at: deps.clock.now().toISOString(),
            kind: 'notification',
            message: `notification failed: the notifiers could not be built: ${reason}`,
          });
        } catch (noteError) {
          logger.error('could not record the failed notification', { reason: reasonOf(noteError) });
        }
        return;
      }
      await makeNotify({ ...deps, notifiers, logger })(event);
    },
  };
}
