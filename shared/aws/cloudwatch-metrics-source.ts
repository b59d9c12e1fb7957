import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import { TransientError } from '../domain/errors.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';
import type { CanarySamples, MetricSeries, MetricsSource } from '../ports/metrics-source.ts';
import { asTransientAws } from './aws-errors.ts';
import { type LambdaSides, type Plan, type Planned, planQueries, toQuery } from './cloudwatch-queries.ts';

export { type MetricQuery, planQueries } from './cloudwatch-queries.ts';

/** Where the Lambda versions of a deployment come from (`DeploymentMarkers`: the deployment's marker). */
export interface DeploymentVersions {
  of(deploymentId: string): Promise<{ currentVersion?: string; targetVersion?: string } | undefined>;
}

/** GetMetricData takes at most 500 queries; DescribeAlarms at most 100 names. */
const MAX_QUERIES = 500;
const MAX_ALARM_NAMES = 100;

/**
 * The `MetricsSource` on AWS: CloudWatch `GetMetricData` for the pipeline's metric queries over
 * the window (one value per period, oldest first, every page of `NextToken`), and `DescribeAlarms`
 * for its alarms (metric and composite). No datapoints → an empty series, never invented zeros.
 *
 * Lambda targets read the canary and the baseline side by side through the `ExecutedVersion`
 * dimension of AWS/Lambda metrics (canary = the deployment's target version, baseline = the
 * version the alias pointed at), with the deployment's versions from its marker; the canary's
 * request count is the `Invocations` sum of its version. Other targets read each query as
 * written (no baseline), and count requests with the metric that counts them (ALB
 * `RequestCountPerTarget`/`RequestCount`, API Gateway `Count`, `Invocations`), summed: the judge
 * needs a request count (no requests is inconclusive, and `minRequests` compares with it). A
 * pipeline without such a metric — or with a metric that has no `cloudwatch` block — cannot be
 * judged on AWS: `sample` throws a `ConfigError` that says which.
 */
export class CloudWatchMetricsSource implements MetricsSource {
  private readonly client: CloudWatchClient;
  private readonly versions: DeploymentVersions | undefined;

  constructor({ client, versions }: { client: CloudWatchClient; versions?: DeploymentVersions }) {
    this.client = client;
    this.versions = versions;
  }

  async sample(request: {
    pipeline: PipelineConfig;
    deploymentId: string;
    start: Date;
    end: Date;
  }): Promise<CanarySamples> {
    const { pipeline, deploymentId, start, end } = request;
    const lambda = await this.lambdaSides(pipeline, deploymentId);
    const plan = planQueries(pipeline, lambda);
    const [values, alarms] = await Promise.all([
      this.metricData(plan, start, end),
      this.alarms(pipeline.production.canary.alarms),
    ]);
    const series: MetricSeries[] = plan.series.map((s) => ({
      metric: s.metric,
      canary: values.get(s.canary.id) ?? [],
      ...(s.baseline ? { baseline: values.get(s.baseline.id) ?? [] } : {}),
    }));
    const sum = (p: Planned) => (values.get(p.id) ?? []).reduce((a, b) => a + b, 0);
    return {
      series,
      canaryRequests: sum(plan.requests.canary),
      ...(plan.requests.baseline ? { baselineRequests: sum(plan.requests.baseline) } : {}),
      alarms,
    };
  }

  private async lambdaSides(
    pipeline: PipelineConfig,
    deploymentId: string,
  ): Promise<LambdaSides | undefined> {
    const target = pipeline.production.codedeploy;
    if (target?.platform !== 'Lambda' || !target.functionName || !target.alias) return undefined;
    const versions = await this.versions?.of(deploymentId);
    if (!versions?.targetVersion || !versions.currentVersion) {
      throw new Error(`deployment ${deploymentId} carries no Lambda versions to compare`);
    }
    return {
      functionName: target.functionName,
      alias: target.alias,
      canary: versions.targetVersion,
      baseline: versions.currentVersion,
    };
  }

  /** Values per query id, oldest first, over every page. */
  private async metricData(plan: Plan, start: Date, end: Date): Promise<Map<string, number[]>> {
    const planned = [
      ...plan.series.flatMap((s) => (s.baseline ? [s.canary, s.baseline] : [s.canary])),
      plan.requests.canary,
      ...(plan.requests.baseline ? [plan.requests.baseline] : []),
    ];
    const queries = planned.map(toQuery);
    if (queries.length > MAX_QUERIES)
      throw new Error(`${queries.length} metric queries exceed ${MAX_QUERIES}`);
    const values = new Map<string, number[]>();
    let nextToken: string | undefined;
    do {
      let page: GetMetricDataCommandOutput;
      try {
        page = await this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: start,
            EndTime: end,
            ScanBy: 'TimestampAscending',
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
      } catch (error) {
        throw asTransientAws(error, 'CloudWatch GetMetricData');
      }
      for (const result of page.MetricDataResults ?? []) {
        if (result.StatusCode === 'InternalError' || result.StatusCode === 'Forbidden') {
          const why = (result.Messages ?? []).map((m) => m.Value).join('; ');
          const message = `CloudWatch could not read ${result.Id}: ${result.StatusCode}${why ? ` (${why})` : ''}`;
          throw result.StatusCode === 'InternalError' ? new TransientError(message) : new Error(message);
        }
        if (!result.Id) continue;
        values.set(result.Id, [...(values.get(result.Id) ?? []), ...(result.Values ?? [])]);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return values;
  }

  private async alarms(names: readonly string[]): Promise<CanarySamples['alarms']> {
    const states: CanarySamples['alarms'] = [];
    for (let i = 0; i < names.length; i += MAX_ALARM_NAMES) {
      let nextToken: string | undefined;
      do {
        try {
          const page = await this.client.send(
            new DescribeAlarmsCommand({
              AlarmNames: names.slice(i, i + MAX_ALARM_NAMES),
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
          );
          for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
            if (alarm.AlarmName && alarm.StateValue)
              states.push({ name: alarm.AlarmName, state: alarm.StateValue });
          }
          nextToken = page.NextToken;
        } catch (error) {
          throw asTransientAws(error, 'CloudWatch DescribeAlarms');
        }
      } while (nextToken);
    }
    return states;
  }
}
