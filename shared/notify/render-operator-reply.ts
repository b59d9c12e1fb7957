import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { type Run, RunStatus } from '../domain/run.ts';
import { shortRunId } from './run-links.ts';
import { type SlackMessage, section } from './slack-blocks.ts';
import { escapeMrkdwn } from './slack-text.ts';

/**
 * True when the run ended because someone decided so — rejected at the gate, or cancelled — not
 * because something broke: such an ending is no incident, so nobody on call is mentioned for it.
 */
export function endedByDecision(run: Run): boolean {
  if (run.status === RunStatus.Running) return false;
  return run.status === 'cancelled' || run.approval?.decision?.verdict === 'rejected';
}

/** What someone did by hand, in words: the thread reply's headline and its plain text. */
interface Act {
  emoji: string;
  /** "Rejected by Tomás" */
  who: string;
  /** What they said, or what the act did ("attempt 2 from build"). */
  why?: string;
}

/**
 * The thread reply for what someone did to a run by hand — "Rejected by Tomás: not during the
 * sale", "Retried by Priya: attempt 2 from build", "Cancelled by Priya: wrong branch" — or
 * `undefined` for any other event. It names who and why and mentions nobody: a decision is not
 * a failure. The run's message shows the new state by itself; the reply says who changed it.
 */
export function renderOperatorReply(run: Run, event: PipelineEvent): SlackMessage | undefined {
  const act = actOf(event);
  if (!act) return undefined;
  const why = act.why ? `: ${act.why}` : '';
  return {
    text: `${run.pipeline} #${shortRunId(run.id)}: ${act.who}${why}`,
    blocks: [section(`${act.emoji} *${escapeMrkdwn(act.who)}*${escapeMrkdwn(why)}`)],
  };
}

function actOf(event: PipelineEvent): Act | undefined {
  switch (event.detailType) {
    case 'Rejected':
      return {
        emoji: ':no_entry:',
        who: `Rejected by ${event.detail.data.by}`,
        why: event.detail.data.reason,
      };
    case 'Run Retried': {
      const { by, reason } = event.detail.data;
      const what = `attempt ${event.detail.attempt} from ${event.detail.stage}`;
      return { emoji: ':repeat:', who: `Retried by ${by}`, why: reason ? `${what} (${reason})` : what };
    }
    case 'Run Finished': {
      const { outcome, reason } = event.detail.data;
      if (outcome !== 'cancelled') return undefined;
      // run-operations writes "cancelled by <who>[: <why>]"; any other wording is shown as it is.
      const match = reason ? /^cancelled by (.+?)(?::\s*(.*))?$/s.exec(reason) : null;
      if (!match) return { emoji: ':octagonal_sign:', who: 'Cancelled', ...(reason ? { why: reason } : {}) };
      return {
        emoji: ':octagonal_sign:',
        who: `Cancelled by ${match[1]}`,
        ...(match[2] ? { why: match[2] } : {}),
      };
    }
    default:
      return undefined;
  }
}
