import type { KnownBlock } from '@slack/types';
import type { Run } from '../domain/run.ts';
import { approvalBlocks } from './render-approval.ts';
import {
  canaryLines,
  commitLine,
  fallbackText,
  headerLine,
  linkPieces,
  type RenderContext,
  stagePieces,
  testsLine,
} from './render-parts.ts';
import { context, divider, type SlackMessage, section } from './slack-blocks.ts';
import { escapeMrkdwn } from './slack-text.ts';

/**
 * The one Slack message of a run (bot-token mode), posted at its first event and updated in place:
 * the run's headline, the commit, a row of stages with their status and duration, test counts,
 * the approval gate (waiting, with Approve and Reject buttons, or who decided), the canary verdict
 * with a reason per metric, why the run ended (if it did not succeed), and links to the build log,
 * the deployments and the run in the dashboard. Pure: same run and context, same message.
 */
export function renderRunMessage(run: Run, ctx: RenderContext): SlackMessage {
  const blocks: KnownBlock[] = [
    section(headerLine(run, ctx)),
    context([commitLine(run)]),
    context(stagePieces(run, ctx)),
  ];
  const tests = testsLine(run);
  if (tests) blocks.push(context([tests]));
  blocks.push(...approvalBlocks(run));
  const canary = canaryLines(run.canary?.verdict, run.canary?.trafficPercent);
  if (canary) blocks.push(section(canary));
  // A rejection's reason is the gate's line already ("Rejected by Priya: …"); saying it twice is noise.
  const rejected = run.approval?.decision?.verdict === 'rejected';
  if (run.status !== 'running' && run.status !== 'succeeded' && run.reason && !rejected) {
    blocks.push(section(`*Why:* ${escapeMrkdwn(run.reason)}`));
  }
  const links = linkPieces(run, ctx);
  if (links.length) blocks.push(divider(), context([links.join('  ·  ')]));
  return { text: fallbackText(run), blocks };
}
