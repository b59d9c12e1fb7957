import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ValidationError } from '../../../../shared/domain/errors.ts';
import { erfc, exactDistribution, mannWhitneyU, normalSf } from '../../../../shared/domain/mann-whitney.ts';

// Reference values below come from scipy 1.17 (scipy.stats.mannwhitneyu, scipy.special.erfc) and
// from the textbook example of Hollander & Wolfe (1973, p. 69), also R's `wilcox.test` example.

/** U of x against y by counting pairs: the definition, with no ranking involved. */
function countU(x: number[], y: number[]): number {
  let u = 0;
  for (const a of x) for (const b of y) u += a > b ? 1 : a === b ? 0.5 : 0;
  return u;
}

/** Null distribution of U by enumerating every way to pick which m of m+n ranks belong to x. */
function enumerateDistribution(m: number, n: number): number[] {
  const counts = new Array<number>(m * n + 1).fill(0);
  let total = 0;
  const choose = (start: number, picked: number[]): void => {
    if (picked.length === m) {
      const others = [...Array(m + n).keys()].filter((r) => !picked.includes(r));
      counts[countU(picked, others)]! += 1;
      total += 1;
      return;
    }
    for (let r = start; r < m + n; r++) choose(r + 1, [...picked, r]);
  };
  choose(0, []);
  return counts.map((c) => c / total);
}

describe('mannWhitneyU', () => {
  it('matches the scipy documentation example, exactly and asymptotically', () => {
    // Prepare
    const males = [19, 22, 16, 29, 24];
    const females = [20, 11, 17, 12];
    // Act
    const exact = mannWhitneyU(males, females);
    const asymptotic = mannWhitneyU(males, females, { method: 'asymptotic' });
    // Assess
    expect(exact).toMatchObject({ u1: 17, u2: 3, method: 'exact' });
    expect(exact.pValue).toBeCloseTo(0.1111111111111111, 12);
    expect(asymptotic.pValue).toBeCloseTo(0.11134688653314041, 12);
  });

  it('matches the Hollander & Wolfe textbook example (W = 35, one-sided p = 0.1272)', () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];

    const greater = mannWhitneyU(x, y, { alternative: 'greater' });

    expect(greater.u1).toBe(35);
    expect(greater.pValue).toBeCloseTo(0.1272061272061272, 12);
    expect(mannWhitneyU(x, y, { alternative: 'less' }).pValue).toBeCloseTo(0.8967698967698967, 12);
    expect(mannWhitneyU(x, y).pValue).toBeCloseTo(0.2544122544122544, 12);
  });

  it.each([
    ['two-sided', 0.43724915689691435],
    ['greater', 0.7963449631177015],
    ['less', 0.21862457844845717],
  ] as const)('applies the tie and continuity corrections like scipy (%s)', (alternative, expected) => {
    const a = [1, 2, 2, 3, 3, 3, 4, 5, 9, 10, 11, 12];
    const b = [2, 3, 3, 4, 4, 5, 6, 6, 7, 8, 8, 8, 8, 20];

    const result = mannWhitneyU(a, b, { alternative });

    expect(result).toMatchObject({ u1: 68.5, method: 'asymptotic' });
    expect(result.pValue).toBeCloseTo(expected, 12);
  });

  it.each([
    ['two-sided', 0.004345547523260457],
    ['greater', 0.0021727737616302283],
    ['less', 0.9982629507073848],
  ] as const)(
    'uses the normal approximation like scipy when both samples exceed 8 (%s)',
    (alternative, expected) => {
      const a = [12.1, 14.3, 9.8, 15.2, 13.3, 11.9, 16.4, 10.2, 14.8, 13.9, 12.7];
      const b = [10.5, 9.1, 11.3, 8.7, 12.2, 9.9, 10.8, 11.1, 7.9, 10.1];

      const result = mannWhitneyU(a, b, { alternative });

      expect(result).toMatchObject({ u1: 96, method: 'asymptotic' });
      expect(result.pValue).toBeCloseTo(expected, 12);
    },
  );

  it('uses the exact distribution like scipy when one sample is small and the other large', () => {
    const c = [3.1, 2.2, 5.9];
    const d = Array.from({ length: 40 }, (_, i) => Math.round((0.05 + (i * 4.9) / 39) * 1000) / 1000);

    expect(mannWhitneyU(c, d, { alternative: 'greater' })).toMatchObject({ u1: 83, method: 'exact' });
    expect(mannWhitneyU(c, d, { alternative: 'greater' }).pValue).toBeCloseTo(0.14917753828701075, 12);
    expect(mannWhitneyU(c, d).pValue).toBeCloseTo(0.2983550765740215, 12);
  });

  it('gives p = 1 when every value is the same (no evidence either way)', () => {
    expect(mannWhitneyU([5, 5, 5, 5, 5, 5, 5, 5, 5, 5], [5, 5, 5, 5, 5, 5, 5, 5, 5]).pValue).toBe(1);
  });

  it('refuses an empty or non-finite sample with a message saying why', () => {
    expect(() => mannWhitneyU([], [1])).toThrow(ValidationError);
    expect(() => mannWhitneyU([1, Number.NaN], [1])).toThrow(/finite/);
  });

  it('computes U as the number of pairs where x wins, ties counting one half', () => {
    fc.assert(
      fc.property(sample(), sample(), (x, y) => {
        const { u1, u2 } = mannWhitneyU(x, y);
        expect(u1).toBeCloseTo(countU(x, y), 9);
        expect(u1 + u2).toBeCloseTo(x.length * y.length, 9);
      }),
    );
  });

  it('returns p-values in [0, 1] that are symmetric in the two samples', () => {
    fc.assert(
      fc.property(sample(), sample(), (x, y) => {
        const twoSided = mannWhitneyU(x, y).pValue;
        expect(twoSided).toBeGreaterThanOrEqual(0);
        expect(twoSided).toBeLessThanOrEqual(1);
        expect(mannWhitneyU(y, x).pValue).toBeCloseTo(twoSided, 12);
        const greater = mannWhitneyU(x, y, { alternative: 'greater' }).pValue;
        expect(greater).toBeGreaterThanOrEqual(0);
        expect(greater).toBeLessThanOrEqual(1);
        expect(mannWhitneyU(y, x, { alternative: 'less' }).pValue).toBeCloseTo(greater, 12);
      }),
    );
  });
});

describe('exactDistribution', () => {
  it.each([
    [1, 1],
    [2, 3],
    [4, 4],
    [3, 6],
    [5, 2],
  ])('equals the enumerated null distribution of U for sizes %p and %p', (m, n) => {
    const expected = enumerateDistribution(m, n);
    const actual = exactDistribution(m, n);
    expect(actual).toHaveLength(expected.length);
    actual.forEach((p, k) => {
      expect(p).toBeCloseTo(expected[k]!, 12);
    });
  });
});

describe('erfc', () => {
  it.each([
    [0, 1],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028516],
    [2.49, 0.00042928786773391303],
    [2.51, 0.0003857054817242799],
    [5, 1.5374597944280347e-12],
    [-1, 1.8427007929497148],
  ])('erfc(%p) matches scipy to 12 significant digits', (x, expected) => {
    expect(Math.abs(erfc(x) - expected) / expected).toBeLessThan(1e-12);
  });

  it('gives the normal tail P(Z > 1.96) ≈ 0.025', () => {
    expect(normalSf(1.96)).toBeCloseTo(0.024997895148220435, 14);
  });
});

function sample(): fc.Arbitrary<number[]> {
  // Small integers make ties common; some long samples take the asymptotic path.
  return fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.double({ min: -1e3, max: 1e3, noNaN: true })), {
    minLength: 1,
    maxLength: 30,
  });
}
