import type { Run } from '../domain/run.ts';
import type { RunStore } from '../ports/run-store.ts';

/**
 * Every run that is still running, whole — of one pipeline, or of all (every page of the store's
 * list). For the periodic rounds (watchdog, recovery); a decision on a run's path reads the
 * active-run index instead (`rivals.ts`).
 */
export async function runningRuns(store: RunStore, pipeline?: string): Promise<Run[]> {
  const runs: Run[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({
      ...(pipeline ? { pipeline } : {}),
      status: ['running'],
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    runs.push(...page.runs);
    cursor = page.cursor;
  } while (cursor);
  return runs;
}

/** Every run that is still running, of any pipeline. */
export function allRunningRuns(store: RunStore): Promise<Run[]> {
  return runningRuns(store);
}
