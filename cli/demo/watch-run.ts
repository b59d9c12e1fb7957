import type { Stage } from '../../events/common.ts';
import { formatDuration } from '../../shared/domain/duration.ts';
import { isTerminal, type Run, type StageState, visibleStages } from '../../shared/domain/run.ts';
import type { RunStore } from '../../shared/ports/run-store.ts';

const ICONS: Record<StageState['status'], string> = {
  pending: '·',
  running: '●',
  succeeded: '✔',
  failed: '✖',
  skipped: '↷',
  timed_out: '⏱',
};

function seconds(state: StageState, now: number): number | undefined {
  if (!state.startedAt) return undefined;
  const end = state.finishedAt ? Date.parse(state.finishedAt) : now;
  return Math.max(0, (end - Date.parse(state.startedAt)) / 1000);
}

/** What a stage's line says besides its status: test counts, the canary's verdict, the failure. */
function stageDetail(run: Run, stage: Stage): string {
  const state = run.stages[stage];
  if (stage === 'source')
    return `${run.source.branch ?? run.source.tag} ${run.source.commit.slice(0, 7)} "${run.source.message.split('\n')[0]}"`;
  if (stage === 'build' && run.build?.tests) {
    const t = run.build.tests;
    // A failing test reads `name — first line of its message`; the name is what a person looks for.
    const names = run.build.failingTests?.map((test) => test.split(' — ')[0]) ?? [];
    const failing = names.length ? ` — failing: ${names.join('; ')}` : '';
    return `${t.passed}/${t.total} tests passed${failing}`;
  }
  if (stage === 'build' && state.status === 'failed') return state.reason ?? '';
  if (stage === 'staging' && run.staging?.url) return run.staging.url;
  if (stage === 'canary' && run.canary) {
    const verdict = run.canary.verdict ? ` — ${run.canary.verdict.result}: ${run.canary.verdict.reason}` : '';
    return `${run.canary.trafficPercent}% of traffic${verdict}`;
  }
  return state.reason ?? '';
}

export function formatStageLine(run: Run, stage: Stage, now = Date.now()): string {
  const state = run.stages[stage];
  const secs = seconds(state, now);
  const time = secs === undefined ? '' : secs < 10 ? `${secs.toFixed(1)}s` : formatDuration(secs);
  return `  ${ICONS[state.status]} ${stage.padEnd(10)} ${state.status.padEnd(9)} ${time.padStart(6)}  ${stageDetail(run, stage)}`.trimEnd();
}

/**
 * Follows a run in the terminal: one line per stage as it starts and as it ends (on a terminal,
 * the running stage's line ticks in place). Resolves with the finished run.
 */
export async function watchRun(
  store: RunStore,
  runId: string,
  options: { out?: NodeJS.WriteStream; timeoutMs?: number; onChange?: (run: Run) => void } = {},
): Promise<Run> {
  const out = options.out ?? process.stdout;
  const live = Boolean(out.isTTY);
  const printed = new Map<Stage, string>();
  const deadline = Date.now() + (options.timeoutMs ?? 5 * 60_000);
  let ticking: Stage | undefined;
  for (;;) {
    const stored = await store.get(runId);
    if (!stored) throw new Error(`run ${runId} does not exist`);
    const run = stored.run;
    options.onChange?.(run);
    for (const stage of visibleStages(run)) {
      const status = run.stages[stage].status;
      if (status === 'pending') continue;
      const line = formatStageLine(run, stage);
      if (printed.get(stage) === status) {
        if (ticking === stage) out.write(`\r\x1b[2K${line}`);
        continue;
      }
      if (ticking === stage) out.write('\r\x1b[2K');
      else if (ticking) out.write('\n');
      ticking = undefined;
      if (status === 'running' && live) {
        out.write(line);
        ticking = stage;
      } else out.write(`${line}\n`);
      printed.set(stage, status);
    }
    if (isTerminal(run)) {
      if (ticking) out.write('\n');
      return run;
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish in time (still ${run.status})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits for the run a push of `commit` started (the hook posts it; the server records it). */
export async function findRunOf(
  store: RunStore,
  pipeline: string,
  commit: string,
  timeoutMs = 20_000,
): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { runs } = await store.list({ pipeline, limit: 20 });
    const run = runs.find((r) => r.source.commit === commit);
    if (run) return run;
    if (Date.now() > deadline)
      throw new Error(`no run started for commit ${commit.slice(0, 7)} within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
