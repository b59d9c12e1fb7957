import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as publish } from '../../functions/publish/handler.ts';
import { matchesPattern } from '../../serverless/event-pattern.ts';
import { type BusEntry, OUTBOX_FILTER_PATTERN, type StreamRecord } from '../../shared/aws/outbox-records.ts';
import type { CheckClients, CheckContext } from '../../shared/aws/self-check/check.ts';
import type { DeployedStack } from '../../shared/aws/self-check/deployed-stack.ts';
import { outboxProbe } from '../../shared/aws/self-check/outbox-probe.ts';
import { schedulesCheck } from '../../shared/aws/self-check/schedules-check.ts';
import { secretsCheck } from '../../shared/aws/self-check/secrets-check.ts';
import { loadPipelineFile } from '../../shared/domain/pipeline-file.ts';
import { createPushlineTable } from '../contract/aws/support/pushline-table.ts';
import { type Moto, startMoto } from '../support/moto.ts';

/**
 * `pushline aws check` against moto over real HTTP: the outbox probe through a table stream and a
 * bus (moto has no Pipes: the test's pump stands in for the pipe, reading the stream and calling
 * the real publish handler, then PutEvents as the pipe's target does), the secrets check on SSM,
 * the schedules check on EventBridge and Scheduler (IAM's policy simulator is not in moto: that one
 * client is aws-sdk-client-mock). Each check must leave nothing behind.
 */
let moto: Moto;
let clients: CheckClients;
let streams: DynamoDBStreamsClient;
let table: string;
const BUS = 'pushline-moto';

beforeAll(async () => {
  moto = await startMoto();
  clients = {
    cloudformation: new CloudFormationClient(moto.clientConfig),
    dynamodb: new DynamoDBClient(moto.clientConfig),
    events: new EventBridgeClient(moto.clientConfig),
    iam: new IAMClient(moto.clientConfig),
    scheduler: new SchedulerClient(moto.clientConfig),
    secretsManager: new SecretsManagerClient(moto.clientConfig),
    sqs: new SQSClient(moto.clientConfig),
    ssm: new SSMClient(moto.clientConfig),
  };
  streams = new DynamoDBStreamsClient(moto.clientConfig);
  table = await createPushlineTable(clients.dynamodb, 'pushline-moto', { stream: true });
  await clients.events.send(new CreateEventBusCommand({ Name: BUS }));
});
afterAll(async () => {
  for (const client of [...Object.values(clients), streams]) client.destroy();
  await moto.close();
});

function context(stack: Partial<DeployedStack>, overrides: Partial<CheckContext> = {}): CheckContext {
  const deployed: DeployedStack = {
    name: 'pushline-moto',
    status: 'UPDATE_COMPLETE',
    outputs: { EventBusName: BUS, TableName: table, ScheduleGroupName: 'pushline-moto' },
    resources: {},
    template: { Resources: {} },
    ...stack,
  };
  return {
    clients,
    stage: 'moto',
    stack: async () => deployed,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 100))),
    probeId: `check-${Math.random().toString(36).slice(2, 10)}`,
    probeTimeoutMs: 15_000,
    ...overrides,
  };
}

/** The pipe's stand-in: new stream records through the filter and the real publish, onto the bus. */
function pipe(): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: table }));
    const arn = Table!.LatestStreamArn!;
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    let { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: arn,
        ShardId: StreamDescription!.Shards![0]!.ShardId!,
        ShardIteratorType: 'LATEST',
      }),
    );
    while (running && ShardIterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
      ShardIterator = page.NextShardIterator;
      const records = (page.Records ?? []).filter((r) =>
        matchesPattern(OUTBOX_FILTER_PATTERN, r),
      ) as StreamRecord[];
      if (records.length > 0) {
        const entries = (await publish(records, { awsRequestId: 'pipe' } as never)) as BusEntry[];
        await clients.events.send(
          new PutEventsCommand({
            Entries: entries.map((e) => ({
              EventBusName: BUS,
              Source: 'pushline',
              DetailType: e.detailType,
              Detail: JSON.stringify(e.detail),
              Time: new Date(e.time),
            })),
          }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function leftovers() {
  const rules = await clients.events.send(
    new ListRulesCommand({ EventBusName: BUS, NamePrefix: 'pushline-check-' }),
  );
  const queues = await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'pushline-check-' }));
  const items = await clients.dynamodb.send(new ScanCommand({ TableName: table }));
  return {
    rules: rules.Rules?.map((r) => r.Name) ?? [],
    queues: queues.QueueUrls ?? [],
    items: (items.Items ?? []).filter((i) => i.pk?.S?.includes('check-')).map((i) => i.pk?.S),
  };
}

describe('the outbox probe', () => {
  it('sees its entry arrive on the bus through the stream and the publish step, and removes everything', async () => {
    const pump = pipe();
    try {
      const result = await outboxProbe.run(context({}));

      expect(result).toEqual({ ok: true, detail: `the probe reached ${BUS} as Build Started from pushline` });
    } finally {
      await pump.stop();
    }
    expect(await leftovers()).toEqual({ rules: [], queues: [], items: [] });
  });

  it('fails with what to look at when nothing carries the entry to the bus, and still removes everything', async () => {
    const result = await outboxProbe.run(context({}, { probeTimeoutMs: 1_500 }));

    expect(result).toMatchObject({
      ok: false,
      detail: expect.stringContaining('did not reach'),
      fix: expect.stringContaining('OutboxPipe'),
    });
    expect(await leftovers()).toEqual({ rules: [], queues: [], items: [] });
  });
});

describe('the secrets check', () => {
  const file = loadPipelineFile(`
version: 1
pipelines:
  - name: web
    source: { github: acme/web }
    build: { codebuild: { project: web } }
    notifications: { slack: { channel: '#deploys' } }
`);

  it('names each missing secret, why it is needed, and how to put it', async () => {
    await clients.ssm.send(
      new PutParameterCommand({
        Name: '/pushline/moto/github-webhook-secret',
        Value: 's',
        Type: 'SecureString',
      }),
    );

    const result = await secretsCheck(file).run(context({}));

    expect(result).toMatchObject({
      ok: false,
      fix: expect.stringContaining('aws ssm put-parameter --type SecureString --name /pushline/moto/'),
    });
    expect(result.detail).toContain('/pushline/moto/GITHUB_TOKEN (notify sets web');
    expect(result.detail).toContain('/pushline/moto/SLACK_BOT_TOKEN');
    expect(result.detail).toContain('/pushline/moto/api-tokens');
    expect(result.detail).not.toContain('github-webhook-secret');
  });

  it('passes when every secret is there', async () => {
    for (const name of ['GITHUB_TOKEN', 'SLACK_BOT_TOKEN', 'api-tokens'])
      await clients.ssm.send(
        new PutParameterCommand({ Name: `/pushline/moto/${name}`, Value: 'x', Type: 'SecureString' }),
      );

    expect(await secretsCheck(file).run(context({}))).toEqual({
      ok: true,
      detail: '4 secret(s) present: github-webhook-secret, GITHUB_TOKEN, SLACK_BOT_TOKEN, api-tokens',
    });
  });
});

describe('the schedules check', () => {
  const template = {
    Resources: {
      WatchdogEventsRuleSchedule1: {
        Type: 'AWS::Events::Rule',
        Properties: {
          ScheduleExpression: 'rate(1 minute)',
          Targets: [{ Arn: { 'Fn::GetAtt': ['WatchdogLambdaFunction', 'Arn'] } }],
        },
      },
    },
  };
  const resources = {
    WatchdogEventsRuleSchedule1: 'pushline-moto-WatchdogEventsRuleSchedule1-1X2Y',
    WatchdogLambdaFunction: 'pushline-moto-watchdog',
    CanaryCheckSchedulerRole: 'pushline-moto-CanaryCheckSchedulerRole-9ZQ',
    JudgeCanaryLambdaFunction: 'pushline-moto-judge-canary',
  };

  it('finds the watchdog rule enabled on its target, the group active, and the role allowed to invoke judge-canary', async () => {
    await clients.events.send(
      new PutRuleCommand({
        Name: resources.WatchdogEventsRuleSchedule1,
        ScheduleExpression: 'rate(1 minute)',
      }),
    );
    await clients.events.send(
      new PutTargetsCommand({
        Rule: resources.WatchdogEventsRuleSchedule1,
        Targets: [
          { Id: 'watchdog', Arn: 'arn:aws:lambda:eu-west-1:123456789012:function:pushline-moto-watchdog' },
        ],
      }),
    );
    await clients.scheduler.send(new CreateScheduleGroupCommand({ Name: 'pushline-moto' }));
    const iam = new IAMClient(moto.clientConfig);
    const simulator = mockClient(iam);
    simulator.on(GetRoleCommand).resolves({
      Role: {
        RoleName: resources.CanaryCheckSchedulerRole,
        Arn: `arn:aws:iam::123456789012:role/${resources.CanaryCheckSchedulerRole}`,
        Path: '/',
        RoleId: 'AROA',
        CreateDate: new Date(),
      },
    });
    simulator.on(SimulatePrincipalPolicyCommand).resolves({
      EvaluationResults: [{ EvalActionName: 'lambda:InvokeFunction', EvalDecision: 'allowed' }],
    });

    const result = await schedulesCheck.run({
      ...context({ template: template as never, resources }),
      clients: { ...clients, iam },
    });

    expect(result.ok).toBe(true);
    expect(simulator.commandCalls(SimulatePrincipalPolicyCommand)[0]!.args[0].input.ResourceArns).toEqual([
      'arn:aws:lambda:eu-west-1:123456789012:function:pushline-moto-judge-canary',
    ]);

    simulator.on(SimulatePrincipalPolicyCommand).resolves({
      EvaluationResults: [{ EvalActionName: 'lambda:InvokeFunction', EvalDecision: 'implicitDeny' }],
    });
    const denied = await schedulesCheck.run({
      ...context({ template: template as never, resources }),
      clients: { ...clients, iam },
    });
    expect(denied).toMatchObject({
      ok: false,
      detail: expect.stringContaining('may not invoke pushline-moto-judge-canary (implicitDeny)'),
    });
  });
});
