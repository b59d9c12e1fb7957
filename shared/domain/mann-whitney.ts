import { ValidationError } from './errors.ts';

/**
 * The Mann-Whitney U test (Wilcoxon rank-sum), as the canary judge uses it to ask "is the canary's
 * sample worse than the baseline's?". Pure maths, no I/O. It follows scipy.stats.mannwhitneyu
 * (scipy >= 1.7) so that its numbers can be checked against scipy and the textbooks:
 *
 * - `u1` is the U statistic of `x` (pairs with x > y, ties count one half); `u2 = n1·n2 − u1`.
 * - `alternative: 'greater'` asks whether x tends to be larger than y, `'less'` smaller.
 * - `method: 'auto'` uses the exact null distribution when there are no ties and the smaller
 *   sample has at most 8 values (and n1·n2 ≤ 2500, which keeps it fast), otherwise the normal
 *   approximation with the tie correction and the continuity correction (±0.5).
 * - When every value in both samples is equal, there is no evidence either way: p = 1.
 */

export const Alternative = { TwoSided: 'two-sided', Greater: 'greater', Less: 'less' } as const;
export type Alternative = (typeof Alternative)[keyof typeof Alternative];

export const UTestMethod = { Auto: 'auto', Exact: 'exact', Asymptotic: 'asymptotic' } as const;
export type UTestMethod = (typeof UTestMethod)[keyof typeof UTestMethod];

export interface MannWhitneyResult {
  u1: number;
  u2: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
  /** The standard score of the normal approximation (asymptotic method only). */
  z?: number;
}

/** Above this n1·n2 the exact distribution is not computed (it costs O(min(n)·n1·n2·max(n))). */
const EXACT_MAX_CELLS = 2500;
const EXACT_MAX_SMALLER = 8;

/**
 * Runs the Mann-Whitney U test of `x` against `y`. Both samples must be non-empty and finite
 * (the caller drops missing values first); `method: 'exact'` with ties falls back to the normal
 * approximation, because the exact distribution assumes no ties.
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  options: { alternative?: Alternative; method?: UTestMethod } = {},
): MannWhitneyResult {
  const { alternative = 'two-sided', method = 'auto' } = options;
  if (x.length === 0 || y.length === 0) {
    throw new ValidationError('mannWhitneyU needs two non-empty samples', { n1: x.length, n2: y.length });
  }
  if (![...x, ...y].every(Number.isFinite)) {
    throw new ValidationError('mannWhitneyU needs finite values (drop missing ones first)');
  }
  const n1 = x.length;
  const n2 = y.length;
  const { ranks, tieTerm } = rank([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i]!;
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;

  const exactPossible = tieTerm === 0 && Math.min(n1, n2) <= EXACT_MAX_SMALLER && n1 * n2 <= EXACT_MAX_CELLS;
  const useExact = method === 'exact' ? tieTerm === 0 : method === 'auto' && exactPossible;
  if (useExact) return { u1, u2, pValue: exactPValue(u1, u2, n1, n2, alternative), method: 'exact' };

  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (!(sigma > 0)) return { u1, u2, pValue: 1, method: 'asymptotic', z: 0 };
  // The statistic in the direction asked about; two-sided looks at the larger of the two.
  const u = alternative === 'greater' ? u1 : alternative === 'less' ? u2 : Math.max(u1, u2);
  const z = (u - mu - 0.5) / sigma;
  const p = (alternative === 'two-sided' ? 2 : 1) * normalSf(z);
  return { u1, u2, pValue: clamp01(p), method: 'asymptotic', z };
}

/** Mid-ranks (1-based, ties share their average rank) and Σ(t³ − t) over the groups of ties. */
function rank(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Array<number>(values.length);
  let tieTerm = 0;
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const t = end - start;
    const midRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!] = midRank;
    tieTerm += t * t * t - t;
    start = end;
  }
  return { ranks, tieTerm };
}

function exactPValue(u1: number, u2: number, n1: number, n2: number, alternative: Alternative): number {
  const pmf = exactDistribution(n1, n2);
  // P(U ≥ k); U1 and U2 share one null distribution, symmetric about n1·n2/2.
  const sf = (k: number): number => {
    let sum = 0;
    for (let i = Math.max(0, Math.ceil(k)); i < pmf.length; i++) sum += pmf[i]!;
    return sum;
  };
  if (alternative === 'greater') return clamp01(sf(u1));
  if (alternative === 'less') return clamp01(sf(u2));
  return clamp01(2 * sf(Math.max(u1, u2)));
}

/**
 * The null distribution of U for sample sizes m and n, as probabilities. Recurrence on the largest
 * value of the pooled sample: it belongs to the first sample with probability i/(i+j), and then
 * adds j to U. A convex combination at every step, so no cancellation in floating point.
 */
export function exactDistribution(m: number, n: number): number[] {
  const small = Math.min(m, n);
  const large = Math.max(m, n);
  // rows[i] = distribution for (i, j) at the current j; start at j = 0, where U is always 0.
  let rows: number[][] = Array.from({ length: small + 1 }, () => [1]);
  for (let j = 1; j <= large; j++) {
    const next: number[][] = [[1]];
    for (let i = 1; i <= small; i++) {
      const out = new Array<number>(i * j + 1).fill(0);
      const withX = next[i - 1]!; // (i−1, j): the largest value is from the first sample, adds j
      const withY = rows[i]!; // (i, j−1): the largest value is from the second sample, adds 0
      const a = i / (i + j);
      for (let k = 0; k < withX.length; k++) out[k + j]! += a * withX[k]!;
      for (let k = 0; k < withY.length; k++) out[k]! += (1 - a) * withY[k]!;
      next.push(out);
    }
    rows = next;
  }
  return rows[small]!;
}

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * The complementary error function to about 1e-14: a positive-term series for |x| < 2.5 and
 * Lentz's continued fraction beyond it (so the tail keeps its relative precision).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    // erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  if (x > 27) return 0;
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

function clamp01(p: number): number {
  return Math.min(1, Math.max(0, p));
}
