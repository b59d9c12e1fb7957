import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { ConfigError, type ConfigProblem } from '../domain/errors.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';

// The pure half of CloudWatchMetricsSource: which GetMetricData queries answer a canary.

/** One CloudWatch metric statistic (a pipeline metric's `cloudwatch` block, defaults applied). */
export interface MetricQuery {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: string;
  periodSeconds: number;
}

/** Lambda targets: the built-in `local` metrics, read from AWS/Lambda when no `cloudwatch` block is given. */
const LAMBDA_DEFAULTS: Record<string, Omit<MetricQuery, 'dimensions' | 'periodSeconds'>> = {
  // Errors is 0 or 1 per invocation, so its Average per period is the error rate.
  error_rate: { namespace: 'AWS/Lambda', metricName: 'Errors', stat: 'Average' },
  latency_p50: { namespace: 'AWS/Lambda', metricName: 'Duration', stat: 'p50' },
  latency_p95: { namespace: 'AWS/Lambda', metricName: 'Duration', stat: 'p95' },
  latency_p99: { namespace: 'AWS/Lambda', metricName: 'Duration', stat: 'p99' },
  requests: { namespace: 'AWS/Lambda', metricName: 'Invocations', stat: 'Sum' },
};
/** Metrics that count requests: summed (`Sum`) they give the canary's request count. */
const REQUEST_COUNTS = new Set(['Invocations', 'RequestCount', 'RequestCountPerTarget', 'Count']);

/** A query with its GetMetricData id. */
export interface Planned {
  id: string;
  query: MetricQuery;
}
/** The queries that answer one sample of a canary. */
export interface Plan {
  series: { metric: string; canary: Planned; baseline?: Planned }[];
  requests: { canary: Planned; baseline?: Planned };
}

/** The Lambda function, alias and the two versions a canary compares. */
export interface LambdaSides {
  functionName: string;
  alias: string;
  canary: string;
  baseline: string;
}

/**
 * Which queries answer a pipeline's canary: per metric the canary's (and, for Lambda with
 * `baseline.compare`, the baseline's) query, and the request counts. Throws `ConfigError` listing
 * every metric that cannot be read on AWS. Exported for `pushline validate` to reuse.
 */
export function planQueries(pipeline: PipelineConfig, lambda: LambdaSides | undefined): Plan {
  const canary = pipeline.production.canary;
  const problems: ConfigProblem[] = [];
  const path = `pipelines[${pipeline.name}].production.canary`;
  const side = (query: MetricQuery, version: string | undefined): MetricQuery => {
    if (!lambda || query.namespace !== 'AWS/Lambda' || !version) return query;
    const dimensions = {
      FunctionName: lambda.functionName,
      Resource: `${lambda.functionName}:${lambda.alias}`,
      ...query.dimensions,
      ExecutedVersion: version,
    };
    return { ...query, dimensions };
  };
  const series: Plan['series'] = [];
  let requestQuery: MetricQuery | undefined;
  canary.metrics.forEach((metric, i) => {
    const defaults = lambda && metric.local ? LAMBDA_DEFAULTS[metric.local] : undefined;
    const query: MetricQuery | undefined =
      metric.cloudwatch ?? (defaults ? { ...defaults, dimensions: {}, periodSeconds: 60 } : undefined);
    if (!query) {
      problems.push({
        path: `${path}.metrics[${i}].cloudwatch`,
        message: `metric ${metric.name} has no CloudWatch query to read on AWS`,
      });
      return;
    }
    if (!requestQuery && REQUEST_COUNTS.has(query.metricName)) requestQuery = query;
    const compare = lambda && canary.baseline.compare;
    series.push({
      metric: metric.name,
      canary: { id: `m${i}_canary`, query: side(query, lambda?.canary) },
      ...(compare ? { baseline: { id: `m${i}_baseline`, query: side(query, lambda.baseline) } } : {}),
    });
  });
  if (lambda) {
    requestQuery = { ...LAMBDA_DEFAULTS.requests!, dimensions: {}, periodSeconds: 60 };
  } else if (!requestQuery) {
    // The judge calls a canary without requests inconclusive, whatever minRequests says.
    problems.push({
      path: `${path}.metrics`,
      message:
        "no metric counts the canary's requests (add one such as AWS/ApplicationELB RequestCountPerTarget or API Gateway Count)",
    });
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `pipeline ${pipeline.name}: the canary cannot be judged on AWS: ${problems.map((p) => p.message).join('; ')}`,
      problems,
    );
  }
  const counted = { ...(requestQuery as MetricQuery), stat: 'Sum' };
  return {
    series,
    requests: {
      canary: { id: 'requests_canary', query: side(counted, lambda?.canary) },
      ...(lambda ? { baseline: { id: 'requests_baseline', query: side(counted, lambda.baseline) } } : {}),
    },
  };
}

export function toQuery({ id, query }: Planned): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: query.namespace,
        MetricName: query.metricName,
        Dimensions: Object.entries(query.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: query.periodSeconds,
      Stat: query.stat,
    },
    ReturnData: true,
  };
}
