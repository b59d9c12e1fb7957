import {
  BatchGetBuildsCommand,
  type BatchGetBuildsCommandOutput,
  BatchGetReportsCommand,
  type BatchGetReportsCommandOutput,
  CodeBuildClient,
  StartBuildCommand,
  type StartBuildCommandInput,
} from '@aws-sdk/client-codebuild';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { sign } from '@octokit/webhooks-methods';
import { mockClient } from 'aws-sdk-client-mock';
import { type EventPattern, matchesPattern } from '../../serverless/event-pattern.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { awsFixture, awsResponse } from '../contract/aws/support/aws-shapes.ts';
import { type LocalDynamo, startLocalDynamo } from '../contract/aws/support/dynalite-server.ts';
import { createPushlineTable, localClient } from '../contract/aws/support/pushline-table.ts';
import { packagedStack } from '../unit/serverless/support/packaged-stack.ts';
import { copy, githubExamples } from '../unit/shared/sources/github-examples.ts';

/**
 * AWS mode end to end, in one process: the real Lambda handler exports, configured through their
 * environment as on AWS, against dynalite for DynamoDB; EventBridge is an in-memory router that
 * uses the packaged template's own rules (and our pattern matcher); the DynamoDB stream and the
 * outbox pipe are simulated from the table's new items, filtered by the template's pipe filter
 * and published by the real `publish` handler. CodeBuild and SSM answer with mocked responses
 * shaped like AWS's documented ones.
 */
type Handler = (event: unknown, context?: unknown) => Promise<unknown>;
type Envelope = { 'detail-type': string; source: string; detail: Record<string, unknown> } & Record<
  string,
  unknown
>;

const SECRET = 'simulation-webhook-secret';
const codebuild = mockClient(CodeBuildClient);
const ssm = mockClient(SSMClient);
const context = { awsRequestId: 'sim', functionName: 'sim' };
const push = githubExamples('push').find((e) => e.payload.ref === 'refs/heads/master')!.payload;

describe('AWS mode simulation', () => {
  let dynamo: LocalDynamo;
  let table: string;
  let store: DynamoRunStore;
  let rules: { target: string; bus: string; pattern: EventPattern }[];
  let pipeFilter: EventPattern;
  const handlers: Record<string, Handler> = {};
  const published: Envelope[] = [];
  const deliveries: { target: string; detailType: string }[] = [];
  const seen = new Set<string>();
  const builds = new Map<string, StartBuildCommandInput>();
  let buildOutcome: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED';

  /** EventBridge: every rule on the bus whose pattern matches invokes its target. */
  async function putEvent(bus: 'pushline' | 'default', envelope: Envelope): Promise<void> {
    for (const rule of rules.filter((r) => r.bus === bus && matchesPattern(r.pattern, envelope))) {
      deliveries.push({ target: rule.target, detailType: envelope['detail-type'] });
      const handler = handlers[rule.target];
      if (handler) await handler(envelope, context);
      await pumpStream();
    }
  }

  /** The table's stream → the outbox pipe (its filter, the publish enrichment) → the Pushline bus. */
  async function pumpStream(): Promise<void> {
    const { Items = [] } = await localClient(dynamo.endpoint).send(new ScanCommand({ TableName: table }));
    const fresh = Items.filter((item) => !seen.has(`${item.pk?.S}|${item.sk?.S}`)).sort((a, b) =>
      `${a.recordedAt?.S}${a.sk?.S}`.localeCompare(`${b.recordedAt?.S}${b.sk?.S}`),
    );
    for (const item of fresh) seen.add(`${item.pk?.S}|${item.sk?.S}`);
    const records = fresh
      .map((NewImage: Record<string, AttributeValue>) => ({ eventName: 'INSERT', dynamodb: { NewImage } }))
      .filter((record) => matchesPattern(pipeFilter, record));
    if (records.length === 0) return;
    const entries = (await handlers.publish!(records, context)) as {
      detailType: string;
      detail: Envelope['detail'];
    }[];
    for (const entry of entries) {
      const envelope = {
        version: '0',
        id: `sim-${published.length}`,
        'detail-type': entry.detailType,
        source: 'pushline',
        account: '123456789012',
        time: new Date().toISOString(),
        region: 'eu-west-1',
        resources: [],
        detail: entry.detail,
      };
      published.push(envelope);
      await putEvent('pushline', envelope);
    }
  }

  /** CodeBuild finishing a build: its state-change event on the default bus. */
  async function codebuildFinishes(buildId: string, status: 'SUCCEEDED' | 'FAILED'): Promise<void> {
    buildOutcome = status;
    const event = awsFixture<Envelope>(`codebuild-build-state-change-${status.toLowerCase()}`);
    event.detail['build-id'] = `arn:aws:codebuild:eu-west-1:123456789012:build/${buildId}`;
    event.detail['project-name'] = buildId.split(':')[0];
    await putEvent('default', event);
  }

  async function githubPush(payload: Record<string, unknown>, delivery: string) {
    const body = JSON.stringify(payload);
    return (await handlers['receive-github']!(
      {
        version: '2.0',
        routeKey: 'POST /webhooks/github',
        rawPath: '/webhooks/github',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': delivery,
          'x-hub-signature-256': await sign(SECRET, body),
        },
        body,
        isBase64Encoded: false,
        requestContext: { requestId: delivery, http: { method: 'POST', path: '/webhooks/github' } },
      },
      context,
    )) as { statusCode: number; body: string };
  }

  beforeAll(async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const [stack, local] = await Promise.all([packagedStack(), startLocalDynamo()]);
    dynamo = local;
    table = await createPushlineTable(localClient(dynamo.endpoint), 'pushline-sim');
    store = new DynamoRunStore({ client: localClient(dynamo.endpoint), tableName: table });
    const resources = Object.entries(stack.template.Resources);
    const targets: Record<string, string> = {
      ReceiveGithubLambdaFunction: 'receive-github',
      StartBuildLambdaFunction: 'start-build',
      FinishBuildLambdaFunction: 'finish-build',
      NotifyLambdaFunction: 'notify',
      ReceiveCodecommitLambdaFunction: 'receive-codecommit',
    };
    rules = resources
      .filter(([, r]) => r.Type === 'AWS::Events::Rule')
      .map(([, r]) => ({
        target:
          targets[r.Properties.Targets[0].Arn['Fn::GetAtt'][0]] ??
          r.Properties.Targets[0].Arn['Fn::GetAtt'][0],
        bus: r.Properties.EventBusName === 'default' ? 'default' : 'pushline',
        pattern: r.Properties.EventPattern,
      }));
    const pipe = resources.find(([, r]) => r.Type === 'AWS::Pipes::Pipe')![1];
    pipeFilter = JSON.parse(pipe.Properties.SourceParameters.FilterCriteria.Filters[0].Pattern);

    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      PUSHLINE_TABLE: table,
      PUSHLINE_STAGE: 'sim',
      PUSHLINE_SECRETS_PREFIX: '/pushline/sim/',
      PUSHLINE_PIPELINES: JSON.stringify({
        pipelines: [
          {
            name: 'hello',
            source: { github: 'Codertocat/Hello-World' },
            on: { branches: ['master'] },
            build: { codebuild: { project: 'hello-build' } },
          },
          {
            name: 'hello-release',
            source: { github: 'Codertocat/Hello-World' },
            on: { branches: ['release/**'] },
            build: { codebuild: { project: 'hello-release-build' } },
          },
        ],
      }),
    });
    ssm.on(GetParameterCommand, { Name: '/pushline/sim/github-webhook-secret' }).resolves({
      Parameter: {
        Name: '/pushline/sim/github-webhook-secret',
        Type: 'SecureString',
        Value: SECRET,
        Version: 1,
      },
    });
    codebuild.on(StartBuildCommand).callsFake((input: StartBuildCommandInput) => {
      const id = `${input.projectName}:${String(builds.size + 1).padStart(8, '0')}-0000-4000-8000-000000000000`;
      builds.set(id, input);
      return {
        build: {
          id,
          arn: `arn:aws:codebuild:eu-west-1:123456789012:build/${id}`,
          buildStatus: 'IN_PROGRESS',
        },
      };
    });
    codebuild.on(BatchGetBuildsCommand).callsFake(({ ids }: { ids: string[] }) => {
      const response = awsResponse<BatchGetBuildsCommandOutput>(
        `codebuild-batch-get-builds-${buildOutcome.toLowerCase()}`,
      );
      const build = response.builds![0]!;
      Object.assign(build, { id: ids[0], buildStatus: buildOutcome });
      build.environment!.environmentVariables = builds.get(ids[0]!)!.environmentVariablesOverride!;
      return response;
    });
    const reports = awsResponse<BatchGetReportsCommandOutput>('codebuild-batch-get-reports');
    reports.reports![0]!.testSummary!.statusCounts = { SUCCEEDED: 28 };
    codebuild.on(BatchGetReportsCommand).resolves(reports);

    for (const name of ['receive-github', 'start-build', 'finish-build', 'publish']) {
      handlers[name] = ((await import(`../../functions/${name}/handler.ts`)) as { handler: Handler }).handler;
    }
  }, 300_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await dynamo?.close();
  });

  it('takes a signed GitHub push to Tests Passed through the real handlers, the bus rules and the outbox', async () => {
    const response = await githubPush(push, 'delivery-passing');
    await pumpStream();
    const [runId] = (JSON.parse(response.body) as { runs: { runId: string }[] }).runs.map((r) => r.runId);
    const buildId = [...builds.keys()][0]!;

    await codebuildFinishes(buildId, 'SUCCEEDED');

    expect(response.statusCode).toBe(202);
    expect(builds.get(buildId)).toMatchObject({
      projectName: 'hello-build',
      sourceVersion: push.after,
      idempotencyToken: `${runId}-1`,
    });
    const log = await store.log(runId!);
    expect(log.map((e) => e.detailType)).toEqual(['Run Started', 'Build Started', 'Tests Passed']);
    expect(log[2]!.detail).toMatchObject({ data: { buildId, tests: { total: 28, passed: 28, failed: 0 } } });
    expect((await store.get(runId!))?.run.stages.build.status).toBe('succeeded');
    expect(published.map((e) => e['detail-type'])).toEqual(['Run Started', 'Build Started', 'Tests Passed']);
    expect(deliveries).toEqual(
      expect.arrayContaining([
        { target: 'start-build', detailType: 'Run Started' },
        { target: 'notify', detailType: 'Build Started' },
        { target: 'finish-build', detailType: 'CodeBuild Build State Change' },
        { target: 'notify', detailType: 'Tests Passed' },
      ]),
    );
  });

  it('takes a push whose build fails to Build Failed and a failed run', async () => {
    const release = copy(push);
    release.ref = 'refs/heads/release/1.0';
    const response = await githubPush(release, 'delivery-failing');
    await pumpStream();
    const [runId] = (JSON.parse(response.body) as { runs: { runId: string }[] }).runs.map((r) => r.runId);
    const buildId = [...builds.keys()].find((id) => id.startsWith('hello-release-build:'))!;

    await codebuildFinishes(buildId, 'FAILED');

    const log = await store.log(runId!);
    expect(log.map((e) => e.detailType)).toEqual([
      'Run Started',
      'Build Started',
      'Build Failed',
      'Run Finished',
    ]);
    expect(log[2]!.detail).toMatchObject({
      data: { status: 'FAILED', phase: 'INSTALL', reason: expect.stringMatching(/^YAML_FILE_ERROR/) },
    });
    expect((await store.get(runId!))?.run.status).toBe('failed');
    expect(published.slice(-2).map((e) => e['detail-type'])).toEqual(['Build Failed', 'Run Finished']);
    expect(
      deliveries
        .filter((d) => d.detailType === 'Run Finished')
        .map((d) => d.target)
        .sort(),
    ).toEqual(['notify', 'start-build']);
  });

  it('answers a redelivered push with the original run and starts no second build', async () => {
    const before = builds.size;

    const response = await githubPush(push, 'delivery-passing');
    await pumpStream();

    expect(response.statusCode).toBe(200);
    expect(builds.size).toBe(before);
  });
});
