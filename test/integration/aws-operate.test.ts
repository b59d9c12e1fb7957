import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandOutput,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  BatchGetBuildsCommand,
  type BatchGetBuildsCommandOutput,
  BatchGetReportsCommand,
  type BatchGetReportsCommandOutput,
  CodeBuildClient,
  StartBuildCommand,
  type StartBuildCommandInput,
  StopBuildCommand,
} from '@aws-sdk/client-codebuild';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { sign } from '@octokit/webhooks-methods';
import { mockClient } from 'aws-sdk-client-mock';
import { DEPLOYED_NAMES } from '../../serverless/functions.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { shortRunId } from '../../shared/domain/run-id.ts';
import { awsFixture, awsResponse } from '../contract/aws/support/aws-shapes.ts';
import { type LocalDynamo, startLocalDynamo } from '../contract/aws/support/dynalite-server.ts';
import { createPushlineTable, localClient } from '../contract/aws/support/pushline-table.ts';
import {
  type Envelope,
  type Handler,
  routingOf,
  simulatedEventRouting,
} from '../support/simulated-event-routing.ts';
import { packagedStack } from '../unit/serverless/support/packaged-stack.ts';
import { SimulatedCodeDeploy } from '../unit/serverless/support/simulated-codedeploy.ts';
import { ACCOUNT, environmentOf, REGION } from '../unit/serverless/support/template-values.ts';
import { copy, githubExamples } from '../unit/shared/sources/github-examples.ts';

/**
 * Operating runs by hand on AWS, end to end in one process, as aws-simulation.test.ts plays the
 * rest of AWS mode: the real handler exports with the packaged template's environment, dynalite
 * for the table, the template's rules routing events, the outbox simulated from the table's new
 * items through the real `publish`; CodeBuild, CodeDeploy, CloudWatch, Scheduler and SSM answer in
 * AWS's documented shapes. The `api` function is called as the HTTP API calls it (payload 2.0),
 * with a bearer token from its SSM parameter.
 */

const SECRET = 'operate-webhook-secret';
const TOKENS = { 'Priya Natarajan': 'tok-priya-7c2e9a4f1b3d5e60', 'release-bot': 'tok-bot-3e8d1c6a9f2b4e71' };
const TASK_DEFINITION = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/hello:8`;
const ALB = { TargetGroup: 'targetgroup/hello-green/6d0ecf831eec9f09' };
const ecsTarget = (deploymentGroup: string, more: Record<string, unknown> = {}) => ({
  application: 'hello',
  deploymentGroup,
  platform: 'ECS',
  container: 'web',
  containerPort: 8080,
  ...more,
});
const canary = {
  interval: '1m',
  bake: '2m',
  alarms: ['hello-5xx'],
  metrics: [
    {
      name: 'requests',
      cloudwatch: {
        namespace: 'AWS/ApplicationELB',
        metricName: 'RequestCountPerTarget',
        dimensions: ALB,
        stat: 'Sum',
      },
      min: 1,
    },
  ],
};

/** One pipeline per scenario, so no run supersedes another's. */
const PIPELINES = {
  people: { 'Priya Natarajan': { github: 'priya-n' } },
  pipelines: [
    {
      name: 'gated',
      source: { github: 'Codertocat/Hello-World' },
      on: { branches: ['master'] },
      build: { codebuild: { project: 'gated-build' } },
      staging: { codedeploy: ecsTarget('gated-staging') },
      production: {
        codedeploy: ecsTarget('gated-production', {
          deploymentConfig: 'CodeDeployDefault.ECSCanary10Percent15Minutes',
        }),
        approval: { required: true, approvers: ['Priya Natarajan'] },
        canary,
      },
    },
    {
      name: 'slow-build',
      source: { github: 'Codertocat/Hello-World' },
      on: { branches: ['slow/**'] },
      build: { codebuild: { project: 'slow-build' } },
    },
    {
      name: 'canaried',
      source: { github: 'Codertocat/Hello-World' },
      on: { branches: ['canary/**'] },
      build: { codebuild: { project: 'canaried-build' } },
      production: {
        codedeploy: ecsTarget('canaried-production', {
          deploymentConfig: 'CodeDeployDefault.ECSCanary10Percent15Minutes',
        }),
        canary,
      },
    },
    {
      name: 'flaky',
      source: { github: 'Codertocat/Hello-World' },
      on: { branches: ['flaky/**'] },
      build: { codebuild: { project: 'flaky-build' } },
      production: {
        codedeploy: ecsTarget('flaky-production', {
          deploymentConfig: 'CodeDeployDefault.ECSCanary10Percent15Minutes',
        }),
        canary,
      },
    },
  ],
};

const codebuild = mockClient(CodeBuildClient);
const cloudwatch = mockClient(CloudWatchClient);
const scheduler = mockClient(SchedulerClient);
const ssm = mockClient(SSMClient);
const codedeploy = new SimulatedCodeDeploy();
const context = { awsRequestId: 'operate', functionName: 'operate' };
const push = githubExamples('push').find((e) => e.payload.ref === 'refs/heads/master')!.payload;

describe('operating runs on AWS through the api function', () => {
  let dynamo: LocalDynamo;
  let store: DynamoRunStore;
  const handlers: Record<string, Handler> = {};
  const builds = new Map<string, StartBuildCommandInput>();
  /** How each build ended, as BatchGetBuilds reports it (SUCCEEDED unless a test says otherwise). */
  const outcomes = new Map<string, 'SUCCEEDED' | 'FAILED'>();

  /** EventBridge and the outbox pipe over the template's own routing (test/support/simulated-event-routing.ts). */
  let routing: ReturnType<typeof simulatedEventRouting>;
  const putEvent = (bus: 'pushline' | 'default', envelope: Envelope) => routing.put(bus, envelope);
  const pumpStream = () => routing.pump();

  /** A signed GitHub push to `branch`: the run it started, once everything it set off is done. */
  async function githubPush(branch: string, delivery: string): Promise<string> {
    const payload = copy(push);
    payload.ref = `refs/heads/${branch}`;
    const body = JSON.stringify(payload);
    const response = (await handlers['receive-github']!(
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
    await pumpStream();
    return (JSON.parse(response.body) as { runs: { runId: string }[] }).runs[0]!.runId;
  }

  /** CodeBuild reports the build of `project` succeeded (its state change on the default bus). */
  async function buildSucceeds(project: string): Promise<void> {
    await buildFinishes(project, 'SUCCEEDED');
  }

  /** CodeBuild reports how the last build of `project` ended: its state change on the default bus. */
  async function buildFinishes(project: string, status: 'SUCCEEDED' | 'FAILED'): Promise<void> {
    const buildId = [...builds.keys()].findLast((id) => id.startsWith(`${project}:`))!;
    outcomes.set(buildId, status);
    const event = awsFixture<Envelope>(`codebuild-build-state-change-${status.toLowerCase()}`);
    event.detail['build-id'] = `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${buildId}`;
    event.detail['project-name'] = project;
    await putEvent('default', event);
  }

  /** Someone operates a run through the HTTP API: `POST /api/runs/{id}/<action>` with their token. */
  async function operate(
    action: 'approve' | 'retry' | 'cancel' | 'redeploy',
    runId: string,
    token: string,
    body: object,
  ) {
    const path = `/api/runs/${shortRunId(runId)}/${action}`;
    const response = (await handlers.api!(
      {
        version: '2.0',
        routeKey: `POST /api/runs/{id}/${action}`,
        rawPath: path,
        rawQueryString: '',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        isBase64Encoded: false,
        pathParameters: { id: shortRunId(runId) },
        requestContext: { requestId: `api-${action}`, http: { method: 'POST', path } },
      },
      context,
    )) as { statusCode: number; body: string };
    await pumpStream();
    return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> };
  }

  const logOf = async (runId: string) => (await store.log(runId)).map((e) => e.detailType);

  beforeAll(async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const [stack, local] = await Promise.all([packagedStack(), startLocalDynamo()]);
    dynamo = local;
    const table = await createPushlineTable(localClient(dynamo.endpoint), 'pushline-operate');
    store = new DynamoRunStore({ client: localClient(dynamo.endpoint), tableName: table });
    const { names } = routingOf(stack);
    routing = simulatedEventRouting({
      stack,
      handlers,
      dynamoEndpoint: () => dynamo.endpoint,
      context,
    });

    // One process plays every function: each reads its own variables of the template's environment.
    Object.assign(process.env, ...[...names.keys()].map((id) => environmentOf(stack, id)), {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      PUSHLINE_TABLE: table,
      PUSHLINE_PIPELINES: JSON.stringify(PIPELINES),
    });
    const prefix = process.env.PUSHLINE_SECRETS_PREFIX;
    const parameter = (name: string, value: string) =>
      ssm.on(GetParameterCommand, { Name: `${prefix}${name}` }).resolves({
        Parameter: { Name: `${prefix}${name}`, Type: 'SecureString', Value: value, Version: 1 },
      });
    parameter('github-webhook-secret', SECRET);
    parameter('api-tokens', JSON.stringify(TOKENS));

    codebuild.on(StartBuildCommand).callsFake((input: StartBuildCommandInput) => {
      const id = `${input.projectName}:${String(builds.size + 1).padStart(8, '0')}-0000-4000-8000-000000000000`;
      builds.set(id, input);
      return {
        build: { id, arn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${id}`, buildStatus: 'IN_PROGRESS' },
      };
    });
    codebuild.on(StopBuildCommand).callsFake(({ id }: { id: string }) => ({
      build: { id, buildStatus: 'IN_PROGRESS', currentPhase: 'BUILD' },
    }));
    codebuild.on(BatchGetBuildsCommand).callsFake(({ ids }: { ids: string[] }) => {
      const status = outcomes.get(ids[0]!) ?? 'SUCCEEDED';
      const response = awsResponse<BatchGetBuildsCommandOutput>(
        `codebuild-batch-get-builds-${status.toLowerCase()}`,
      );
      const build = response.builds![0]!;
      const input = builds.get(ids[0]!)!;
      Object.assign(build, { id: ids[0], buildStatus: status, projectName: input.projectName });
      build.environment!.environmentVariables = input.environmentVariablesOverride!;
      build.exportedEnvironmentVariables = [{ name: 'TASK_DEFINITION_ARN', value: TASK_DEFINITION }];
      return response;
    });
    // Every test passed: no failing cases to describe.
    const reports = awsResponse<BatchGetReportsCommandOutput>('codebuild-batch-get-reports');
    reports.reports![0]!.testSummary!.statusCounts = { SUCCEEDED: 28 };
    codebuild.on(BatchGetReportsCommand).resolves(reports);
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map(({ Id }) => ({
        Id,
        Timestamps: [new Date()],
        Values: [60],
        StatusCode: 'Complete',
      })),
      Messages: [],
    }));
    const alarm = awsResponse<DescribeAlarmsCommandOutput>('cloudwatch-describe-alarms').MetricAlarms![0]!;
    cloudwatch.on(DescribeAlarmsCommand).callsFake(({ AlarmNames = [] }: { AlarmNames?: string[] }) => ({
      MetricAlarms: AlarmNames.map((AlarmName) => ({ ...alarm, AlarmName, StateValue: 'OK' })),
      CompositeAlarms: [],
    }));
    scheduler.on(CreateScheduleCommand).callsFake((input: { GroupName?: string; Name?: string }) => ({
      ScheduleArn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${input.GroupName}/${input.Name}`,
    }));

    for (const name of DEPLOYED_NAMES.filter((n) => n !== 'notify' && n !== 'receive-gitlab')) {
      handlers[name] = ((await import(`../../functions/${name}/handler.ts`)) as { handler: Handler }).handler;
    }
  }, 300_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await dynamo?.close();
  });

  it('takes a run approved at the gate on to the canary: CreateDeployment to production follows', async () => {
    // Prepare: a push, its build and staging; the run stops at the gate
    const runId = await githubPush('master', 'delivery-gated');
    await buildSucceeds('gated-build');
    const staging = codedeploy.lastIn('gated-staging')!.deploymentId!;
    await putEvent('default', codedeploy.stateChange(staging, 'SUCCESS'));
    expect(await logOf(runId)).toEqual([
      'Run Started',
      'Build Started',
      'Tests Passed',
      'Staging Started',
      'Staging Deployed',
      'Approval Requested',
    ]);
    expect(codedeploy.lastIn('gated-production')).toBeUndefined();

    // Act: Priya approves through the HTTP API
    const { status, json } = await operate('approve', runId, TOKENS['Priya Natarajan'], {
      comment: 'checked the checkout on staging',
    });

    // Assess: the decision is recorded under her token's name, and the canary starts
    expect(status).toBe(200);
    expect(json.run).toMatchObject({ id: runId, status: 'running' });
    expect(await logOf(runId)).toEqual([
      'Run Started',
      'Build Started',
      'Tests Passed',
      'Staging Started',
      'Staging Deployed',
      'Approval Requested',
      'Approved',
      'Canary Started',
    ]);
    const approved = (await store.log(runId)).find((e) => e.detailType === 'Approved')!;
    expect(approved.detail.data).toEqual({
      by: 'Priya Natarajan',
      comment: 'checked the checkout on staging',
    });
    expect(codedeploy.created.at(-1)).toMatchObject({
      applicationName: 'hello',
      deploymentGroupName: 'gated-production',
      deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent15Minutes',
    });
    expect((await store.get(runId))!.run.canary?.deploymentId).toBe(
      codedeploy.lastIn('gated-production')!.deploymentId,
    );
  });

  it('cancels a run during its build: StopBuild with the build id, the run cancelled by the token’s name', async () => {
    // Prepare: the build is under way
    const runId = await githubPush('slow/1', 'delivery-slow');
    const buildId = (await store.get(runId))!.run.build!.buildId;
    expect(buildId).toMatch(/^slow-build:/);

    // Act
    const { status, json } = await operate('cancel', runId, TOKENS['release-bot'], {
      by: 'someone else',
      reason: 'wrong branch',
    });

    // Assess
    expect(status).toBe(200);
    expect(json).toMatchObject({ stopped: [buildId], notStopped: [] });
    expect(codebuild.commandCalls(StopBuildCommand)[0]!.args[0].input).toEqual({ id: buildId });
    const run = (await store.get(runId))!.run;
    expect(run.status).toBe('cancelled');
    expect(run.reason).toBe('cancelled by release-bot: wrong branch');
    expect(await logOf(runId)).toEqual(['Run Started', 'Build Started', 'Run Finished']);
  });

  it('cancels a run during its canary: StopDeployment with autoRollbackEnabled, the run cancelled', async () => {
    // Prepare: no staging, so the canary starts once the build passes
    const runId = await githubPush('canary/1', 'delivery-canary');
    await buildSucceeds('canaried-build');
    const deploymentId = codedeploy.lastIn('canaried-production')!.deploymentId!;
    expect(await logOf(runId)).toContain('Canary Started');

    // Act
    const { status, json } = await operate('cancel', runId, TOKENS['Priya Natarajan'], {
      reason: 'errors in the new checkout',
    });

    // Assess: CodeDeploy was told to stop the canary and shift the traffic back
    expect(status).toBe(200);
    expect(json).toMatchObject({ stopped: [deploymentId], notStopped: [] });
    expect(codedeploy.stopped[0]).toEqual({ deploymentId, autoRollbackEnabled: true });
    expect(codedeploy.deployments.get(deploymentId)?.rollbackInfo?.rollbackDeploymentId).toBeDefined();
    const run = (await store.get(runId))!.run;
    expect(run.status).toBe('cancelled');
    expect(run.reason).toBe('cancelled by Priya Natarajan: errors in the new checkout');
  });

  it('refuses a second cancel with 409 and the run’s state', async () => {
    const runId = (await store.list({ pipeline: 'canaried' })).runs[0]!.id;

    const { status, json } = await operate('cancel', runId, TOKENS['Priya Natarajan'], {});

    expect(status).toBe(409);
    expect(json).toMatchObject({ run: { id: runId, status: 'cancelled' } });
  });

  it('retries a run whose build failed: Run Retried, a second StartBuild for attempt 2, and the run goes on', async () => {
    // Prepare: a push whose build fails
    const runId = await githubPush('flaky/1', 'delivery-flaky');
    await buildFinishes('flaky-build', 'FAILED');
    expect((await store.get(runId))!.run).toMatchObject({ status: 'failed', attempt: 1 });
    const first = [...builds].filter(([id]) => id.startsWith('flaky-build:'));
    expect(first).toHaveLength(1);

    // Act: Priya retries it through the HTTP API
    const { status, json } = await operate('retry', runId, TOKENS['Priya Natarajan'], {
      reason: 'the registry timed out',
    });

    // Assess: a new attempt, from the build, built again with the attempt in its token and environment
    expect(status).toBe(200);
    expect(json.run).toMatchObject({ id: runId, status: 'running' });
    const retried = (await store.log(runId)).find((e) => e.detailType === 'Run Retried')!;
    expect(retried.detail).toMatchObject({
      stage: 'build',
      attempt: 2,
      data: { by: 'Priya Natarajan', previousAttempt: 1, reason: 'the registry timed out' },
    });
    const starts = codebuild
      .commandCalls(StartBuildCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.projectName === 'flaky-build');
    expect(starts).toHaveLength(2);
    expect(starts[1]).toMatchObject({
      projectName: 'flaky-build',
      sourceVersion: push.after,
      idempotencyToken: `${runId}-2`,
    });
    expect(starts[1]!.idempotencyToken).not.toBe(starts[0]!.idempotencyToken);
    expect(starts[1]!.environmentVariablesOverride).toEqual(
      expect.arrayContaining([
        { name: 'PUSHLINE_RUN_ID', value: runId, type: 'PLAINTEXT' },
        { name: 'PUSHLINE_ATTEMPT', value: '2', type: 'PLAINTEXT' },
      ]),
    );
    const second = (await store.get(runId))!.run;
    expect(second).toMatchObject({ status: 'running', attempt: 2, stages: { build: { status: 'running' } } });
    expect(second.build?.buildId).not.toBe(first[0]![0]);

    // Act and assess: the second build passes and the run goes on to its canary
    await buildSucceeds('flaky-build');
    expect(await logOf(runId)).toEqual([
      'Run Started',
      'Build Started',
      'Build Failed',
      'Run Finished',
      'Run Retried',
      'Build Started',
      'Tests Passed',
      'Staging Deployed', // skipped: no staging target
      'Canary Started',
    ]);
    expect(codedeploy.created.at(-1)).toMatchObject({ deploymentGroupName: 'flaky-production' });
  });

  it("redeploys a run's release as a new run: no StartBuild, CreateDeployment to staging with the same revision", async () => {
    // Prepare: a release built and deployed to staging, waiting at the gate
    const earlier = await githubPush('master', 'delivery-redeploy');
    await buildSucceeds('gated-build');
    const staging = codedeploy.lastIn('gated-staging')!;
    await putEvent('default', codedeploy.stateChange(staging.deploymentId!, 'SUCCESS'));
    const builds = codebuild.commandCalls(StartBuildCommand).length;

    // Act: Priya redeploys it through the HTTP API
    const { status, json } = await operate('redeploy', earlier, TOKENS['Priya Natarajan'], {});

    // Assess: a new run of the same push, the build reused, staging deployed with the same revision
    expect(status).toBe(200);
    expect(json.redeployOf).toBe(earlier);
    const run = (await store.get((json.run as { id: string }).id))!.run;
    expect(run).toMatchObject({ trigger: 'redeploy', redeployOf: earlier, by: 'Priya Natarajan' });
    expect(run.stages.build.status).toBe('skipped');
    expect(codebuild.commandCalls(StartBuildCommand)).toHaveLength(builds);
    expect(await logOf(run.id)).toEqual(['Run Started', 'Staging Started']);
    const again = codedeploy.lastIn('gated-staging')!;
    expect(again.deploymentId).not.toBe(staging.deploymentId);
    // The same release: the AppSpec names the same task definition as the earlier deployment's.
    const appSpec = codedeploy.appSpecs.get(staging.deploymentId!);
    expect(appSpec).toBeDefined();
    expect(codedeploy.appSpecs.get(again.deploymentId!)).toEqual(appSpec);
  });
});
