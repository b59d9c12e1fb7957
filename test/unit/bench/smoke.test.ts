import { describe, expect, it } from '@jest/globals';
import { FIGURES, runBench, table } from '../../../bench/run.ts';

/**
 * Keeps `npm run bench` from rotting: every figure runs end to end at a tiny scale (a few runs,
 * fractions of a second of load) and reports rows of the right shape. It asserts no timing: the
 * figures are measured by `npm run bench`, never by CI.
 */
describe('npm run bench, at a tiny scale', () => {
  it('runs every figure and reports each row with its baseline, ratio, goal and verdict', async () => {
    const lines: string[] = [];
    const rows = await runBench({
      quick: true,
      rounds: 1,
      seconds: 0.2,
      scale: 0.01,
      log: (l) => lines.push(l),
    });

    const figures = new Set(rows.map((row) => Number.parseInt(row.id, 10)));
    for (const figure of FIGURES) expect(figures.has(figure.id)).toBe(true);
    expect([...figures].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]); // 8 comes with 5's runs
    for (const row of rows) {
      expect(row).toEqual(
        expect.objectContaining({
          id: expect.stringMatching(/^\d[a-z-]*$/),
          name: expect.any(String),
          value: expect.stringMatching(/\d/),
          baseline: expect.any(String),
          goal: expect.any(String),
        }),
      );
      expect(row.pass === null || typeof row.pass === 'boolean').toBe(true);
      if (row.ratio !== null) expect(Number.isFinite(row.ratio) && row.ratio > 0).toBe(true);
    }
    // The choreography lost no run and applied no event twice, whatever its speed.
    const choreography = rows.find((row) => row.id === '5b')!;
    expect(choreography.detail).toMatchObject({ wrongRuns: 0, appliedTwice: 0 });
    expect(table(rows).split('\n')).toHaveLength(rows.length + 2);
    expect(lines.some((l) => l.startsWith('figure 5'))).toBe(true);
  }, 120_000);
});
