import { CloudWatchClient, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CloudWatchMetricsSource } from '../../shared/aws/cloudwatch-metrics-source.ts';
import { EventBridgeScheduler, scheduleName } from '../../shared/aws/eventbridge-scheduler.ts';
import { AwsSecretSource } from '../../shared/aws/secret-source.ts';
import { PipelineConfig } from '../../shared/domain/pipeline-config.ts';
import { type Moto, startMoto } from '../support/moto.ts';

/**
 * The AWS adapters that read and write account resources, against moto over real HTTP: the
 * CloudWatch metrics source on data put with `PutMetricData`, the secret source on SSM parameters
 * and Secrets Manager secrets, and the Scheduler adapter creating one-time schedules.
 */
let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto.close();
});

describe('CloudWatchMetricsSource', () => {
  const pipeline = PipelineConfig.parse({
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
      canary: {
        metrics: [
          {
            name: 'error-rate',
            max: 0.05,
            cloudwatch: {
              namespace: 'AWS/ApplicationELB',
              metricName: 'HTTPCode_Target_5XX_Count',
              stat: 'Sum',
              dimensions: { LoadBalancer: 'app/web/0467ef3c8400ae65' },
            },
          },
          {
            name: 'requests',
            cloudwatch: {
              namespace: 'AWS/ApplicationELB',
              metricName: 'RequestCount',
              stat: 'Sum',
              dimensions: { LoadBalancer: 'app/web/0467ef3c8400ae65' },
            },
            min: 1,
          },
        ],
        alarms: ['web-5xx'],
      },
    },
  });

  it('reads the series put with PutMetricData, one value per minute, oldest first, and the alarm state', async () => {
    const client = new CloudWatchClient(moto.clientConfig);
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000);
    const minute = (n: number) => new Date(start.getTime() + n * 60_000 + 10_000);
    const dims = [{ Name: 'LoadBalancer', Value: 'app/web/0467ef3c8400ae65' }];
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: [
          ...[3, 1, 4].map((v, n) => ({
            MetricName: 'HTTPCode_Target_5XX_Count',
            Dimensions: dims,
            Value: v,
            Timestamp: minute(n),
          })),
          ...[100, 120, 90].map((v, n) => ({
            MetricName: 'RequestCount',
            Dimensions: dims,
            Value: v,
            Timestamp: minute(n),
          })),
        ],
      }),
    );
    await client.send(
      new PutMetricAlarmCommand({
        AlarmName: 'web-5xx',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 10,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );

    const samples = await new CloudWatchMetricsSource({ client }).sample({
      pipeline,
      deploymentId: 'd-7K2B0V5WX',
      start,
      end: new Date(start.getTime() + 5 * 60_000),
    });

    expect(samples.series.find((s) => s.metric === 'error-rate')?.canary).toEqual([3, 1, 4]);
    expect(samples.canaryRequests).toBe(310);
    expect(samples.alarms).toEqual([expect.objectContaining({ name: 'web-5xx' })]);
    client.destroy();
  });

  it('gives an empty series for a window with no data, never invented zeros', async () => {
    const client = new CloudWatchClient(moto.clientConfig);
    const start = new Date('2020-01-01T00:00:00Z');

    const samples = await new CloudWatchMetricsSource({ client }).sample({
      pipeline,
      deploymentId: 'd-EMPTY',
      start,
      end: new Date(start.getTime() + 5 * 60_000),
    });

    expect(samples.series.map((s) => s.canary)).toEqual([[], []]);
    expect(samples.canaryRequests).toBe(0);
    client.destroy();
  });
});

describe('AwsSecretSource', () => {
  it('reads an SSM SecureString decrypted and a Secrets Manager secret, and undefined for neither', async () => {
    const ssmClient = new SSMClient(moto.clientConfig);
    const secretsClient = new SecretsManagerClient(moto.clientConfig);
    await ssmClient.send(
      new PutParameterCommand({
        Name: '/pushline/moto/github-webhook-secret',
        Value: 'hook-s3cret',
        Type: 'SecureString',
      }),
    );
    await secretsClient.send(
      new CreateSecretCommand({ Name: 'pushline/moto/slack', SecretString: 'xoxb-moto' }),
    );
    const source = new AwsSecretSource({
      ssmClient,
      secretsClient,
      names: {
        'github-webhook-secret': '/pushline/moto/github-webhook-secret',
        'slack-bot-token': 'secretsmanager:pushline/moto/slack',
        missing: '/pushline/moto/missing',
        'missing-secret': 'secretsmanager:pushline/moto/missing',
      },
    });

    expect(await source.get('github-webhook-secret')).toBe('hook-s3cret');
    expect(await source.get('slack-bot-token')).toBe('xoxb-moto');
    expect(await source.get('missing')).toBeUndefined();
    expect(await source.get('missing-secret')).toBeUndefined();
    ssmClient.destroy();
    secretsClient.destroy();
  });
});

describe('EventBridgeScheduler', () => {
  it('creates a one-time schedule in the group, for keys with dots too, and takes a second create as done', async () => {
    const client = new SchedulerClient(moto.clientConfig);
    await client.send(new CreateScheduleGroupCommand({ Name: 'pushline-moto' }));
    const scheduler = new EventBridgeScheduler({
      client,
      targetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:pushline-moto-judge-canary',
      roleArn: 'arn:aws:iam::123456789012:role/pushline-moto-scheduler',
      groupName: 'pushline-moto',
    });
    const task = { kind: 'canary-check', runId: '01JP9ZMQ6R7C0VV1EG6MGAF6HH', attempt: 1, check: 2 } as never;
    const at = new Date(Date.now() + 10 * 60_000);

    for (const key of ['canary-01JP9ZMQ6R7C0VV1EG6MGAF6HH-1-2', 'canary.01JP9ZMQ6R7C0VV1EG6MGAF6HH.1.3']) {
      await scheduler.schedule({ key, at, task });
      await scheduler.schedule({ key, at, task });
    }

    const { Schedules = [] } = await client.send(new ListSchedulesCommand({ GroupName: 'pushline-moto' }));
    expect(Schedules.map((s) => s.Name).sort()).toEqual([
      'canary-01JP9ZMQ6R7C0VV1EG6MGAF6HH-1-2',
      'canary.01JP9ZMQ6R7C0VV1EG6MGAF6HH.1.3',
    ]);
    const schedule = await client.send(
      new GetScheduleCommand({
        GroupName: 'pushline-moto',
        Name: scheduleName('canary.01JP9ZMQ6R7C0VV1EG6MGAF6HH.1.3'),
      }),
    );
    expect(schedule).toMatchObject({
      ScheduleExpression: `at(${new Date(Math.ceil(at.getTime() / 1000) * 1000).toISOString().slice(0, 19)})`,
      ActionAfterCompletion: 'DELETE',
      Target: { Input: JSON.stringify(task) },
    });
    await client.send(
      new DeleteScheduleCommand({
        GroupName: 'pushline-moto',
        Name: 'canary-01JP9ZMQ6R7C0VV1EG6MGAF6HH-1-2',
      }),
    );
    const after = await client.send(new ListSchedulesCommand({ GroupName: 'pushline-moto' }));
    expect(after.Schedules?.map((s) => s.Name)).toEqual(['canary.01JP9ZMQ6R7C0VV1EG6MGAF6HH.1.3']);
    client.destroy();
  });
});
