import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
} from '@aws-sdk/client-codebuild';
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { sign } from '@octokit/webhooks-methods';
import { mockClient } from 'aws-sdk-client-mock';
import { DEPLOYED_NAMES } from '../../serverless/functions.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { awsFixture, awsResponse } from '../contract/aws/support/aws-shapes.ts';
import { startLocalDynamo } from '../contract/aws/support/dynalite-server.ts';
import { createPushlineTable, localClient } from '../contract/aws/support/pushline-table.ts';
import { startMoto } from '../support/moto.ts';
import {
  type Envelope,
  type Handler,
  routingOf,
  simulatedEventRouting,
} from '../support/simulated-event-routing.ts';
import { packagedStack } from '../unit/serverless/support/packaged-stack.ts';
import { SimulatedCodeDeploy } from '../unit/serverless/support/simulated-codedeploy.ts';
import { ACCOUNT, environmentOf, REGION, resolved } from '../unit/serverless/support/template-values.ts';
import { copy, githubExamples } from '../unit/shared/sources/github-examples.ts';

/**
 * AWS mode end to end, in one process: the real Lambda handler exports, configured through the
 * environment the packaged template gives each function (intrinsic functions resolved), against
 * dynalite for DynamoDB; EventBridge is an in-memory router that uses the packaged template's own
 * rules (and our pattern matcher); the DynamoDB stream and the outbox pipe are simulated from the
 * table's new items, filtered by the template's pipe filter and published by the real `publish`
 * handler. CodeBuild, CodeDeploy, CloudWatch, Lambda, EventBridge Scheduler and SSM answer with
 * mocked responses shaped like AWS's documented ones; the test plays CodeDeploy's state changes,
 * CodeDeploy invoking the lifecycle hook, Scheduler running the canary checks (the function at the
 * schedule's target ARN, with its input) and the watchdog's schedule.
 */

const SECRET = 'simulation-webhook-secret';
const TASK_DEFINITION = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/hello:7`;
/** What each CodeBuild project exports (buildspec `env.exported-variables`). */
const EXPORTS: Record<string, { name: string; value: string }[]> = {
  'hello-build': [{ name: 'TASK_DEFINITION_ARN', value: TASK_DEFINITION }],
  'hello-fn-build': [{ name: 'FUNCTION_VERSION', value: '13' }],
  'hello-stuck-build': [{ name: 'TASK_DEFINITION_ARN', value: TASK_DEFINITION }],
};
const ALB = { TargetGroup: 'targetgroup/hello-green/6d0ecf831eec9f09' };
const ecsTarget = (deploymentGroup: string, more: Record<string, unknown> = {}) => ({
  application: 'hello',
  deploymentGroup,
  platform: 'ECS',
  container: 'web',
  containerPort: 8080,
  ...more,
});

/** The pipelines of the simulation, one per ending; the smoke check's server port is known at start. */
function pipelines(smokePort: number) {
  const source = { github: 'Codertocat/Hello-World' };
  return {
    pipelines: [
      {
        name: 'hello',
        source,
        on: { branches: ['master'] },
        build: { codebuild: { project: 'hello-build' } },
        staging: {
          codedeploy: ecsTarget('hello-staging', {
            smokeChecks: [{ url: `http://127.0.0.1:${smokePort}/healthz` }],
          }),
        },
        production: {
          codedeploy: ecsTarget('hello-production', {
            deploymentConfig: 'CodeDeployDefault.ECSCanary10Percent15Minutes',
          }),
          canary: {
            interval: '1m',
            bake: '2m',
            minRequests: 50,
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
              {
                name: 'error_5xx',
                cloudwatch: {
                  namespace: 'AWS/ApplicationELB',
                  metricName: 'HTTPCode_Target_5XX_Count',
                  dimensions: ALB,
                  stat: 'Sum',
                },
                max: 5,
              },
            ],
          },
        },
      },
      {
        name: 'hello-release',
        source,
        on: { branches: ['release/**'] },
        build: { codebuild: { project: 'hello-release-build' } },
      },
      {
        name: 'hello-fn',
        source,
        on: { branches: ['fn/**'] },
        build: { codebuild: { project: 'hello-fn-build' } },
        production: {
          codedeploy: {
            application: 'hello-fn',
            deploymentGroup: 'hello-fn-production',
            platform: 'Lambda',
            deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
            functionName: 'hello-fn',
            alias: 'live',
          },
          canary: { interval: '1m', bake: '3m', alarms: ['hello-fn-errors'] },
        },
      },
      {
        name: 'hello-stuck',
        source,
        on: { branches: ['stuck/**'] },
        build: { codebuild: { project: 'hello-stuck-build' } },
        staging: { codedeploy: ecsTarget('hello-stuck-staging') },
        timeouts: { staging: '1m' },
      },
    ],
  };
}

const codebuild = mockClient(CodeBuildClient);
const cloudwatch = mockClient(CloudWatchClient);
const lambda = mockClient(LambdaClient);
const scheduler = mockClient(SchedulerClient);
/**
 * The table and the parameters live on dynalite and a mock, or — when test/moto/aws-simulation.moto.test.ts
 * runs this same file with PUSHLINE_SIMULATION_BACKEND=moto — on moto, whose DynamoDB and SSM are
 * not ours. The rest stays simulated either way: moto cannot run a CodeBuild build or a CodeDeploy
 * deployment, invoke a function from a rule, or fire a schedule.
 */
const ON_MOTO = process.env.PUSHLINE_SIMULATION_BACKEND === 'moto';
const ssm = ON_MOTO ? undefined : mockClient(SSMClient);
const codedeploy = new SimulatedCodeDeploy();
const context = { awsRequestId: 'sim', functionName: 'sim' };
const push = githubExamples('push').find((e) => e.payload.ref === 'refs/heads/master')!.payload;

describe('AWS mode simulation', () => {
  let dynamo: { endpoint: string; close(): Promise<void> };
  let smokeServer: Server;
  const smokeRequests: string[] = [];
  let store: DynamoRunStore;
  /** Function name → its handler; function ARN (as the template resolves it) → function name. */
  const handlers: Record<string, Handler> = {};
  const byArn = new Map<string, string>();
  const templateEnv: Record<string, Record<string, string>> = {};
  const published: Envelope[] = [];
  const deliveries: { target: string; detailType: string }[] = [];
  const builds = new Map<string, StartBuildCommandInput>();
  const schedules: CreateScheduleCommandInput[] = [];
  let buildOutcome: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED';

  /** EventBridge and the outbox pipe over the template's own routing (test/support/simulated-event-routing.ts). */
  let routing: ReturnType<typeof simulatedEventRouting>;
  const putEvent = (bus: 'pushline' | 'default', envelope: Envelope) => routing.put(bus, envelope);
  const pumpStream = () => routing.pump();

  /** Lambda invoked by an AWS service at a function ARN (Scheduler, CodeDeploy), then the outbox. */
  async function invokeArn(functionArn: string, input: unknown): Promise<unknown> {
    const name = byArn.get(functionArn);
    if (!name) throw new Error(`no function at ${functionArn}`);
    const result = await handlers[name]!(input, context);
    await pumpStream();
    return result;
  }

  /** EventBridge Scheduler running every one-time schedule made so far: its target, with its input. */
  async function schedulerRunsChecks(): Promise<CreateScheduleCommandInput[]> {
    const ran: CreateScheduleCommandInput[] = [];
    for (let next = schedules.shift(); next; next = schedules.shift()) {
      ran.push(next);
      await invokeArn(next.Target!.Arn!, JSON.parse(next.Target!.Input!));
    }
    return ran;
  }

  /** CodeDeploy reports a deployment's new state on the default bus. */
  async function codedeployReports(deploymentId: string, state: 'SUCCESS' | 'STOP'): Promise<void> {
    await putEvent('default', codedeploy.stateChange(deploymentId, state));
  }

  /** CodeDeploy reaching a deployment's AppSpec hooks: it invokes each hook function and waits. */
  async function codedeployRunsHooks(deploymentId: string): Promise<void> {
    for (const [i, hook] of codedeploy.hooksOf(deploymentId).entries()) {
      await invokeArn(hook.functionArn, {
        DeploymentId: deploymentId,
        LifecycleEventHookExecutionId: `${deploymentId}-${hook.event}-${i}`,
      });
    }
  }

  /** CodeBuild finishing a build: its state-change event on the default bus. */
  async function codebuildFinishes(buildId: string, status: 'SUCCEEDED' | 'FAILED'): Promise<void> {
    buildOutcome = status;
    const event = awsFixture<Envelope>(`codebuild-build-state-change-${status.toLowerCase()}`);
    event.detail['build-id'] = `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${buildId}`;
    event.detail['project-name'] = buildId.split(':')[0];
    await putEvent('default', event);
  }

  async function githubPush(payload: Record<string, unknown>, delivery: string) {
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
    const runIds = (JSON.parse(response.body) as { runs?: { runId: string }[] }).runs?.map((r) => r.runId);
    return { ...response, runId: runIds?.[0] };
  }

  /** A push to `branch` whose build passes: the run id, once `Tests Passed` has been handled. */
  async function passingPushTo(branch: string, delivery: string): Promise<string> {
    const payload = copy(push);
    payload.ref = `refs/heads/${branch}`;
    const { runId } = await githubPush(payload, delivery);
    const buildId = [...builds.keys()].at(-1)!;
    await codebuildFinishes(buildId, 'SUCCEEDED');
    return runId!;
  }

  const logOf = async (runId: string) => (await store.log(runId)).map((e) => e.detailType);

  beforeAll(async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    smokeServer = createServer((request, response) => {
      smokeRequests.push(`${request.method} ${request.url}`);
      response.writeHead(request.url === '/healthz' ? 200 : 404).end();
    });
    await new Promise<void>((resolve) => smokeServer.listen(0, '127.0.0.1', resolve));
    const [stack, local] = await Promise.all([
      packagedStack(),
      ON_MOTO ? startMoto({ serial: true }) : startLocalDynamo(),
    ]);
    dynamo = local;
    const table = await createPushlineTable(localClient(dynamo.endpoint), 'pushline-sim');
    store = new DynamoRunStore({ client: localClient(dynamo.endpoint), tableName: table });
    const resources = stack.template.Resources;

    const { names } = routingOf(stack);
    for (const [id, name] of names) {
      byArn.set(resolved({ 'Fn::GetAtt': [id, 'Arn'] }, resources), name);
      templateEnv[name] = environmentOf(stack, id);
    }
    routing = simulatedEventRouting({
      stack,
      handlers,
      dynamoEndpoint: () => dynamo.endpoint,
      context,
      onDelivery: (delivery) => deliveries.push(delivery),
      onPublished: (envelope) => published.push(envelope),
    });

    // One process plays every function: each reads its own variables of the template's environment.
    Object.assign(process.env, ...Object.values(templateEnv), {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      ...(ON_MOTO ? { AWS_ENDPOINT_URL_SSM: dynamo.endpoint } : {}),
      PUSHLINE_TABLE: table,
      PUSHLINE_PIPELINES: JSON.stringify(pipelines((smokeServer.address() as AddressInfo).port)),
    });
    const secretName = `${process.env.PUSHLINE_SECRETS_PREFIX}github-webhook-secret`;
    if (ssm) {
      ssm.on(GetParameterCommand, { Name: secretName }).resolves({
        Parameter: { Name: secretName, Type: 'SecureString', Value: SECRET, Version: 1 },
      });
    } else {
      const client = new SSMClient({
        region: REGION,
        endpoint: dynamo.endpoint,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      await client.send(new PutParameterCommand({ Name: secretName, Type: 'SecureString', Value: SECRET }));
      client.destroy();
    }

    codebuild.on(StartBuildCommand).callsFake((input: StartBuildCommandInput) => {
      const id = `${input.projectName}:${String(builds.size + 1).padStart(8, '0')}-0000-4000-8000-000000000000`;
      builds.set(id, input);
      return {
        build: { id, arn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${id}`, buildStatus: 'IN_PROGRESS' },
      };
    });
    codebuild.on(BatchGetBuildsCommand).callsFake(({ ids }: { ids: string[] }) => {
      const response = awsResponse<BatchGetBuildsCommandOutput>(
        `codebuild-batch-get-builds-${buildOutcome.toLowerCase()}`,
      );
      const build = response.builds![0]!;
      const input = builds.get(ids[0]!)!;
      Object.assign(build, { id: ids[0], buildStatus: buildOutcome, projectName: input.projectName });
      build.environment!.environmentVariables = input.environmentVariablesOverride!;
      build.exportedEnvironmentVariables = EXPORTS[input.projectName!] ?? [];
      return response;
    });
    const reports = awsResponse<BatchGetReportsCommandOutput>('codebuild-batch-get-reports');
    reports.reports![0]!.testSummary!.statusCounts = { SUCCEEDED: 28 };
    codebuild.on(BatchGetReportsCommand).resolves(reports);

    // CloudWatch: a healthy canary — requests counted, no errors — in GetMetricData's documented shape.
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map(({ Id, MetricStat }) => {
        const name = MetricStat!.Metric!.MetricName!;
        const counts = ['RequestCountPerTarget', 'Invocations'].includes(name);
        return {
          Id,
          Label: name,
          Timestamps: [new Date(Date.now() - 60_000), new Date()],
          Values: counts ? [60, 64] : [0, 0],
          StatusCode: 'Complete',
        };
      }),
      Messages: [],
    }));
    const alarm = awsResponse<DescribeAlarmsCommandOutput>('cloudwatch-describe-alarms').MetricAlarms![0]!;
    cloudwatch.on(DescribeAlarmsCommand).callsFake(({ AlarmNames = [] }: { AlarmNames?: string[] }) => ({
      MetricAlarms: AlarmNames.map((AlarmName) => ({
        ...alarm,
        AlarmName,
        AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${AlarmName}`,
        StateValue: 'OK',
      })),
      CompositeAlarms: [],
    }));
    lambda.on(GetAliasCommand).callsFake(({ FunctionName, Name }) => ({
      AliasArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FunctionName}:${Name}`,
      Name,
      FunctionVersion: '12',
      Description: '',
      RevisionId: '594f41fb-b85f-4c20-95c7-6ca5f2a92c93',
    }));
    scheduler.on(CreateScheduleCommand).callsFake((input: CreateScheduleCommandInput) => {
      schedules.push(input);
      return {
        ScheduleArn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${input.GroupName}/${input.Name}`,
      };
    });

    for (const name of DEPLOYED_NAMES.filter((n) => n !== 'notify' && n !== 'receive-gitlab')) {
      handlers[name] = ((await import(`../../functions/${name}/handler.ts`)) as { handler: Handler }).handler;
    }
  }, 300_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await dynamo?.close();
    await new Promise((resolve) => smokeServer?.close(resolve));
  });

  it('takes a signed GitHub push through staging (smoke-checked) and a judged canary to production', async () => {
    // Act: push, build, staging (CodeDeploy runs the hook, then succeeds), canary, production
    const { statusCode, runId } = await githubPush(push, 'delivery-passing');
    await codebuildFinishes([...builds.keys()][0]!, 'SUCCEEDED');
    const staging = codedeploy.lastIn('hello-staging')!.deploymentId!;
    await codedeployRunsHooks(staging);
    await codedeployReports(staging, 'SUCCESS');
    const production = codedeploy.lastIn('hello-production')!.deploymentId!;
    const checks = await schedulerRunsChecks();
    await codedeployReports(production, 'SUCCESS');

    // Assess: the run, and what each AWS service was asked
    expect(statusCode).toBe(202);
    expect(await logOf(runId!)).toEqual([
      'Run Started',
      'Build Started',
      'Tests Passed',
      'Staging Started',
      'Staging Deployed',
      'Canary Started',
      'Canary Healthy',
      'Production Deployed',
      'Run Finished',
    ]);
    expect((await store.get(runId!))?.run.status).toBe('succeeded');
    const hookArn = templateEnv['deploy-staging']!.PUSHLINE_LIFECYCLE_HOOK_ARN!;
    expect(hookArn).toMatch(/:function:CodeDeployHook_/);
    expect(codedeploy.created.map((c) => [c.deploymentGroupName, c.deploymentConfigName])).toEqual([
      ['hello-staging', 'CodeDeployDefault.ECSAllAtOnce'],
      ['hello-production', 'CodeDeployDefault.ECSCanary10Percent15Minutes'],
    ]);
    expect(codedeploy.appSpecs.get(staging)).toMatchObject({
      Resources: [{ TargetService: { Properties: { TaskDefinition: TASK_DEFINITION } } }],
      Hooks: [{ AfterAllowTestTraffic: hookArn }],
    });
    expect(smokeRequests).toEqual(['GET /healthz']);
    expect(codedeploy.hookAnswers).toEqual([
      expect.objectContaining({ deploymentId: staging, status: 'Succeeded' }),
    ]);
    expect(checks.map((c) => JSON.parse(c.Target!.Input!).check)).toEqual([1, 2]);
    expect(checks[0]).toMatchObject({
      GroupName: 'pushline-dev',
      ScheduleExpression: expect.stringMatching(/^at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)$/),
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: templateEnv['judge-canary']!.PUSHLINE_JUDGE_CANARY_ARN,
        RoleArn: templateEnv['judge-canary']!.PUSHLINE_SCHEDULER_ROLE_ARN,
        DeadLetterConfig: { Arn: templateEnv['judge-canary']!.PUSHLINE_SCHEDULER_DLQ_ARN },
      },
    });
    const healthy = (await store.log(runId!)).find((e) => e.detailType === 'Canary Healthy')!;
    expect(healthy.detail).toMatchObject({
      data: { deploymentId: production, verdict: { result: 'healthy', requests: 124 } },
    });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand).at(-1)!.args[0].input.AlarmNames).toEqual([
      'hello-5xx',
    ]);
    // ECSCanary10Percent15Minutes still holds its 10 %: promote leaves the shift to CodeDeploy.
    expect(codedeploy.continued).toEqual([]);
    expect(deliveries).toEqual(
      expect.arrayContaining([
        { target: 'deploy-staging', detailType: 'Tests Passed' },
        { target: 'finish-deployment', detailType: 'CodeDeploy Deployment State-change Notification' },
        { target: 'start-canary', detailType: 'Staging Deployed' },
        { target: 'judge-canary', detailType: 'Canary Started' },
        { target: 'promote', detailType: 'Canary Healthy' },
        { target: 'notify', detailType: 'Production Deployed' },
      ]),
    );
  });

  it('takes a push whose build fails to Build Failed and a failed run', async () => {
    const release = copy(push);
    release.ref = 'refs/heads/release/1.0';
    const { runId } = await githubPush(release, 'delivery-failing');
    const buildId = [...builds.keys()].find((id) => id.startsWith('hello-release-build:'))!;

    await codebuildFinishes(buildId, 'FAILED');

    expect(await logOf(runId!)).toEqual(['Run Started', 'Build Started', 'Build Failed', 'Run Finished']);
    expect((await store.log(runId!))[2]!.detail).toMatchObject({
      data: { status: 'FAILED', phase: 'INSTALL', reason: expect.stringMatching(/^YAML_FILE_ERROR/) },
    });
    expect((await store.get(runId!))?.run.status).toBe('failed');
  });

  it('answers a redelivered push with the original run and starts no second build', async () => {
    const before = builds.size;

    const response = await githubPush(push, 'delivery-passing');

    expect(response.statusCode).toBe(200);
    expect(builds.size).toBe(before);
  });

  it('rolls back a canary whose CloudWatch alarm fires: Canary Unhealthy, StopDeployment, Rolled Back', async () => {
    // Prepare: a Lambda canary under way (no staging target: staging is skipped)
    const runId = await passingPushTo('fn/orders', 'delivery-fn');
    const canary = codedeploy.lastIn('hello-fn-production')!.deploymentId!;
    expect(await logOf(runId)).toContain('Canary Started');
    const alarm = awsFixture<Envelope>('cloudwatch-alarm-state-change');
    alarm.detail.alarmName = 'hello-fn-errors';
    alarm.resources = [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:hello-fn-errors`];

    // Act: the alarm goes into ALARM; CodeDeploy stops the deployment and its rollback succeeds
    await putEvent('default', alarm);
    const rollback = codedeploy.deployments.get(canary)!.rollbackInfo?.rollbackDeploymentId;
    await codedeployReports(canary, 'STOP');
    await codedeployReports(rollback!, 'SUCCESS');
    const lateChecks = await schedulerRunsChecks();

    // Assess
    expect(await logOf(runId)).toEqual([
      'Run Started',
      'Build Started',
      'Tests Passed',
      'Staging Deployed',
      'Canary Started',
      'Canary Unhealthy',
      'Rolled Back',
      'Run Finished',
    ]);
    const run = (await store.get(runId))!.run;
    expect(run.status).toBe('rolled_back');
    const log = await store.log(runId);
    expect(log.find((e) => e.detailType === 'Canary Unhealthy')!.detail).toMatchObject({
      data: {
        deploymentId: canary,
        verdict: { result: 'unhealthy', reason: 'alarm hello-fn-errors is in ALARM' },
      },
    });
    expect(log.find((e) => e.detailType === 'Rolled Back')!.detail).toMatchObject({
      data: { deploymentId: canary, reason: 'alarm hello-fn-errors is in ALARM' },
    });
    expect(codedeploy.stopped).toEqual([{ deploymentId: canary, autoRollbackEnabled: true }]);
    expect(codedeploy.appSpecs.get(canary)?.Resources[0]?.['hello-fn']?.Properties).toEqual({
      Name: 'hello-fn',
      Alias: 'live',
      CurrentVersion: '12',
      TargetVersion: '13',
    });
    // The canary and the baseline were read side by side, by version.
    const queries = cloudwatch.commandCalls(GetMetricDataCommand).at(-1)!.args[0].input.MetricDataQueries!;
    expect(
      queries.map((q) => q.MetricStat!.Metric!.Dimensions!.find((d) => d.Name === 'ExecutedVersion')?.Value),
    ).toEqual(expect.arrayContaining(['13', '12']));
    expect(deliveries).toEqual(
      expect.arrayContaining([
        { target: 'judge-canary', detailType: 'CloudWatch Alarm State Change' },
        { target: 'rollback', detailType: 'Canary Unhealthy' },
      ]),
    );
    // The regular check scheduled at Canary Started runs late and changes nothing.
    expect(lateChecks).toHaveLength(1);
    expect(await logOf(runId)).toHaveLength(8);
  });

  it('ends a deployment stuck past its timeout from the watchdog schedule: StopDeployment, Stage Timed Out', async () => {
    // Prepare: staging starts and CodeDeploy never reports
    const runId = await passingPushTo('stuck/1', 'delivery-stuck');
    const stuck = codedeploy.lastIn('hello-stuck-staging')!.deploymentId!;
    expect(await logOf(runId)).toEqual(['Run Started', 'Build Started', 'Tests Passed', 'Staging Started']);
    const stack = await packagedStack();
    const schedule = stack.template.Resources.WatchdogSchedule!.Properties;
    // Two minutes later, past timeouts.staging (1m), for every handler's clock.
    const later = new Date(Date.now() + 120_000);
    const clock = jest.spyOn(systemClock, 'now').mockImplementation(() => later);

    // Act: the watchdog's rate schedule fires (Scheduler invokes its target)
    let report: unknown;
    try {
      report = await invokeArn(resolved(schedule.Target.Arn, stack.template.Resources), {});
    } finally {
      clock.mockRestore();
    }

    // Assess
    expect(report).toEqual({ timedOut: [{ runId, stage: 'staging', stopped: stuck }] });
    expect(codedeploy.stopped.at(-1)).toEqual({ deploymentId: stuck, autoRollbackEnabled: true });
    expect(await logOf(runId)).toEqual([
      'Run Started',
      'Build Started',
      'Tests Passed',
      'Staging Started',
      'Stage Timed Out',
      'Run Finished',
    ]);
    const run = (await store.get(runId))!.run;
    expect(run.status).toBe('timed_out');
    expect(run.stages.staging.status).toBe('timed_out');
  });
});
