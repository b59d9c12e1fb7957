import { percentile } from '../domain/percentiles.ts';
import type { CanaryMetric, PipelineConfig } from '../domain/pipeline-config.ts';
import type { CanarySamples, MetricSeries, MetricsSource } from '../ports/metrics-source.ts';
import type { MetricsBucket, ProxyMetrics } from './proxy-metrics.ts';

/** The proxy metrics behind one production deployment: whose numbers are the canary's and the baseline's. */
export interface ProxyDeploymentView {
  metrics: ProxyMetrics;
  /** The release id the canary's requests are recorded under. */
  canaryRelease: string;
  /** The release that was stable when the canary started; absent for a first deployment. */
  baselineRelease?: string;
}

type LocalKind = NonNullable<CanaryMetric['local']>;

/**
 * The `MetricsSource` of local mode: reads the canary proxy's own request metrics. Each configured
 * metric becomes a series with one value per proxy time bucket (10 s by default) in the window,
 * for the canary and — when there is one — the baseline (the release that was stable when the
 * canary started). A metric's kind is its `local` setting (`error_rate`, `latency_p50/95/99`,
 * `requests`); a metric without one (CloudWatch only) has no data here. Buckets without requests
 * give no value: an idle interval is missing data, not a 0 % error rate. An unknown deployment
 * (e.g. after a restart) has no data either.
 */
export class ProxyMetricsSource implements MetricsSource {
  private readonly resolve: (ref: {
    pipeline: string;
    deploymentId: string;
  }) => ProxyDeploymentView | undefined;

  constructor(options: {
    /**
     * Whose proxy numbers belong to a deployment; `undefined` for one nobody knows. The local
     * composition root passes `(ref) => deployer.metricsView(ref)` (`LocalDeployer`).
     */
    resolve: (ref: { pipeline: string; deploymentId: string }) => ProxyDeploymentView | undefined;
  }) {
    this.resolve = options.resolve;
  }

  async sample(request: {
    pipeline: PipelineConfig;
    deploymentId: string;
    start: Date;
    end: Date;
  }): Promise<CanarySamples> {
    const { pipeline, deploymentId } = request;
    const view = this.resolve({ pipeline: pipeline.name, deploymentId });
    const start = request.start.getTime();
    const end = request.end.getTime();
    const canary = view ? view.metrics.buckets(view.canaryRelease, start, end) : [];
    const baseline =
      view?.baselineRelease === undefined
        ? undefined
        : view.metrics.buckets(view.baselineRelease, start, end);
    const series: MetricSeries[] = pipeline.production.canary.metrics.map((metric) => {
      const kind = metric.local;
      return {
        metric: metric.name,
        canary: kind ? valuesOf(kind, canary) : [],
        ...(baseline ? { baseline: kind ? valuesOf(kind, baseline) : [] } : {}),
      };
    });
    return {
      series,
      canaryRequests: total(canary),
      ...(baseline ? { baselineRequests: total(baseline) } : {}),
      alarms: [], // local mode has no alarms; the judge goes by the metrics
    };
  }
}

function valuesOf(kind: LocalKind, buckets: MetricsBucket[]): number[] {
  const values: number[] = [];
  for (const b of buckets) {
    if (b.requests === 0) continue;
    const value =
      kind === 'error_rate'
        ? b.errors / b.requests
        : kind === 'requests'
          ? b.requests
          : percentile(b.latencies, Number(kind.slice('latency_p'.length)));
    if (value !== undefined) values.push(value);
  }
  return values;
}

function total(buckets: MetricsBucket[]): number {
  return buckets.reduce((n, b) => n + b.requests, 0);
}
