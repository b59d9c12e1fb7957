import type { CanaryVerdict } from '../../events/common.ts';
import { formatDuration } from '../domain/duration.ts';
import { type Run, visibleStages } from '../domain/run.ts';
import { commitUrl, firstLine, refLabel, runUrl, shortRunId, shortSha } from './run-links.ts';
import { escapeMrkdwn, mrkdwnLink } from './slack-text.ts';
import {
  METRIC_ICON,
  runDuration,
  runHeadline,
  SLACK_RUN_ICON,
  SLACK_STAGE_ICON,
  STAGE_LABEL,
  stageSeconds,
  testSummary,
} from './stage-facts.ts';

/** What every renderer needs beyond the run: where the dashboard is, and the time (for running stages). */
export interface RenderContext {
  /** Base URL of the dashboard, e.g. `http://localhost:8787`; the run links to `<base>/runs/<id>`. */
  dashboardUrl?: string;
  now: Date;
}

/** `:white_check_mark: *web* <…|#01JD…Q7ZK> · *Deployed to production* in 6m 3s` */
export function headerLine(run: Run, ctx: RenderContext): string {
  const id = mrkdwnLink(runUrl(ctx.dashboardUrl, run.id), `#${shortRunId(run.id)}`);
  const took = run.status === 'running' ? '' : ` in ${runDuration(run, ctx.now)}`;
  const trigger = run.trigger === 'push' ? '' : ` (${run.trigger})`;
  return `${SLACK_RUN_ICON[run.status]} *${escapeMrkdwn(run.pipeline)}* ${id} · *${runHeadline(run)}*${took}${trigger}`;
}

/** "`main` · <commit|`1a2b3c4`> Fix login redirect · Ada Lovelace" */
export function commitLine(run: Run): string {
  const { source } = run;
  const sha = mrkdwnLink(commitUrl(source), shortSha(source.commit));
  const message = escapeMrkdwn(firstLine(source.message)) || '_(no message)_';
  return `\`${escapeMrkdwn(refLabel(source))}\` · ${sha} ${message} · ${escapeMrkdwn(source.author)}`;
}

/** One piece per stage: icon, name and duration. */
export function stagePieces(run: Run, ctx: RenderContext): string[] {
  return visibleStages(run).map((stage) => {
    const state = run.stages[stage];
    // A stage that failed without running (production, when the canary rolled back) took no time worth showing.
    const seconds = stageSeconds(state, ctx.now);
    const took = seconds !== undefined && seconds >= 1 ? formatDuration(seconds) : undefined;
    return `${SLACK_STAGE_ICON[state.status]} ${STAGE_LABEL[stage]}${took ? ` ${took}` : ''}`;
  });
}

/** `:test_tube: Tests: 18 passed · 1 failed`, or undefined before the build reported tests. */
export function testsLine(run: Run): string | undefined {
  const tests = run.build?.tests;
  return tests ? `:test_tube: Tests: ${testSummary(tests)} (${tests.total} total)` : undefined;
}

/** The canary verdict with one line per metric, or undefined before a verdict. */
export function canaryLines(verdict: CanaryVerdict | undefined, trafficPercent?: number): string | undefined {
  if (!verdict) return undefined;
  // Failing metrics first: they are the reason people open the message.
  const order = { fail: 0, nodata: 1, pass: 2 } as const;
  const metrics = [...verdict.metrics]
    .sort((a, b) => order[a.result] - order[b.result])
    .map((m) => `${METRIC_ICON[m.result]} \`${escapeMrkdwn(m.metric)}\` ${escapeMrkdwn(m.reason)}`);
  const alarms = verdict.alarms
    .filter((a) => a.state === 'ALARM')
    .map((a) => `:rotating_light: alarm \`${escapeMrkdwn(a.name)}\` in ALARM`);
  const traffic = trafficPercent === undefined ? '' : ` at ${trafficPercent}% traffic`;
  return [
    `*Canary ${verdict.result}*${traffic}: ${escapeMrkdwn(verdict.reason)}`,
    ...metrics,
    ...alarms,
  ].join('\n');
}

/** Links to the build log, the deployments and the run in the dashboard (those that exist). */
export function linkPieces(run: Run, ctx: RenderContext): string[] {
  const links: string[] = [];
  if (run.build?.logUrl) links.push(mrkdwnLink(run.build.logUrl, 'Build log'));
  if (run.staging?.url) links.push(mrkdwnLink(run.staging.url, 'Staging'));
  if (run.production?.url) links.push(mrkdwnLink(run.production.url, 'Production'));
  const dashboard = runUrl(ctx.dashboardUrl, run.id);
  if (dashboard) links.push(mrkdwnLink(dashboard, 'Run in dashboard'));
  return links;
}

/** The `text` fallback: what a phone notification or a screen reader shows. */
export function fallbackText(run: Run): string {
  // Slack formats `text` as mrkdwn too: a commit message's `<` or `&` must be escaped here as well.
  return escapeMrkdwn(
    `${run.pipeline} #${shortRunId(run.id)} ${runHeadline(run).toLowerCase()}: ${pushLabel(run)}`,
  );
}

/** `main 1a2b3c4 Fix login redirect (Ada Lovelace)`, plain text. */
export function pushLabel(run: Run): string {
  const { source } = run;
  return `${refLabel(source)} ${shortSha(source.commit)} ${firstLine(source.message)} (${source.author})`;
}
