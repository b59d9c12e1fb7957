import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { ConcurrencyError, NotFoundError } from '../domain/errors.ts';
import type { Run } from '../domain/run.ts';
import type { AppendResult, RunStore } from '../ports/run-store.ts';

/**
 * Reads a run, asks `decide` which events to append, and appends them with optimistic
 * concurrency. When another handler appended first (`ConcurrencyError`), it re-reads the run and
 * decides again — the decision may well be different now (the other handler may have ended the
 * run). `decide` returns `[]` to append nothing.
 *
 *   handler A: read v3 ─ decide ─ append(v3) ✓ → v4
 *   handler B: read v3 ─ decide ─ append(v3) ✗ ConcurrencyError ─ read v4 ─ decide again ─ append(v4)
 */
export async function recordEvents(
  store: RunStore,
  runId: string,
  decide: (run: Run) => PipelineEvent[] | Promise<PipelineEvent[]>,
  { attempts = 5 }: { attempts?: number } = {},
): Promise<AppendResult | undefined> {
  for (let attempt = 1; ; attempt++) {
    const stored = await store.get(runId);
    if (!stored) throw new NotFoundError(`run ${runId} does not exist`, { runId });
    const events = await decide(stored.run);
    if (events.length === 0) return undefined;
    try {
      return await store.append(runId, stored.version, events);
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= attempts) throw error;
    }
  }
}
