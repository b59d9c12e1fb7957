import { readFileSync } from 'node:fs';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchMetricsSource } from '../../../shared/aws/cloudwatch-metrics-source.ts';
import { DeploymentMarkers } from '../../../shared/aws/codedeploy-get.ts';
import { ConfigError, TransientError } from '../../../shared/domain/errors.ts';
import { PipelineConfig } from '../../../shared/domain/pipeline-config.ts';

const cloudwatch = mockClient(CloudWatchClient);
const codedeploy = mockClient(CodeDeployClient);
const client = new CloudWatchClient({ region: 'us-east-1' });
const START = new Date('2025-03-14T09:27:00.000Z');
const END = new Date('2025-03-14T09:32:00.000Z');
const versions = { of: async () => ({ currentVersion: '12', targetVersion: '13' }) };

/** A documented response (test/fixtures/aws/<name>.json) as the SDK returns it: timestamps as `Date`s. */
function fixture<T>(name: string): T {
  const json = readFileSync(new URL(`../../fixtures/aws/${name}.json`, import.meta.url), 'utf8');
  return JSON.parse(json, (key, value) => {
    if (key === 'Timestamps') return (value as string[]).map((t) => new Date(t));
    if (key.endsWith('Timestamp') && typeof value === 'string') return new Date(value);
    return value;
  }) as T;
}

const lambda = PipelineConfig.parse({
  name: 'orders',
  source: { github: 'acme/orders' },
  production: {
    codedeploy: {
      application: 'orders-api',
      deploymentGroup: 'orders-api-production',
      platform: 'Lambda',
      functionName: 'orders-api',
      alias: 'live',
    },
    canary: { alarms: ['orders-api-5xx', 'orders-api-degraded'], baseline: { compare: true } },
  },
});
const ecs = (metrics: unknown[], alarms: string[] = []) =>
  PipelineConfig.parse({
    name: 'web',
    source: { github: 'acme/web' },
    production: {
      codedeploy: {
        application: 'web',
        deploymentGroup: 'web-prod',
        platform: 'ECS',
        container: 'web',
        containerPort: 80,
      },
      canary: { metrics, alarms },
    },
  });
const ALB = {
  LoadBalancer: 'app/web/0467ef3c8400ae65',
  TargetGroup: 'targetgroup/web-tg-green/73e2d6bc24d8a067',
};
const lambdaDims = (version: string) => [
  { Name: 'FunctionName', Value: 'orders-api' },
  { Name: 'Resource', Value: 'orders-api:live' },
  { Name: 'ExecutedVersion', Value: version },
];
const stat = (
  Id: string,
  MetricName: string,
  Stat: string,
  Dimensions: unknown[],
  Namespace = 'AWS/Lambda',
) => ({
  Id,
  MetricStat: { Metric: { Namespace, MetricName, Dimensions }, Period: 60, Stat },
  ReturnData: true,
});

describe('CloudWatchMetricsSource', () => {
  beforeEach(() => {
    cloudwatch.reset();
    codedeploy.reset();
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
  });

  it('reads a Lambda canary and its baseline side by side by ExecutedVersion, over every page', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce(fixture('cloudwatch-get-metric-data-page-1'))
      .resolvesOnce(fixture('cloudwatch-get-metric-data-page-2'));
    cloudwatch.on(DescribeAlarmsCommand).resolves(fixture('cloudwatch-describe-alarms'));

    const samples = await new CloudWatchMetricsSource({ client, versions }).sample({
      pipeline: lambda,
      deploymentId: 'd-QA4G4F9EX',
      start: START,
      end: END,
    });

    const calls = cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls[0]).toEqual({
      MetricDataQueries: [
        stat('m0_canary', 'Errors', 'Average', lambdaDims('13')),
        stat('m0_baseline', 'Errors', 'Average', lambdaDims('12')),
        stat('m1_canary', 'Duration', 'p95', lambdaDims('13')),
        stat('m1_baseline', 'Duration', 'p95', lambdaDims('12')),
        stat('requests_canary', 'Invocations', 'Sum', lambdaDims('13')),
        stat('requests_baseline', 'Invocations', 'Sum', lambdaDims('12')),
      ],
      StartTime: START,
      EndTime: END,
      ScanBy: 'TimestampAscending',
    });
    expect(calls[1]).toEqual({ ...calls[0], NextToken: 'eyJ0b2tlbiI6InBhZ2UtMiJ9' });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toEqual({
      AlarmNames: ['orders-api-5xx', 'orders-api-degraded'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });
    expect(samples).toEqual({
      series: [
        { metric: 'error_rate', canary: [0, 0.012, 0.004, 0.008], baseline: [0.001, 0, 0.002, 0.001] },
        { metric: 'latency_p95', canary: [], baseline: [] },
      ],
      canaryRequests: 163,
      baselineRequests: 1448,
      alarms: [
        { name: 'orders-api-5xx', state: 'OK' },
        { name: 'orders-api-degraded', state: 'ALARM' },
      ],
    });
  });

  it('reads an ECS canary as written, and counts its requests with the Sum of its request metric', async () => {
    const pipeline = ecs([
      {
        name: 'errors',
        cloudwatch: {
          namespace: 'AWS/ApplicationELB',
          metricName: 'HTTPCode_Target_5XX_Count',
          dimensions: ALB,
          stat: 'Sum',
        },
        max: 5,
      },
      {
        name: 'requests',
        cloudwatch: {
          namespace: 'AWS/ApplicationELB',
          metricName: 'RequestCountPerTarget',
          dimensions: { TargetGroup: ALB.TargetGroup },
          stat: 'Average',
        },
        min: 1,
      },
    ]);
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'm0_canary', Values: [1, 0], StatusCode: 'Complete' },
        { Id: 'm1_canary', Values: [20, 22], StatusCode: 'Complete' },
        { Id: 'requests_canary', Values: [40, 44], StatusCode: 'Complete' },
      ],
    });

    const samples = await new CloudWatchMetricsSource({ client }).sample({
      pipeline,
      deploymentId: 'd-1',
      start: START,
      end: END,
    });

    const albDims = Object.entries(ALB).map(([Name, Value]) => ({ Name, Value }));
    const tgDims = [{ Name: 'TargetGroup', Value: ALB.TargetGroup }];
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries).toEqual([
      stat('m0_canary', 'HTTPCode_Target_5XX_Count', 'Sum', albDims, 'AWS/ApplicationELB'),
      stat('m1_canary', 'RequestCountPerTarget', 'Average', tgDims, 'AWS/ApplicationELB'),
      stat('requests_canary', 'RequestCountPerTarget', 'Sum', tgDims, 'AWS/ApplicationELB'),
    ]);
    expect(samples).toEqual({
      series: [
        { metric: 'errors', canary: [1, 0] },
        { metric: 'requests', canary: [20, 22] },
      ],
      canaryRequests: 84,
      alarms: [],
    });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });

  it('refuses, before any call, a non-Lambda canary it cannot read: no query, no request count', async () => {
    // The pipeline-file rules refuse such a canary at validation; the source still does not trust it.
    const pipeline = ecs([
      {
        name: 'requests',
        cloudwatch: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount' },
        min: 1,
      },
    ]);
    pipeline.production.canary.metrics = [
      { name: 'error_rate', local: 'error_rate', max: 0.01, worseWhen: 'higher' },
    ];
    const sample = new CloudWatchMetricsSource({ client }).sample({
      pipeline,
      deploymentId: 'd-1',
      start: START,
      end: END,
    });

    await expect(sample).rejects.toBeInstanceOf(ConfigError);
    await expect(sample).rejects.toMatchObject({
      problems: [
        { path: 'pipelines[web].production.canary.metrics[0].cloudwatch' },
        { path: 'pipelines[web].production.canary.metrics' },
      ],
    });
    expect(cloudwatch.calls()).toHaveLength(0);
  });

  it('asks for alarms 100 names at a time, over every page', async () => {
    const names = Array.from({ length: 101 }, (_, i) => `alarm-${i}`);
    const pipeline = ecs(
      [
        {
          name: 'requests',
          cloudwatch: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: {} },
          min: 1,
        },
      ],
      names,
    );
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'alarm-0', StateValue: 'OK' }], NextToken: 'next' })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'alarm-1', StateValue: 'INSUFFICIENT_DATA' }] })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'alarm-100', StateValue: 'ALARM' }] });

    const samples = await new CloudWatchMetricsSource({ client }).sample({
      pipeline,
      deploymentId: 'd-1',
      start: START,
      end: END,
    });

    const inputs = cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => [i.AlarmNames?.length, i.NextToken])).toEqual([
      [100, undefined],
      [100, 'next'],
      [1, undefined],
    ]);
    expect(samples.alarms.map((a) => a.state)).toEqual(['OK', 'INSUFFICIENT_DATA', 'ALARM']);
    expect(samples.series).toEqual([{ metric: 'requests', canary: [] }]);
    expect(samples.canaryRequests).toBe(0);
  });

  it('throws TransientError for InternalError data and throttling, and an error for Forbidden data', async () => {
    const source = new CloudWatchMetricsSource({ client, versions });
    const request = { pipeline: lambda, deploymentId: 'd-1', start: START, end: END };
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'm0_canary',
            StatusCode: 'InternalError',
            Messages: [{ Code: 'InternalError', Value: 'try again' }],
          },
        ],
      })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
      .resolvesOnce({ MetricDataResults: [{ Id: 'm0_canary', StatusCode: 'Forbidden' }] });

    await expect(source.sample(request)).rejects.toThrow(
      new TransientError('CloudWatch could not read m0_canary: InternalError (try again)'),
    );
    await expect(source.sample(request)).rejects.toBeInstanceOf(TransientError);
    const forbidden = await source.sample(request).catch((error: unknown) => error);
    expect(forbidden).toBeInstanceOf(Error);
    expect(forbidden).not.toBeInstanceOf(TransientError);
  });

  it('takes the Lambda versions from the deployment marker, read once per deployment', async () => {
    const json = readFileSync(
      new URL('../../fixtures/aws/codedeploy-get-deployment-lambda-succeeded.json', import.meta.url),
      'utf8',
    );
    codedeploy.on(GetDeploymentCommand).resolves(JSON.parse(json));
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const markers = new DeploymentMarkers(new CodeDeployClient({ region: 'us-east-1' }));
    const source = new CloudWatchMetricsSource({ client, versions: markers });

    await source.sample({ pipeline: lambda, deploymentId: 'd-QA4G4F9EX', start: START, end: END });
    await source.sample({ pipeline: lambda, deploymentId: 'd-QA4G4F9EX', start: START, end: END });

    expect(codedeploy.commandCalls(GetDeploymentCommand)).toHaveLength(1);
    const queries = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries!;
    expect(queries[0]!.MetricStat!.Metric!.Dimensions!.at(-1)).toEqual({
      Name: 'ExecutedVersion',
      Value: '13',
    });
    expect(queries[1]!.MetricStat!.Metric!.Dimensions!.at(-1)).toEqual({
      Name: 'ExecutedVersion',
      Value: '12',
    });
  });

  it('refuses to judge a Lambda canary whose deployment names no versions', async () => {
    const source = new CloudWatchMetricsSource({ client, versions: { of: async () => undefined } });

    await expect(
      source.sample({ pipeline: lambda, deploymentId: 'd-BYHAND', start: START, end: END }),
    ).rejects.toThrow('deployment d-BYHAND carries no Lambda versions to compare');
    expect(cloudwatch.calls()).toHaveLength(0);
  });
});
