import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CanaryVerdict } from '../../../../events/common.ts';
import { judgeCanary } from '../../../../shared/domain/canary-judge.ts';
import { CanaryConfig } from '../../../../shared/domain/pipeline-config.ts';
import type { CanarySamples } from '../../../../shared/ports/metrics-source.ts';

const now = new Date('2025-06-01T12:00:00.000Z');

/** A canary config as a pipeline file would give it (defaults applied by the schema). */
function config(overrides: Record<string, unknown> = {}): CanaryConfig {
  return CanaryConfig.parse({ minRequests: 20, ...overrides });
}

function samples(overrides: Partial<CanarySamples> = {}): CanarySamples {
  return {
    series: [
      { metric: 'error_rate', canary: [0, 0.01, 0], baseline: [0, 0, 0.01] },
      { metric: 'latency_p95', canary: [120, 130, 110], baseline: [125, 115, 120] },
    ],
    canaryRequests: 300,
    baselineRequests: 2700,
    alarms: [],
    ...overrides,
  };
}

describe('judgeCanary', () => {
  it('says healthy when every metric is within its threshold and enough requests came', () => {
    // Act
    const verdict = judgeCanary({ config: config(), samples: samples(), now });
    // Assess
    expect(CanaryVerdict.parse(verdict)).toEqual(verdict);
    expect(verdict).toMatchObject({
      result: 'healthy',
      reason: '2 metrics pass over 300 canary requests',
      requests: 300,
      judgedAt: '2025-06-01T12:00:00.000Z',
    });
    expect(verdict.metrics[0]).toMatchObject({ metric: 'error_rate', result: 'pass', threshold: 0.01 });
    expect(verdict.metrics[0]!.value).toBeCloseTo(0.00333, 5);
  });

  it('says unhealthy with a readable reason when a metric is over its max', () => {
    const verdict = judgeCanary({
      config: config(),
      samples: samples({ series: [{ metric: 'error_rate', canary: [0.1, 0.14, 0.12] }] }),
      now,
    });

    expect(verdict.result).toBe('unhealthy');
    expect(verdict.reason).toBe('error_rate 0.12 > max 0.01');
    expect(verdict.metrics.map((m) => m.result)).toEqual(['fail', 'nodata']);
  });

  it('checks a min threshold too', () => {
    const verdict = judgeCanary({
      config: config({ metrics: [{ name: 'throughput', local: 'requests', min: 10 }] }),
      samples: samples({ series: [{ metric: 'throughput', canary: [3, 4, 2] }] }),
      now,
    });

    expect(verdict).toMatchObject({ result: 'unhealthy', reason: 'throughput 3 < min 10' });
  });

  it('says unhealthy when a configured alarm is in ALARM, whatever the metrics say', () => {
    const verdict = judgeCanary({
      config: config({ alarms: ['api-5xx', 'api-latency'] }),
      samples: samples({ canaryRequests: 0, alarms: [{ name: 'api-5xx', state: 'ALARM' }] }),
      now,
    });

    expect(verdict).toMatchObject({ result: 'unhealthy', reason: 'alarm api-5xx is in ALARM' });
    expect(verdict.alarms).toEqual([
      { name: 'api-5xx', state: 'ALARM' },
      { name: 'api-latency', state: 'INSUFFICIENT_DATA' },
    ]);
  });

  it('ignores an alarm in ALARM that the pipeline does not name', () => {
    const verdict = judgeCanary({
      config: config(),
      samples: samples({ alarms: [{ name: 'someone-elses', state: 'ALARM' }] }),
      now,
    });

    expect(verdict.result).toBe('healthy');
  });

  it('says inconclusive, never healthy, with fewer requests than minRequests', () => {
    const verdict = judgeCanary({ config: config(), samples: samples({ canaryRequests: 5 }), now });

    expect(verdict).toMatchObject({
      result: 'inconclusive',
      reason: 'only 5 requests reached the canary; at least 20 are needed to judge',
    });
  });

  it('says inconclusive when no request reached the canary even with minRequests 0', () => {
    const verdict = judgeCanary({
      config: config({ minRequests: 0, metrics: [] }),
      samples: samples({ canaryRequests: 0 }),
      now,
    });

    expect(verdict).toMatchObject({ result: 'inconclusive', reason: 'no requests reached the canary' });
  });

  it('says inconclusive when a metric has no data and no other metric fails', () => {
    const verdict = judgeCanary({
      config: config(),
      samples: samples({
        series: [
          { metric: 'error_rate', canary: [0, 0] },
          { metric: 'latency_p95', canary: [] },
        ],
      }),
      now,
    });

    expect(verdict).toMatchObject({ result: 'inconclusive', reason: 'no data for latency_p95' });
  });

  it('treats NaN values as gaps rather than data', () => {
    const verdict = judgeCanary({
      config: config(),
      samples: samples({
        series: [
          { metric: 'error_rate', canary: [Number.NaN] },
          { metric: 'latency_p95', canary: [100] },
        ],
      }),
      now,
    });

    expect(verdict.metrics[0]).toEqual({
      metric: 'error_rate',
      result: 'nodata',
      reason: 'no data for error_rate',
    });
  });

  it('says unhealthy when the canary is significantly worse than the baseline', () => {
    const verdict = judgeCanary({
      config: config({
        baseline: { compare: true, alpha: 0.05 },
        metrics: [{ name: 'latency_p95', local: 'latency_p95' }],
      }),
      samples: samples({
        series: [
          {
            metric: 'latency_p95',
            canary: [210, 230, 190, 250, 240, 220, 205, 260, 215, 235],
            baseline: [120, 130, 110, 125, 140, 118, 122, 135, 128, 115],
          },
        ],
      }),
      now,
    });

    expect(verdict.result).toBe('unhealthy');
    expect(verdict.reason).toMatch(/^latency_p95 significantly higher than baseline \(p=\d\.\de-\d+\)$/);
    expect(verdict.metrics[0]!.pValue).toBeLessThan(0.001);
    expect(verdict.metrics[0]!.baseline).toBeCloseTo(124.3, 6);
  });

  it('does not fail a canary that is better than the baseline ("lower" is worse for a success rate)', () => {
    const verdict = judgeCanary({
      config: config({
        baseline: { compare: true, alpha: 0.05 },
        metrics: [{ name: 'success', worseWhen: 'lower' }],
      }),
      samples: samples({
        series: [
          {
            metric: 'success',
            canary: [0.99, 0.995, 1, 0.998, 0.999],
            baseline: [0.9, 0.91, 0.92, 0.9, 0.93],
          },
        ],
      }),
      now,
    });

    expect(verdict.result).toBe('healthy');
    expect(verdict.metrics[0]!.reason).toBe('success not significantly lower than baseline (p=1)');
  });

  it('says nodata for a metric with nothing to compare and no threshold', () => {
    const verdict = judgeCanary({
      config: config({ baseline: { compare: true, alpha: 0.05 }, metrics: [{ name: 'latency_p95' }] }),
      samples: samples({ series: [{ metric: 'latency_p95', canary: [100, 110] }] }),
      now,
    });

    expect(verdict).toMatchObject({
      result: 'inconclusive',
      reason: 'no baseline data to compare latency_p95 with',
    });
  });

  it('never says healthy when no metric has data', () => {
    fc.assert(
      fc.property(arbitraryConfig(), fc.nat(10_000), fc.boolean(), (cfg, canaryRequests, emptyArrays) => {
        const series = emptyArrays
          ? cfg.metrics.map((m) => ({ metric: m.name, canary: [], baseline: [] }))
          : [];
        const verdict = judgeCanary({ config: cfg, samples: { series, canaryRequests, alarms: [] }, now });
        expect(verdict.result).not.toBe('healthy');
      }),
    );
  });

  it('never says unhealthy because of the comparison when canary and baseline are identical', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.constantFrom('higher', 'lower'),
        (values, alpha, worseWhen) => {
          const cfg = config({ baseline: { compare: true, alpha }, metrics: [{ name: 'm', worseWhen }] });
          const verdict = judgeCanary({
            config: cfg,
            samples: {
              series: [{ metric: 'm', canary: values, baseline: [...values] }],
              canaryRequests: 100,
              alarms: [],
            },
            now,
          });
          expect(verdict.result).toBe('healthy');
        },
      ),
    );
  });

  it('always returns a verdict that matches the event schema', () => {
    fc.assert(
      fc.property(arbitraryConfig(), arbitrarySamples(), (cfg, s) => {
        const verdict = judgeCanary({ config: cfg, samples: s, now });
        expect(CanaryVerdict.parse(verdict)).toEqual(verdict);
        expect(verdict.metrics).toHaveLength(cfg.metrics.length);
      }),
    );
  });
});

function arbitraryConfig(): fc.Arbitrary<CanaryConfig> {
  const metric = fc.record(
    {
      name: fc.constantFrom('error_rate', 'latency_p95', 'latency_p50', 'custom'),
      max: fc.double({ min: 0, max: 2000, noNaN: true }),
      min: fc.double({ min: 0, max: 10, noNaN: true }),
      worseWhen: fc.constantFrom('higher' as const, 'lower' as const),
    },
    { requiredKeys: ['name'] },
  );
  return fc
    .record({
      minRequests: fc.nat(100),
      metrics: fc.uniqueArray(metric, { minLength: 1, maxLength: 4, selector: (m) => m.name }),
      baseline: fc.record({ compare: fc.boolean(), alpha: fc.double({ min: 0.001, max: 0.5, noNaN: true }) }),
    })
    .map((raw) => CanaryConfig.parse(raw));
}

function arbitrarySamples(): fc.Arbitrary<CanarySamples> {
  const values = fc.array(fc.double({ min: 0, max: 3000 }), { maxLength: 12 });
  return fc.record({
    series: fc.array(
      fc.record({
        metric: fc.constantFrom('error_rate', 'latency_p95', 'latency_p50', 'custom'),
        canary: values,
        baseline: values,
      }),
      { maxLength: 4 },
    ),
    canaryRequests: fc.nat(1000),
    alarms: fc.constant([]),
  });
}
