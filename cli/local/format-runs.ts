import { shortRunId } from '../../shared/domain/run-id.ts';
import type { EventView, RunDetail, RunSummary, StageView } from '../../shared/local/api-routes.ts';
import { printable } from '../../shared/notify/printable.ts';

const GLYPH: Record<StageView['status'], string> = {
  succeeded: '✓',
  failed: '✗',
  running: '▶',
  pending: '·',
  skipped: '-',
  timed_out: '⧖',
};

/** `45s`, `3m 20s`, `1h 05m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** How long ago, in the largest whole unit: `12s`, `3m`, `2h`, `4d`. */
export function formatAge(iso: string, now: Date): string {
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length))).join('  ');
  return printable([line(header), ...rows.map(line)].join('\n'), { keepLines: true });
}

/** The `pushline runs` table, newest first. */
export function formatRunTable(runs: readonly RunSummary[], now: Date): string {
  if (runs.length === 0) return 'No runs yet.';
  return table(
    ['RUN', 'PIPELINE', 'BRANCH', 'COMMIT', 'STATUS', 'STAGES', 'AGE'],
    runs.map((run) => [
      shortRunId(run.id),
      run.pipeline,
      run.source.branch ?? (run.source.tag ? `tag ${run.source.tag}` : run.source.ref),
      run.source.commit.slice(0, 7),
      run.status,
      shownStages(run)
        .map((s) => GLYPH[s.status])
        .join(' '),
      formatAge(run.createdAt, now),
    ]),
  );
}

/** Where the gate stands: who may decide, or who decided and what they said. */
function approvalLine(run: RunSummary): string {
  const { approvers, decision } = run.approval!;
  if (!decision) {
    const who = approvers.length > 0 ? approvers.join(', ') : 'anyone';
    return run.status === 'running'
      ? `waiting for ${who} (pushline approve ${shortRunId(run.id)} / pushline reject ${shortRunId(run.id)} --reason …)`
      : `not decided (may decide: ${who})`;
  }
  const said = decision.comment ? `: ${decision.comment}` : '';
  return `${decision.verdict} by ${decision.by} at ${decision.at.slice(11, 19)}${said}`;
}

/** The stages a person is shown: the approval gate only once one was requested (see `visibleStages`). */
function shownStages(run: RunSummary) {
  return run.stages.filter((stage) => stage.name !== 'approval' || run.approval);
}

function eventLine(event: EventView): string {
  const time = event.at.slice(11, 19);
  const tail = event.disposition === 'ignored' ? `ignored: ${event.reason ?? 'no reason given'}` : 'applied';
  return `  ${String(event.seq).padStart(3)}  ${time}  ${event.detailType.padEnd(20)} ${tail}`;
}

/** Whether a URL a run was deployed to still serves that run: yes, or no and why. */
export type UrlState = { serving: true } | { serving: false; why: string };

/** What `show` found out beside the run itself: where its build log is, whether its URLs still serve it. */
export interface RunFacts {
  buildLog?: { path: string; exists: boolean };
  staging?: UrlState;
  production?: UrlState;
}

/** Said when a build read no test results: the usual cause is a buildspec without `reports:`. */
export const NO_TEST_REPORT_HINT =
  'no test report was read: add a `reports:` section to buildspec.yml naming your JUnit XML files (file-format: JUNITXML); see docs/local-builds.md';

/** The `pushline show` page: push, stages, tests, canary verdict, event log (ignored too) and notes. */
export function formatRunDetail(run: RunDetail, facts: RunFacts = {}): string {
  const { source } = run;
  const lines = [
    `Run ${shortRunId(run.id)} (${run.id})  ${run.pipeline}  ${run.status}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ''}  ${formatDuration(run.durationSeconds)}`,
    ...(run.reason ? [`Reason   ${run.reason}`] : []),
    `Push     ${source.repo} ${source.branch ?? source.tag ?? source.ref} @ ${source.commit.slice(0, 7)} by ${source.author}`,
    `         ${JSON.stringify(source.message.split('\n')[0] ?? '')}`,
    '',
    'Stages',
    ...shownStages(run).map((stage) => {
      const duration = stage.durationSeconds === undefined ? '' : formatDuration(stage.durationSeconds);
      const reason = stage.reason ? `  ${stage.reason}` : '';
      return `  ${GLYPH[stage.status]} ${stage.name.padEnd(11)} ${stage.status.padEnd(10)} ${duration.padEnd(8)}${reason}`.trimEnd();
    }),
  ];
  if (run.tests?.total === 0) {
    lines.push('', `Tests    ${NO_TEST_REPORT_HINT}`);
  } else if (run.tests) {
    const t = run.tests;
    lines.push('', `Tests    ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped (${t.total})`);
    if (run.build?.failingTests?.length) lines.push(...run.build.failingTests.map((name) => `  ✗ ${name}`));
  }
  if (run.approval) lines.push('', `Approval ${approvalLine(run)}`);
  const verdict = run.canary?.verdict;
  if (verdict) {
    lines.push('', `Canary   ${verdict.result}: ${verdict.reason}`);
    lines.push(...verdict.metrics.map((m) => `  ${m.result.padEnd(6)} ${m.metric}: ${m.reason}`));
  }
  if (facts.buildLog) {
    const { path, exists } = facts.buildLog;
    lines.push(
      '',
      `Build log  ${path}${exists ? '' : ' (not found: the build ran elsewhere or its folder was removed)'}`,
    );
  }
  const urls = (
    [
      ['Staging', run.staging?.url, facts.staging],
      ['Production', run.production?.url, facts.production],
    ] as const
  ).filter((u) => typeof u[1] === 'string');
  if (urls.length > 0) {
    lines.push(
      '',
      ...urls.map(([name, url, state]) =>
        state && !state.serving
          ? `${name.padEnd(10)} ${url} (no longer serving this run: ${state.why})`
          : `${name.padEnd(10)} ${url}`,
      ),
    );
  }
  lines.push('', 'Events', ...run.events.map(eventLine));
  if (run.notes.length > 0) {
    lines.push('', 'Notes', ...run.notes.map((n) => `  ${n.at.slice(11, 19)}  ${n.kind}: ${n.message}`));
  }
  return printable(lines.join('\n'), { keepLines: true });
}
