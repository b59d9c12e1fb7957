import { describe, expect, it } from '@jest/globals';
import { planQueries } from '../../../../shared/aws/cloudwatch-queries.ts';
import { judgeCanary } from '../../../../shared/domain/canary-judge.ts';
import { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';

const lambdaSides = { functionName: 'orders-api', alias: 'live', canary: '13', baseline: '12' };
const lambdaPipeline = (canary: Record<string, unknown> = {}) =>
  PipelineConfig.parse({
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
      canary,
    },
  });

describe('planQueries', () => {
  it('reads the built-in metrics of a Lambda canary from AWS/Lambda, canary only without a baseline comparison', () => {
    const plan = planQueries(lambdaPipeline(), lambdaSides);

    expect(
      plan.series.map((s) => [s.metric, s.canary.query.metricName, s.canary.query.stat, s.baseline]),
    ).toEqual([
      ['error_rate', 'Errors', 'Average', undefined],
      ['latency_p95', 'Duration', 'p95', undefined],
    ]);
    expect(plan.requests.canary.query).toEqual({
      namespace: 'AWS/Lambda',
      metricName: 'Invocations',
      stat: 'Sum',
      periodSeconds: 60,
      dimensions: { FunctionName: 'orders-api', Resource: 'orders-api:live', ExecutedVersion: '13' },
    });
    expect(plan.requests.baseline?.query.dimensions.ExecutedVersion).toBe('12');
  });

  it('keeps the dimensions a metric names, and always sets the version for AWS/Lambda metrics', () => {
    const plan = planQueries(
      lambdaPipeline({
        baseline: { compare: true },
        metrics: [
          {
            name: 'throttles',
            cloudwatch: {
              namespace: 'AWS/Lambda',
              metricName: 'Throttles',
              dimensions: { Resource: 'orders-api:canary', ExecutedVersion: '1' },
              stat: 'Sum',
            },
            max: 0,
          },
          {
            name: 'orders_failed',
            cloudwatch: { namespace: 'Orders', metricName: 'Failed', dimensions: { Service: 'orders' } },
            max: 1,
          },
        ],
      }),
      lambdaSides,
    );

    expect(plan.series[0]!.canary.query.dimensions).toEqual({
      FunctionName: 'orders-api',
      Resource: 'orders-api:canary',
      ExecutedVersion: '13',
    });
    expect(plan.series[0]!.baseline?.query.dimensions.ExecutedVersion).toBe('12');
    // A custom namespace has no ExecutedVersion: both sides read the same query.
    expect(plan.series[1]!.canary.query.dimensions).toEqual({ Service: 'orders' });
    expect(plan.series[1]!.baseline?.query.dimensions).toEqual({ Service: 'orders' });
  });

  it('gives the judge what it needs: samples built from the plan judge a healthy Lambda canary', () => {
    const pipeline = lambdaPipeline({ minRequests: 20 });
    const plan = planQueries(pipeline, lambdaSides);
    const values: Record<string, number[]> = {
      [plan.series[0]!.canary.id]: [0, 0.002, 0.001],
      [plan.series[1]!.canary.id]: [180, 210, 195],
      [plan.requests.canary.id]: [40, 38, 41],
    };

    const verdict = judgeCanary({
      config: pipeline.production.canary,
      samples: {
        series: plan.series.map((s) => ({ metric: s.metric, canary: values[s.canary.id] ?? [] })),
        canaryRequests: (values[plan.requests.canary.id] ?? []).reduce((a, b) => a + b, 0),
        alarms: [],
      },
      now: new Date('2025-03-14T09:30:00Z'),
    });

    expect(verdict.result).toBe('healthy');
    expect(verdict.reason).toBe('2 metrics pass over 119 canary requests');
  });
});
