import { performance } from 'node:perf_hooks';
import { newEvent, newId } from '../../shared/app/new-event.ts';
import { encodeCursor } from '../../shared/local/sqlite-rows.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { startBenchApp } from '../lib/bench-app.ts';
import { type BenchOptions, type Figure, type FigureResult, fmt, median, percentile } from '../lib/figure.ts';
import { push } from './choreography.ts';

const PIPELINES = 20;
const READS = ['first page', 'filtered', 'deep cursor', 'one run'] as const;
type Read = (typeof READS)[number];

/** `runs` finished runs over 20 pipelines, written through the store (500 per transaction to start). */
async function populate(
  app: Awaited<ReturnType<typeof startBenchApp>>['app'],
  runs: number,
): Promise<string[]> {
  await app.outbox.stop(); // stored, not run: the reads are what is measured
  const ids: string[] = [];
  for (let first = 0; first < runs; first += 500) {
    const events = Array.from({ length: Math.min(500, runs - first) }, (_, i) => {
      const n = first + i;
      const pipeline = `p${n % PIPELINES}`;
      return {
        detailType: 'Run Started' as const,
        detail: {
          version: 1 as const,
          eventId: newId(systemClock),
          runId: newId(systemClock),
          pipeline,
          at: new Date().toISOString(),
          attempt: 1,
          source: push(`bench/repo-${n % PIPELINES}`, n + 1),
          stage: 'source' as const,
          data: { trigger: 'push' as const },
        },
      };
    });
    const { runIds } = await app.store.startRuns({ provider: 'github', id: `batch-${first}` }, events);
    for (const [i, runId] of runIds.entries()) {
      const { run } = (await app.store.get(runId))!;
      const outcome = (first + i) % 7 === 0 ? 'failed' : 'succeeded';
      await app.store.append(runId, 1, [
        newEvent('Run Finished', run, 'build', { outcome, reason: 'bench' }, systemClock),
      ]);
    }
    ids.push(...runIds);
  }
  return ids;
}

/** p99 (and p50) in ms of `count` sequential GETs of each read, through the local API over HTTP. */
async function measure(runs: number, count: number): Promise<Record<Read, { p50: number; p99: number }>> {
  const bench = await startBenchApp(
    Array.from({ length: PIPELINES }, (_, i) => ({ name: `p${i}`, repo: `bench/repo-${i}` })),
  );
  try {
    const ids = await populate(bench.app, runs);
    const sorted = [...ids].sort();
    const paths: Record<Read, () => string> = {
      'first page': () => '/api/runs',
      // a page of 20 at both sizes: the same work on a bigger table
      filtered: () => '/api/runs?pipeline=p7&status=succeeded&limit=20',
      'deep cursor': () => `/api/runs?cursor=${encodeCursor(sorted[Math.floor(sorted.length / 2)]!)}`,
      'one run': () => `/api/runs/${ids[Math.floor(Math.random() * ids.length)]}`,
    };
    const result = {} as Record<Read, { p50: number; p99: number }>;
    for (const read of READS) {
      const latencies: number[] = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        const res = await fetch(`${bench.app.url}${paths[read]()}`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${read}: HTTP ${res.status}`);
        latencies.push(performance.now() - t0);
      }
      result[read] = { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
    }
    return result;
  } finally {
    await bench.close();
  }
}

export const apiReadsFigure: Figure = {
  id: 7,
  name: 'API reads at scale',
  async run(options: BenchOptions): Promise<FigureResult[]> {
    const large = Math.max(100, Math.round((options.quick ? 10_000 : 100_000) * options.scale));
    const small = Math.max(10, Math.round(large / (options.quick ? 10 : 100)));
    const count = Math.max(20, Math.round((options.quick ? 100 : 300) * Math.min(1, options.scale * 10)));
    const smalls: Record<Read, { p50: number; p99: number }>[] = [];
    const larges: Record<Read, { p50: number; p99: number }>[] = [];
    const rounds = options.quick ? 1 : 2;
    for (let round = 0; round < rounds; round++) {
      options.log(`  7: ${fmt.n(small)} runs (round ${round + 1})`);
      smalls.push(await measure(small, count));
      options.log(`  7: ${fmt.n(large)} runs (round ${round + 1})`);
      larges.push(await measure(large, count));
    }
    return READS.map((read, i) => {
      const p99Large = median(larges.map((r) => r[read].p99));
      const p99Small = median(smalls.map((r) => r[read].p99));
      const ratio = p99Large / p99Small;
      return {
        id: `7${'abcd'[i]}`,
        name: `API read "${read}" at ${fmt.n(large)} runs: p99`,
        value: `${fmt.n(p99Large, 2)} ms (p50 ${fmt.n(median(larges.map((r) => r[read].p50)), 2)})`,
        baseline: `at ${fmt.n(small)} runs: ${fmt.n(p99Small, 2)} ms`,
        ratio,
        goal: '≤ 1.5×',
        pass: ratio <= 1.5,
        detail: { small: smalls.map((r) => r[read]), large: larges.map((r) => r[read]) },
      };
    });
  },
};
