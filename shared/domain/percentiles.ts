/**
 * Order statistics shared by the proxy metrics and the canary judge. Pure maths, no I/O.
 */

/**
 * The `p`-th percentile (0–100) of `values` by linear interpolation between the closest ranks
 * (numpy's default, Hyndman & Fan type 7). `undefined` for an empty sample — never an invented 0.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const weight = position - lower;
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * weight;
}

/** The arithmetic mean of `values`; `undefined` for an empty sample. */
export function mean(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
