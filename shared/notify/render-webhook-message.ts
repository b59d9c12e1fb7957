import type { KnownBlock } from '@slack/types';
import type { Run } from '../domain/run.ts';
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

/**
 * The compact message of incoming-webhook mode, which cannot edit what it posted: one message
 * when a run starts and one when it ends. The end message carries the stage row, the tests,
 * why the run did not succeed (with the on-call mention) and the links.
 */
export function renderWebhookMessage(
  run: Run,
  phase: 'start' | 'end',
  ctx: WebhookMessageContext,
): SlackMessage {
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
