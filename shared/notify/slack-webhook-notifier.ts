import type { IncomingWebhook } from '@slack/webhook';
import type { PipelineEvent } from '../../events/pipeline-events.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';
import type { Clock } from '../ports/clock.ts';
import { slackFailure } from './failures.ts';
import type { NotifyInput, RoutedNotifier } from './notifier-kinds.ts';
import { isWaitingForApproval } from './render-approval.ts';
import { renderWebhookMessage, type WebhookPhase } from './render-webhook-message.ts';

/** The events that post a webhook message, and which one. */
const PHASE_OF: Partial<Record<PipelineEvent['detailType'], WebhookPhase>> = {
  'Run Started': 'start',
  'Approval Requested': 'waiting',
  'Run Finished': 'end',
};

export interface SlackWebhookNotifierOptions {
  /** The incoming webhook of a pipeline, or undefined when the pipeline does not use webhook mode. */
  webhookFor: (pipeline: PipelineConfig) => Pick<IncomingWebhook, 'send'> | undefined;
  clock: Clock;
  dashboardUrl?: string;
}

/**
 * Slack in incoming-webhook mode, for teams without a bot: a webhook cannot edit or thread, so it
 * posts a compact message when a run starts, one when it waits at its approval gate (no buttons:
 * a webhook cannot receive clicks, so it names the commands that decide) and one when it ends
 * (with the failure's reason and the on-call mention), each only when the pipeline's routing
 * announces it.
 */
export class SlackWebhookNotifier implements RoutedNotifier {
  readonly name = 'slack-webhook';
  readonly routing = 'slack' as const;

  constructor(private readonly options: SlackWebhookNotifierOptions) {}

  async notify({ run, event, pipeline, announce }: NotifyInput): Promise<void> {
    if (!announce || !pipeline) return;
    const phase = PHASE_OF[event.detailType];
    if (!phase) return;
    const webhook = this.options.webhookFor(pipeline);
    if (!webhook) return;
    // A start announced after the run already ended (a late delivery) would only repeat the end.
    if (phase === 'start' && run.status !== 'running') return;
    // Likewise a gate decided (or a run ended) before the request was announced: nobody need act.
    if (phase === 'waiting' && !isWaitingForApproval(run)) return;
    const mentionOnFailure = pipeline.notifications.slack?.mentionOnFailure;
    const message = renderWebhookMessage(run, phase, {
      now: this.options.clock.now(),
      ...(this.options.dashboardUrl ? { dashboardUrl: this.options.dashboardUrl } : {}),
      ...(mentionOnFailure ? { mentionOnFailure } : {}),
    });
    try {
      await webhook.send({
        ...message,
        unfurl_links: false,
        ...(mentionOnFailure ? { link_names: true } : {}),
      });
    } catch (error) {
      throw slackFailure(error, this.options.clock.now());
    }
  }
}
