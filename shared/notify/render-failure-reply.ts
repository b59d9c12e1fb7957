import type { KnownBlock } from '@slack/types';
import { STAGES } from '../../events/common.ts';
import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { formatDuration } from '../domain/duration.ts';
import type { Run } from '../domain/run.ts';
import { endedByDecision } from './render-operator-reply.ts';
import { canaryLines, linkPieces, type RenderContext } from './render-parts.ts';
import { shortRunId } from './run-links.ts';
import { context, type SlackMessage, section } from './slack-blocks.ts';
import { escapeMrkdwn, mention } from './slack-text.ts';
import { STAGE_LABEL } from './stage-facts.ts';

const MAX_TESTS_SHOWN = 10;

export interface FailureReplyContext extends RenderContext {
  /** `pipeline.notifications.slack.mentionOnFailure`: a user group id or handle. */
  mentionOnFailure?: string;
}

/**
 * The thread reply for a failure, rollback or timeout: what happened and why — the failing phase
 * and its reason, the failing tests, the canary's reasons per metric, the timeout — with an
 * optional mention of the on-call group. For `Run Finished` it sums up every stage that failed.
 * A run that ended by someone's decision (rejected at the gate, cancelled) mentions nobody: a
 * deliberate decision is not an incident.
 */
export function renderFailureReply(run: Run, event: PipelineEvent, ctx: FailureReplyContext): SlackMessage {
  const details = detailsOf(run, event);
  const who = endedByDecision(run) ? undefined : mention(ctx.mentionOnFailure);
  const blocks: KnownBlock[] = [section(`${who ? `${who} ` : ''}${details.headline}`)];
  for (const text of details.sections) blocks.push(section(text));
  const links = linkPieces(run, ctx);
  if (links.length) blocks.push(context([links.join('  ·  ')]));
  const plain = details.headline.replace(/[*`]/g, '').replace(/^:[a-z_]+: /, '');
  return { text: `${run.pipeline} #${shortRunId(run.id)}: ${plain}`, blocks };
}

interface Details {
  headline: string;
  sections: string[];
}

function detailsOf(run: Run, event: PipelineEvent): Details {
  switch (event.detailType) {
    case 'Build Failed': {
      const { phase, reason, failingTests, status } = event.detail.data;
      const where = phase ? ` in phase \`${escapeMrkdwn(phase)}\`` : '';
      return {
        headline: `:x: *Build failed*${where} (${status}): ${escapeMrkdwn(reason)}`,
        sections: testSections(failingTests),
      };
    }
    case 'Staging Failed': {
      const { reason, errorCode } = event.detail.data;
      const code = errorCode ? ` (\`${escapeMrkdwn(errorCode)}\`)` : '';
      return { headline: `:x: *Staging deployment failed*${code}: ${escapeMrkdwn(reason)}`, sections: [] };
    }
    case 'Canary Unhealthy': {
      const verdict = canaryLines(event.detail.data.verdict, run.canary?.trafficPercent);
      return {
        headline: ':x: *Canary unhealthy*: production traffic goes back to the previous release',
        sections: verdict ? [verdict] : [],
      };
    }
    case 'Rolled Back':
      return {
        headline: `:rewind: *Rolled back* ${event.detail.stage}: ${escapeMrkdwn(event.detail.data.reason)}`,
        sections: [],
      };
    case 'Stage Timed Out': {
      const { timeoutSeconds, stopped } = event.detail.data;
      const stop = stopped ? ` Stopped \`${escapeMrkdwn(stopped)}\`.` : '';
      return {
        headline: `:alarm_clock: *${STAGE_LABEL[event.detail.stage]} timed out*: no progress within ${formatDuration(timeoutSeconds)}.${stop}`,
        sections: [],
      };
    }
    default:
      return summary(run);
  }
}

/** For `Run Finished`: every stage that failed or timed out, with what the run knows about it. */
function summary(run: Run): Details {
  const reason = run.reason ? `: ${escapeMrkdwn(run.reason)}` : '';
  const words =
    run.status === 'rolled_back' ? 'Rolled back' : run.status === 'timed_out' ? 'Timed out' : 'Failed';
  const sections: string[] = [];
  for (const stage of STAGES) {
    const state = run.stages[stage];
    if (state.status !== 'failed' && state.status !== 'timed_out') continue;
    const why = state.reason ? `: ${escapeMrkdwn(state.reason)}` : '';
    const phase =
      stage === 'build' && run.build?.phase ? ` in phase \`${escapeMrkdwn(run.build.phase)}\`` : '';
    const status = state.status === 'timed_out' ? 'timed out' : 'failed';
    sections.push(`*${STAGE_LABEL[stage]} ${status}*${phase}${why}`);
    if (stage === 'build') sections.push(...testSections(run.build?.failingTests ?? []));
    if (stage === 'canary') {
      const verdict = canaryLines(run.canary?.verdict, run.canary?.trafficPercent);
      if (verdict) sections.push(verdict);
    }
  }
  return { headline: `:x: *${words}*${reason}`, sections };
}

function testSections(failingTests: readonly string[]): string[] {
  if (failingTests.length === 0) return [];
  const shown = failingTests.slice(0, MAX_TESTS_SHOWN).map((name) => `• \`${escapeMrkdwn(name)}\``);
  const more = failingTests.length - shown.length;
  if (more > 0) shown.push(`…and ${more} more`);
  return [`*Failing tests (${failingTests.length})*\n${shown.join('\n')}`];
}
