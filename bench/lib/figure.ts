/**
 * The shape every figure of `npm run bench` has: what it measured, against which baseline measured
 * in the same run, the ratio, the goal and whether it is met. `bench/run.ts` prints them as one
 * table and writes them to `bench/results.json`; BENCHMARKS.md explains each.
 */
export interface FigureResult {
  /** `3a`, `3b`…: the figure's number in issue #13 and BENCHMARKS.md, and a letter per row. */
  id: string;
  name: string;
  value: string;
  baseline: string;
  /** Pushline ÷ baseline, in the direction the goal states it (null: no ratio for this row). */
  ratio: number | null;
  goal: string;
  /** null: the row reports a figure without a goal. */
  pass: boolean | null;
  /** Raw numbers behind the row, for results.json. */
  detail?: Record<string, unknown>;
}

export interface BenchOptions {
  /** `--quick`: fewer and shorter rounds, smaller counts — under a minute for the whole suite. */
  quick: boolean;
  /** Interleaved rounds per figure (medians are taken over them). */
  rounds: number;
  /** Seconds of load per measurement. */
  seconds: number;
  /** Multiplies every count (pushes, runs): the smoke test runs the suite at a tiny scale. */
  scale: number;
  /** Progress lines go here (stderr by default); the table goes to stdout. */
  log: (line: string) => void;
}

export interface Figure {
  /** The figure's number in issue #13 and BENCHMARKS.md. */
  id: number;
  name: string;
  run(options: BenchOptions): Promise<FigureResult[]>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The `p`-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Runs `measure` for every variant, round by round (round 1 of each, then round 2 of each…), so a
 * machine that gets busier or quieter during the bench moves every variant alike. `warmUp` runs
 * first, once per variant, untimed (JIT, connection pools, page cache).
 */
export async function interleaved<K extends string, T>(
  rounds: number,
  variants: readonly K[],
  measure: (variant: K, round: number) => Promise<T>,
  warmUp?: (variant: K) => Promise<unknown>,
): Promise<Record<K, T[]>> {
  if (warmUp) for (const variant of variants) await warmUp(variant);
  const results = Object.fromEntries(variants.map((v) => [v, [] as T[]])) as unknown as Record<K, T[]>;
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) results[variant].push(await measure(variant, round));
  }
  return results;
}

export const fmt = {
  n: (value: number, digits = 0) =>
    Number.isFinite(value)
      ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
      : 'n/a',
  ratio: (value: number | null) => (value === null || !Number.isFinite(value) ? '' : `${value.toFixed(2)}×`),
};
