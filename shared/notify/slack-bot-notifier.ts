import type { WebClient } from '@slack/web-api';
import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { TransientError } from '../domain/errors.ts';
import type { Run } from '../domain/run.ts';
import type { Clock } from '../ports/clock.ts';
import type { RunStore } from '../ports/run-store.ts';
import { claimJob } from './claim.ts';
import { converge } from './converge.ts';
import { slackFailure } from './failures.ts';
import type { NotifyInput, RoutedNotifier } from './notifier-kinds.ts';
import { renderFailureReply } from './render-failure-reply.ts';
import { endedByDecision, renderOperatorReply } from './render-operator-reply.ts';
import { renderRunMessage } from './render-run-message.ts';
import { announcementOf, isFailure } from './routing.ts';
import type { SlackMessage } from './slack-blocks.ts';

/** Run attributes this notifier keeps. */
export const SLACK_KEYS = {
  ts: 'slack.ts',
  channel: 'slack.channel',
  shown: 'slack.shown',
  replied: 'slack.replied',
  /** `slack.reply.<eventId>`: the thread reply of one event, `posting` then `posted`. */
  reply: 'slack.reply',
  post: 'slack.post',
} as const;

export interface SlackBotNotifierOptions {
  client: Pick<WebClient, 'chat'>;
  store: RunStore;
  clock: Clock;
  dashboardUrl?: string;
  /** How old a claim on the first post must be before another event may take it over. */
  claimStaleMs?: number;
}

/**
 * Slack in bot-token mode: one message per run, posted at the run's first announced event
 * (`chat.postMessage`) and then updated in place (`chat.update`) as the run moves on; a thread
 * reply for each failure, rollback or timeout (`reply_broadcast` from `broadcastFailures`,
 * the `mentionOnFailure` group mentioned). Handles pipelines that name a `slack.channel`.
 *
 * The message's `ts` is kept on the run (`slack.ts`); the first post is claimed (`claimJob`) so
 * two first events handled at once post one message. Updates go through `converge`, so the
 * message always ends on the run's newest state whatever order events arrive in.
 */
export class SlackBotNotifier implements RoutedNotifier {
  readonly name = 'slack';
  readonly routing = 'slack' as const;
  private readonly client: Pick<WebClient, 'chat'>;
  private readonly store: RunStore;
  private readonly clock: Clock;
  private readonly dashboardUrl: string | undefined;
  private readonly claimStaleMs: number;

  constructor(options: SlackBotNotifierOptions) {
    this.client = options.client;
    this.store = options.store;
    this.clock = options.clock;
    this.dashboardUrl = options.dashboardUrl;
    this.claimStaleMs = options.claimStaleMs ?? 120_000;
  }

  async notify({ run, event, pipeline, announce }: NotifyInput): Promise<void> {
    const slack = pipeline?.notifications.slack;
    if (!slack?.channel) return;
    try {
      const message = await this.ensureMessage(run, event, slack.channel, announce);
      if (!message) return;
      await converge(this.store, run.id, (current, version) => [
        {
          key: SLACK_KEYS.shown,
          fingerprint: `v${version}`,
          send: () => this.update(message.channel, message.ts, this.render(current)),
        },
      ]);
      // Who acted by hand, and why: under the message whenever there is one, routed or not (the
      // message changed because of it), never broadcast, mentioning nobody.
      const operatorReply = renderOperatorReply(run, event);
      if (operatorReply) {
        if (!(await this.claimReply(run.id, event))) return;
        await this.client.chat.postMessage({
          channel: message.channel,
          thread_ts: message.ts,
          unfurl_links: false,
          unfurl_media: false,
          ...operatorReply,
        });
        await this.markReplied(run.id, event);
      } else if (announce && (await this.shouldReply(run.id, event))) {
        const current = (await this.store.get(run.id))?.run ?? run;
        // A rejection's Run Finished: the Rejected reply said who and why; no failure to report.
        if (event.detailType === 'Run Finished' && endedByDecision(current)) return;
        const reply = renderFailureReply(current, event, {
          ...this.renderContext(),
          ...(slack.mentionOnFailure ? { mentionOnFailure: slack.mentionOnFailure } : {}),
        });
        await this.client.chat.postMessage({
          channel: message.channel,
          thread_ts: message.ts,
          reply_broadcast: slack.broadcastFailures,
          link_names: Boolean(slack.mentionOnFailure),
          unfurl_links: false,
          unfurl_media: false,
          ...reply,
        });
        await this.store.setAttribute(run.id, repliedKey(event), event.detail.eventId);
      }
    } catch (error) {
      throw slackFailure(error, this.clock.now());
    }
  }

  /** The run's message, posting it first if it does not exist yet (and routing announces). */
  private async ensureMessage(
    run: Run,
    event: PipelineEvent,
    configuredChannel: string,
    announce: boolean,
  ): Promise<{ channel: string; ts: string } | undefined> {
    const ts = await this.store.getAttribute(run.id, SLACK_KEYS.ts);
    if (ts) {
      const channel = (await this.store.getAttribute(run.id, SLACK_KEYS.channel)) ?? configuredChannel;
      return { channel, ts };
    }
    // Nothing posted yet: an event routing does not announce has nothing to keep up to date.
    if (!announce) return undefined;
    const claim = await claimJob(
      this.store,
      run.id,
      SLACK_KEYS.post,
      event.detail.eventId,
      this.clock.now(),
      this.claimStaleMs,
    );
    if (claim === 'theirs') {
      // Another event is posting the message right now; once it has, this one updates it.
      throw new TransientError(`slack message of run ${run.id} is being posted by another event`);
    }
    const stored = await this.store.get(run.id);
    const current = stored?.run ?? run;
    const posted = await this.client.chat.postMessage({
      channel: configuredChannel,
      unfurl_links: false,
      unfurl_media: false,
      ...this.render(current),
    });
    if (!posted.ts) throw new TransientError('slack chat.postMessage answered without a ts');
    // chat.update wants the channel id, not the `#name` the pipeline file may use.
    const channel = posted.channel ?? configuredChannel;
    await this.store.setAttribute(run.id, SLACK_KEYS.channel, channel);
    await this.store.setAttribute(run.id, SLACK_KEYS.ts, posted.ts);
    if (stored) await this.store.setAttribute(run.id, SLACK_KEYS.shown, `v${stored.version}`);
    return { channel, ts: posted.ts };
  }

  /**
   * Failure events always get their reply. `Run Finished` with a failing outcome gets one only
   * when nothing replied before (a run ended by a handler that announced no failure event).
   */
  /**
   * Whether this delivery posts the attempt's failure reply. One failure reply per attempt, by
   * whichever of its failure events (a failed stage, a rollback, a timeout, or the run's end)
   * claims it first — EventBridge delivers them in any order and more than once. A claim whose
   * post failed is taken again by the retry; once posted, the key holds the event id.
   */
  private async shouldReply(runId: string, event: PipelineEvent): Promise<boolean> {
    const announcement = announcementOf(event);
    if (!isFailure(announcement)) return false;
    const claimed = `${event.detailType === 'Run Finished' ? 'finished' : 'failure'}:${event.detail.eventId}`;
    const key = repliedKey(event);
    if (await this.store.setAttribute(runId, key, claimed, { ifAbsent: true })) return true;
    return (await this.store.getAttribute(runId, key)) === claimed;
  }

  /**
   * Whether this delivery of `event` posts its thread reply: the first claims it; a redelivery
   * finds it posted and posts nothing (EventBridge delivers at least once). A claim whose post
   * failed is taken again by the retry, so a reply is never lost for a failed call.
   */
  private async claimReply(runId: string, event: PipelineEvent): Promise<boolean> {
    const key = `${SLACK_KEYS.reply}.${event.detail.eventId}`;
    if (await this.store.setAttribute(runId, key, 'posting', { ifAbsent: true })) return true;
    return (await this.store.getAttribute(runId, key)) === 'posting';
  }

  private async markReplied(runId: string, event: PipelineEvent): Promise<void> {
    await this.store.setAttribute(runId, `${SLACK_KEYS.reply}.${event.detail.eventId}`, 'posted');
  }

  private async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.client.chat.update({ channel, ts, ...message });
  }

  private render(run: Run): SlackMessage {
    return renderRunMessage(run, this.renderContext());
  }

  private renderContext() {
    return { now: this.clock.now(), ...(this.dashboardUrl ? { dashboardUrl: this.dashboardUrl } : {}) };
  }
}

/**
 * Where the failure reply of an attempt is recorded: `slack.replied` for the first, and
 * `slack.replied.<n>` for a retry's, so a retried run that fails again is told again.
 */
function repliedKey(event: PipelineEvent): string {
  return event.detail.attempt > 1 ? `${SLACK_KEYS.replied}.${event.detail.attempt}` : SLACK_KEYS.replied;
}
