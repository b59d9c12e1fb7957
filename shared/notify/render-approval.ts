import type { KnownBlock } from '@slack/types';
import { type Run, StageStatus } from '../domain/run.ts';
import { actions, button, section } from './slack-blocks.ts';
import { escapeMrkdwn, mrkdwnLink } from './slack-text.ts';

/**
 * The `action_id`s of the gate's buttons. Slack sends them back to `POST /slack/interactions`
 * (`makeSlackInteractions`) with the run id as the button's `value`.
 */
export const APPROVAL_ACTION = {
  Approve: 'pushline.approve',
  Reject: 'pushline.reject',
} as const;
export type ApprovalAction = (typeof APPROVAL_ACTION)[keyof typeof APPROVAL_ACTION];

/** The `block_id` of the row of buttons, so a payload says which row a click came from. */
export const APPROVAL_BLOCK_ID = 'pushline.approval';

/** True while the run waits at its gate for someone to decide: the only time buttons are shown. */
export function isWaitingForApproval(run: Run): boolean {
  return run.status === 'running' && run.stages.approval.status === StageStatus.Running;
}

/**
 * Where the gate stands, in one mrkdwn section: waiting (for whom, the staging link, when it
 * times out) or decided (who, and their comment or reason). Undefined when there is no gate or
 * nothing to say about it (a gate that timed out: the run's reason says so).
 */
export function approvalLine(run: Run): string | undefined {
  const approval = run.approval;
  if (!approval) return undefined;
  const { decision } = approval;
  if (decision) {
    const said = decision.comment ? `: ${escapeMrkdwn(decision.comment)}` : '';
    return decision.verdict === 'approved'
      ? `:white_check_mark: *Approved* by ${escapeMrkdwn(decision.by)}${said}`
      : `:no_entry: *Rejected* by ${escapeMrkdwn(decision.by)}${said}`;
  }
  if (!isWaitingForApproval(run)) return undefined;
  const lines = [`:raised_hand: *Waiting for approval* from ${whoMayDecide(approval.approvers)}`];
  const facts: string[] = [];
  if (run.staging?.url) facts.push(`check ${mrkdwnLink(run.staging.url, 'staging')}`);
  const deadline = timesOutAt(run);
  if (deadline) facts.push(`times out ${slackDate(deadline)}`);
  if (facts.length) lines.push(capitalise(facts.join(' · ')));
  return lines.join('\n');
}

/**
 * The gate in the bot's message: the line above, and while the run waits the Approve and Reject
 * buttons (`value`: the run id). Once decided the buttons are gone: the next render of the run
 * (the `Approved` or `Rejected` event) replaces them with who decided.
 */
export function approvalBlocks(run: Run): KnownBlock[] {
  const line = approvalLine(run);
  if (!line) return [];
  if (!isWaitingForApproval(run)) return [section(line)];
  return [
    section(line),
    actions(APPROVAL_BLOCK_ID, [
      button(APPROVAL_ACTION.Approve, 'Approve', run.id, 'primary'),
      button(APPROVAL_ACTION.Reject, 'Reject', run.id, 'danger'),
    ]),
  ];
}

/**
 * For incoming-webhook mode, which cannot receive clicks: the waiting line and how to decide
 * from the command line.
 */
export function approvalCommandLine(run: Run): string {
  return `Decide with \`pushline approve ${run.id}\` or \`pushline reject ${run.id} --reason "…"\``;
}

/** `Priya or Sam`, `Priya, Sam or Lee`; `anyone` when the gate names no approvers. */
function whoMayDecide(approvers: readonly string[]): string {
  const names = approvers.map(escapeMrkdwn);
  if (names.length === 0) return 'anyone';
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

function timesOutAt(run: Run): Date | undefined {
  const started = run.stages.approval.startedAt;
  if (!started || !run.approval) return undefined;
  return new Date(Date.parse(started) + run.approval.timeoutSeconds * 1000);
}

/**
 * A date each reader sees in their own time zone (Slack's `<!date^…>`), with a UTC fallback for
 * clients that cannot format it.
 */
function slackDate(at: Date): string {
  const unix = Math.floor(at.getTime() / 1000);
  const fallback = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${unix}^{date_short_pretty} at {time}|${fallback}>`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
