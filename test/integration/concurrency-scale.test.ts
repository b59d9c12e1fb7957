import { describe, expect, it } from '@jest/globals';
import type { RunSummary } from '../../shared/domain/concurrency.ts';
import type { Run } from '../../shared/domain/run.ts';
import { MemoryRunStore } from '../../shared/local/memory-run-store.ts';
import type { ActiveRunQuery, RunQuery, StoredRun } from '../../shared/ports/run-store.ts';
import { createChoreography } from '../support/choreography.ts';
import { commitOf, pipelineConfig } from '../support/runs.ts';

/** A memory store that counts the runs its reads hand out (a snapshot or a summary: one each). */
class CountingStore extends MemoryRunStore {
  runsRead = 0;

  override async get(runId: string): Promise<StoredRun | undefined> {
    const stored = await super.get(runId);
    if (stored) this.runsRead++;
    return stored;
  }

  override async list(query?: RunQuery): Promise<{ runs: Run[]; cursor?: string }> {
    const page = await super.list(query);
    this.runsRead += page.runs.length;
    return page;
  }

  override async activeRuns(pipeline: string, query?: ActiveRunQuery): Promise<RunSummary[]> {
    const runs = await super.activeRuns(pipeline, query);
    this.runsRead += runs.length;
    return runs;
  }
}

/** `n` pushes at once to one pipeline, every run through to production; the runs read per push. */
async function burst(n: number, concurrency: 'queue' | 'supersede') {
  let store: CountingStore | undefined;
  const flow = createChoreography({
    pipelines: [pipelineConfig({ concurrency })],
    makeStore: (clock) => {
      store = new CountingStore({ clock });
      return store;
    },
  });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await flow.push('web', commitOf(i + 1)));
  await flow.settle(n * 40);
  const statuses = await Promise.all(ids.map(async (id) => (await flow.run(id)).status));
  return { perPush: store!.runsRead / n, statuses, flow, ids };
}

/**
 * The O(n²) of issue #13: every `Run Started` used to list every running run of its pipeline, so a
 * burst of 1,000 pushes read ~500,000 runs. Each decision now reads a bounded slice of the store's
 * active-run index: the runs read per push must not grow with the size of the burst. Counted, not timed.
 */
describe('a burst of pushes costs the store a linear number of reads', () => {
  it('queue: 1,000 queued runs each build in turn, reading a constant number of runs per push', async () => {
    const small = await burst(100, 'queue');
    const large = await burst(1000, 'queue');

    expect(large.statuses.every((s) => s === 'succeeded')).toBe(true);
    const builds = large.flow.dispatched
      .filter((e) => e.detailType === 'Build Started')
      .map((e) => e.detail.runId);
    expect(builds).toEqual(large.ids); // in push order, one at a time
    expect(large.flow.deployer.overlaps).toEqual([]);
    expect(large.perPush).toBeLessThan(small.perPush * 1.2);
    expect(large.perPush).toBeLessThan(50);
  });

  it('supersede: 1,000 pushes at once end with the newest in production, the others superseded', async () => {
    const small = await burst(100, 'supersede');
    const large = await burst(1000, 'supersede');

    expect(large.statuses.at(-1)).toBe('succeeded');
    expect(large.statuses.slice(0, -1).every((s) => s === 'superseded')).toBe(true);
    expect(large.perPush).toBeLessThan(small.perPush * 1.2);
    expect(large.perPush).toBeLessThan(50);
  });
});
