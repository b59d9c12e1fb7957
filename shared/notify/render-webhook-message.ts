import type { KnownBlock } from '@slack/types';
import type { Run } from '../domain/run.ts';
import { approvalCommandLine, approvalLine } from './render-approval.ts';
import {
  canaryLines,
  commitLine,
  fallbackText,
  headerLine,
  linkPieces,
  pushLabel,
  type RenderContext,
  stagePieces,
  testsLine,
} from './render-parts.ts';
import { runUrl, shortRunId } from './run-links.ts';
import { context, type SlackMessage, section } from './slack-blocks.ts';
import { escapeMrkdwn, mention, mrkdwnLink } from './slack-text.ts';

export interface WebhookMessageContext extends RenderContext {
  mentionOnFailure?: string;
}

/** The moments incoming-webhook mode posts a message. */
export type WebhookPhase = 'start' | 'waiting' | 'end';

/**
 * The compact message of incoming-webhook mode, which cannot edit what it posted: one message
 * when a run starts, one when it waits at its approval gate, and one when it ends. A webhook
 * cannot receive clicks, so the waiting message has no buttons: it says who may decide and the
 * commands that decide. The end message carries the stage row, the tests, why the run did not
 * succeed (with the on-call mention) and the links.
 */
export function renderWebhookMessage(
  run: Run,
  phase: WebhookPhase,
  ctx: WebhookMessageContext,
): SlackMessage {
  if (phase === 'waiting') return waitingMessage(run, ctx);
  if (phase === 'start') {
    const id = mrkdwnLink(runUrl(ctx.dashboardUrl, run.id), `#${shortRunId(run.id)}`);
    return {
      text: escapeMrkdwn(`${run.pipeline} #${shortRunId(run.id)} started: ${pushLabel(run)}`),
      blocks: [
        section(`:arrow_forward: *${escapeMrkdwn(run.pipeline)}* ${id} · *Started*`),
        context([commitLine(run)]),
      ],
    };
  }
  const blocks: KnownBlock[] = [
    section(headerLine(run, ctx)),
    context([commitLine(run)]),
    context(stagePieces(run, ctx)),
  ];
  const tests = testsLine(run);
  if (tests) blocks.push(context([tests]));
  if (run.status !== 'succeeded') {
    const who =
      run.status === 'superseded' || run.status === 'cancelled' ? undefined : mention(ctx.mentionOnFailure);
    const why = run.reason ? escapeMrkdwn(run.reason) : 'no reason given';
    blocks.push(section(`${who ? `${who} ` : ''}*Why:* ${why}`));
    if (run.stages.canary.status === 'failed') {
      const canary = canaryLines(run.canary?.verdict, run.canary?.trafficPercent);
      if (canary) blocks.push(section(canary));
    }
  }
  const links = linkPieces(run, ctx);
  if (links.length) blocks.push(context([links.join('  ·  ')]));
  return { text: fallbackText(run), blocks };
}

/** The run waits at its gate: who may decide, staging, the deadline and the commands. */
function waitingMessage(run: Run, ctx: WebhookMessageContext): SlackMessage {
  const blocks: KnownBlock[] = [section(headerLine(run, ctx)), context([commitLine(run)])];
  const gate = approvalLine(run);
  if (gate) blocks.push(section(gate));
  blocks.push(context([approvalCommandLine(run)]));
  const links = linkPieces(run, ctx);
  if (links.length) blocks.push(context([links.join('  ·  ')]));
  return { text: fallbackText(run), blocks };
}
