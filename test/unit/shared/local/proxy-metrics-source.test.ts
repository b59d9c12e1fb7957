import { describe, expect, it } from '@jest/globals';
import { judgeCanary } from '../../../../shared/domain/canary-judge.ts';
import { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';
import { ProxyMetrics } from '../../../../shared/local/proxy-metrics.ts';
import { ProxyMetricsSource } from '../../../../shared/local/proxy-metrics-source.ts';

const t0 = Date.parse('2025-06-01T12:00:00.000Z');

function pipeline(metrics?: unknown[]): PipelineConfig {
  return PipelineConfig.parse({
    name: 'shop',
    source: { github: 'acme/shop' },
    production: {
      local: { start: 'node app.mjs', port: 8080 },
      canary: { minRequests: 10, baseline: { compare: true }, ...(metrics ? { metrics } : {}) },
    },
  });
}

/** Records `n` requests of `release` spread over the 10 s bucket starting at `at`. */
function record(
  metrics: ProxyMetrics,
  release: string,
  at: number,
  n: number,
  opts: { errors?: number; latency?: number },
) {
  for (let i = 0; i < n; i++) {
    metrics.record(release, {
      at: at + Math.floor((i * 10_000) / n),
      status: i < (opts.errors ?? 0) ? 500 : 200,
      latencyMs: (opts.latency ?? 20) + i,
    });
  }
}

describe('ProxyMetricsSource', () => {
  const metrics = new ProxyMetrics({ bucketMs: 10_000 });
  record(metrics, 'v2', t0, 10, { errors: 1, latency: 100 });
  record(metrics, 'v2', t0 + 20_000, 20, { errors: 0, latency: 200 }); // t0+10s is idle
  record(metrics, 'v1', t0, 90, { errors: 0, latency: 10 });
  record(metrics, 'v1', t0 + 10_000, 90, { errors: 9, latency: 10 });
  record(metrics, 'v2', t0 + 60_000, 5, {}); // outside the window
  const source = new ProxyMetricsSource({
    resolve: ({ deploymentId }) =>
      deploymentId === 'dep-2' ? { metrics, canaryRelease: 'v2', baselineRelease: 'v1' } : undefined,
  });
  const window = { deploymentId: 'dep-2', start: new Date(t0), end: new Date(t0 + 30_000) };

  it('gives one value per bucket with requests for the canary and the baseline', async () => {
    // Act
    const samples = await source.sample({ pipeline: pipeline(), ...window });
    // Assess
    expect(samples.canaryRequests).toBe(30);
    expect(samples.baselineRequests).toBe(180);
    expect(samples.alarms).toEqual([]);
    expect(samples.series).toEqual([
      { metric: 'error_rate', canary: [0.1, 0], baseline: [0, 0.1] },
      { metric: 'latency_p95', canary: [108.55, 218.05], baseline: [94.55, 94.55] },
    ]);
  });

  it('reads p50, p99 and request counts by their `local` kind', async () => {
    const samples = await source.sample({
      pipeline: pipeline([
        { name: 'median', local: 'latency_p50', max: 500 },
        { name: 'latency_p99', local: 'latency_p99' },
        { name: 'traffic', local: 'requests', min: 1 },
      ]),
      ...window,
    });

    expect(samples.series.map((s) => [s.metric, s.canary])).toEqual([
      ['median', [104.5, 209.5]],
      ['latency_p99', [108.91, 218.81]],
      ['traffic', [10, 20]],
    ]);
  });

  it('gives an empty series, never zeros, for a window without requests', async () => {
    const samples = await source.sample({
      pipeline: pipeline(),
      deploymentId: 'dep-2',
      start: new Date(t0 + 30_000),
      end: new Date(t0 + 60_000),
    });

    expect(samples.canaryRequests).toBe(0);
    expect(samples.series.every((s) => s.canary.length === 0 && s.baseline?.length === 0)).toBe(true);
  });

  it('has no data for a metric without a local kind, or for an unknown deployment', async () => {
    const cloudwatchOnly = await source.sample({
      pipeline: pipeline([
        { name: 'p90', cloudwatch: { namespace: 'App', metricName: 'Latency' }, max: 300 },
      ]),
      ...window,
    });
    const unknown = await source.sample({ pipeline: pipeline(), ...window, deploymentId: 'dep-9' });

    expect(cloudwatchOnly.series).toEqual([{ metric: 'p90', canary: [], baseline: [] }]);
    expect(unknown).toEqual({
      series: [
        { metric: 'error_rate', canary: [] },
        { metric: 'latency_p95', canary: [] },
      ],
      canaryRequests: 0,
      alarms: [],
    });
  });

  it('feeds the canary judge', async () => {
    const p = pipeline();
    const samples = await source.sample({ pipeline: p, ...window });

    const verdict = judgeCanary({ config: p.production.canary, samples, now: new Date(t0 + 30_000) });

    expect(verdict).toMatchObject({
      result: 'unhealthy',
      reason: 'error_rate 0.05 > max 0.01',
      requests: 30,
    });
  });
});
