import type { CanaryVerdict, MetricVerdict } from '../../events/common.ts';
import { mannWhitneyU } from './mann-whitney.ts';
import { mean } from './percentiles.ts';
import type { CanaryConfig, CanaryMetric } from './pipeline-config.ts';

/**
 * What the judge looks at. The same shape as `CanarySamples` of the `MetricsSource` port
 * (shared/ports/metrics-source.ts), declared here so that the domain imports nothing outward.
 */
export interface JudgeSamples {
  series: readonly { metric: string; canary: readonly number[]; baseline?: readonly number[] }[];
  canaryRequests: number;
  baselineRequests?: number;
  alarms: readonly { name: string; state: string }[];
}

export const Verdict = { Healthy: 'healthy', Unhealthy: 'unhealthy', Inconclusive: 'inconclusive' } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/**
 * The canary judge: pure, shared by AWS and local mode. Decides in this order:
 *
 * 1. a configured alarm in `ALARM` → unhealthy;
 * 2. no canary requests, or fewer than `minRequests` → inconclusive (too little to judge, never healthy);
 * 3. a metric that fails → unhealthy. A metric fails when the mean of the canary's per-interval
 *    values is above `max` / below `min`, or — with `baseline.compare` and baseline samples — when a
 *    one-sided Mann-Whitney U test says the canary is worse (in the metric's `worseWhen`
 *    direction) at `alpha`;
 * 4. a metric without data → inconclusive;
 * 5. otherwise healthy.
 *
 * Every metric gets its own verdict and reason, whatever the overall result.
 */
export function judgeCanary(input: {
  config: CanaryConfig;
  samples: JudgeSamples;
  now: Date;
}): CanaryVerdict {
  const { config, samples, now } = input;
  const requests = samples.canaryRequests;
  const metrics = config.metrics.map((metric) => judgeMetric(metric, samples, config.baseline));
  const alarms = config.alarms.map((name) => ({
    name,
    state: samples.alarms.find((a) => a.name === name)?.state ?? 'INSUFFICIENT_DATA',
  }));
  const verdict = (result: Verdict, reason: string): CanaryVerdict => ({
    result,
    reason,
    metrics,
    alarms,
    requests,
    judgedAt: now.toISOString(),
  });

  const firing = alarms.filter((a) => a.state === 'ALARM');
  if (firing.length > 0) {
    return verdict('unhealthy', firing.map((a) => `alarm ${a.name} is in ALARM`).join('; '));
  }
  if (requests <= 0) return verdict('inconclusive', 'no requests reached the canary');
  if (requests < config.minRequests) {
    return verdict(
      'inconclusive',
      `only ${requests} requests reached the canary; at least ${config.minRequests} are needed to judge`,
    );
  }
  const failed = metrics.filter((m) => m.result === 'fail');
  if (failed.length > 0) return verdict('unhealthy', failed.map((m) => m.reason).join('; '));
  const missing = metrics.filter((m) => m.result === 'nodata');
  if (missing.length > 0) return verdict('inconclusive', missing.map((m) => m.reason).join('; '));
  return verdict(
    'healthy',
    metrics.length === 0
      ? `no metrics configured; ${requests} canary requests and no alarm`
      : `${plural(metrics.length, 'metric')} pass over ${requests} canary requests`,
  );
}

function judgeMetric(
  metric: CanaryMetric,
  samples: JudgeSamples,
  baselineConfig: CanaryConfig['baseline'],
): MetricVerdict {
  const series = samples.series.find((s) => s.metric === metric.name);
  // Missing values (NaN, ±Infinity) are gaps in the series, not data.
  const canary = (series?.canary ?? []).filter(Number.isFinite);
  const baseline = (series?.baseline ?? []).filter(Number.isFinite);
  const name = metric.name;
  const value = mean(canary);
  if (value === undefined) return { metric: name, result: 'nodata', reason: `no data for ${name}` };

  const out: MetricVerdict = { metric: name, result: 'pass', reason: '', value };
  const failures: string[] = [];
  const passes: string[] = [];
  if (metric.max !== undefined) {
    out.threshold = metric.max;
    (value > metric.max ? failures : passes).push(
      `${name} ${fmt(value)} ${value > metric.max ? '>' : '≤'} max ${fmt(metric.max)}`,
    );
  }
  if (metric.min !== undefined) {
    out.threshold ??= metric.min;
    (value < metric.min ? failures : passes).push(
      `${name} ${fmt(value)} ${value < metric.min ? '<' : '≥'} min ${fmt(metric.min)}`,
    );
  }

  const hasThreshold = metric.max !== undefined || metric.min !== undefined;
  if (baselineConfig.compare) {
    if (baseline.length === 0) {
      if (!hasThreshold)
        return { ...out, result: 'nodata', reason: `no baseline data to compare ${name} with` };
      passes.push('no baseline data to compare with');
    } else {
      out.baseline = mean(baseline);
      const worse = metric.worseWhen === 'higher' ? 'higher' : 'lower';
      const test = mannWhitneyU(canary, baseline, {
        alternative: metric.worseWhen === 'higher' ? 'greater' : 'less',
      });
      out.pValue = test.pValue;
      // Significant *and* shifted the bad way: with a large alpha a tie could otherwise "fail".
      const half = (canary.length * baseline.length) / 2;
      const shiftedWorse = metric.worseWhen === 'higher' ? test.u1 > half : test.u1 < half;
      if (shiftedWorse && test.pValue < baselineConfig.alpha) {
        failures.push(`${name} significantly ${worse} than baseline (p=${fmtP(test.pValue)})`);
      } else {
        passes.push(`${name} not significantly ${worse} than baseline (p=${fmtP(test.pValue)})`);
      }
    }
  } else if (!hasThreshold) {
    passes.push(`${name} ${fmt(value)} (no threshold)`);
  }
  if (failures.length > 0) return { ...out, result: 'fail', reason: failures.join('; ') };
  return { ...out, reason: passes.join('; ') };
}

/** Numbers for people: whole numbers from 100 up, three significant digits below. */
function fmt(value: number): string {
  if (Math.abs(value) >= 100) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

function fmtP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
