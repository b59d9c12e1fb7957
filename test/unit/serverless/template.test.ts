import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { API_ROUTES } from '../../../functions/api/routes.ts';
import { SCHEDULES, SUBSCRIPTIONS, type Subscription } from '../../../functions/subscriptions.ts';
import { type EventPattern, matchesPattern } from '../../../serverless/event-pattern.ts';
import { DEPLOYED, DEPLOYED_NAMES, logicalStem } from '../../../serverless/functions.ts';
import { IMPLIED_ACTIONS, impliedBy } from '../../../serverless/permissions.ts';
import { isAsync } from '../../../serverless/resources.ts';
import {
  type BusEntry,
  OUTBOX_FILTER_PATTERN,
  OUTBOX_MAX_RECORD_AGE_SECONDS,
  OUTBOX_SKIPPED_METRIC,
  STREAM_RETENTION_SECONDS,
} from '../../../shared/aws/outbox-records.ts';
import { type PackagedStack, packagedStack } from './support/packaged-stack.ts';
import { readZip } from './support/read-zip.ts';
import { sdkActionsOf } from './support/sdk-calls.ts';
import { type Db, resourceProblems } from './support/spec-check.ts';
import { environmentOf } from './support/template-values.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
type Json = Record<string, unknown>;

/** Every sample event we have: the pipeline catalogue's and AWS's documented ones. */
function sampleEvents(): { file: string; event: Json }[] {
  const dirs = ['events/samples', 'test/fixtures/aws', 'test/fixtures/codecommit'];
  return dirs.flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({
        file: `${dir}/${f}`,
        event: JSON.parse(readFileSync(join(ROOT, dir, f), 'utf8')) as Json,
      }))
      .filter(({ event }) => typeof event['detail-type'] === 'string' && typeof event.source === 'string'),
  );
}

describe('the packaged CloudFormation template', () => {
  let stack: PackagedStack;
  let db: Db;
  const resources = () => Object.entries(stack.template.Resources);
  const ofType = (type: string) => resources().filter(([, r]) => r.Type === type);

  beforeAll(async () => {
    [stack, db] = await Promise.all([packagedStack(), loadAwsServiceSpec()]);
  }, 300_000);

  it('uses only resource types, property names and required properties CloudFormation knows', () => {
    const problems: string[] = [];
    for (const [id, resource] of resources()) problems.push(...resourceProblems(db, id, resource));

    expect(problems).toEqual([]);
    expect(resources().length).toBeGreaterThan(20);
  });

  it('deploys one ESM function per handler on nodejs22.x arm64, each with its own role', () => {
    const functions = ofType('AWS::Lambda::Function');

    expect(functions.map(([id]) => id).sort()).toEqual(
      DEPLOYED_NAMES.map((n) => `${logicalStem(n)}LambdaFunction`).sort(),
    );
    for (const [id, fn] of functions) {
      const stem = id.replace(/LambdaFunction$/, '');
      const name = DEPLOYED_NAMES.find((n) => logicalStem(n) === stem)!;
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: `functions/${DEPLOYED[name].dir}/handler.handler`,
        Role: { 'Fn::GetAtt': [`${stem}Role`, 'Arn'] },
      });
    }
    expect(new Set(functions.map(([, fn]) => JSON.stringify(fn.Properties.Role))).size).toBe(
      functions.length,
    );
    expect(ofType('AWS::Logs::LogGroup').every(([, g]) => g.Properties.RetentionInDays === 30)).toBe(true);
  });

  it('has exactly one rule per subscription of each deployed function, from functions/subscriptions.ts', () => {
    const rules = ofType('AWS::Events::Rule').map(([, rule]) => ({
      target: String(rule.Properties.Targets[0].Arn['Fn::GetAtt'][0]).replace(/LambdaFunction$/, ''),
      pattern: rule.Properties.EventPattern as { source: string[]; 'detail-type': string[] },
      bus: rule.Properties.EventBusName,
    }));
    const expected = DEPLOYED_NAMES.flatMap((name) => {
      const sub: Subscription = (SUBSCRIPTIONS as Record<string, Subscription>)[name] ?? {};
      return [
        ...(sub.pipelineEvents?.length
          ? [
              {
                target: logicalStem(name),
                pattern: { source: ['pushline'], 'detail-type': [...sub.pipelineEvents] },
                bus: { Ref: 'PushlineBus' },
              },
            ]
          : []),
        ...(sub.awsEvents ?? []).map((e) => ({
          target: logicalStem(name),
          pattern: { source: [e.source], 'detail-type': [e.detailType] },
          bus: 'default',
        })),
      ];
    });

    expect(rules).toEqual(expect.arrayContaining(expected));
    expect(rules).toHaveLength(expected.length);
    // Every subscribed and every scheduled function is on AWS.
    const names: string[] = DEPLOYED_NAMES;
    expect(
      [...Object.keys(SUBSCRIPTIONS), ...Object.keys(SCHEDULES)].filter((n) => !names.includes(n)),
    ).toEqual([]);
  });

  it("matches each rule's pattern to the samples of the detail-types it subscribes to, and no other sample", () => {
    const samples = sampleEvents();
    for (const [id, rule] of ofType('AWS::Events::Rule')) {
      const pattern = rule.Properties.EventPattern as EventPattern & { 'detail-type': string[] };
      const wanted = new Set(pattern['detail-type']);
      const matched = samples.filter(({ event }) => matchesPattern(pattern, event));
      const covered = new Set(matched.map(({ event }) => event['detail-type']));

      expect({ id, covered: [...covered].sort() }).toEqual({ id, covered: [...wanted].sort() });
      expect(matched.every(({ event }) => wanted.has(String(event['detail-type'])))).toBe(true);
    }
  });

  it.each(DEPLOYED_NAMES)('grants %s exactly the AWS actions its code calls', async (name) => {
    const stem = logicalStem(name);
    const statements = stack.template.Resources[`${stem}Role`]!.Properties.Policies[0].PolicyDocument
      .Statement as {
      Action: string[];
      Resource: unknown[];
    }[];
    const platform = new Set([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      ...(isAsync(name) ? ['sqs:SendMessage'] : []),
    ]);
    const granted = new Set(statements.flatMap((s) => s.Action).filter((a) => !platform.has(a)));

    const called = await sdkActionsOf(`functions/${DEPLOYED[name].dir}/handler.ts`);

    // Granted = called ∪ the IAM-only actions those calls imply (serverless/permissions.ts), exactly.
    expect([...granted].sort()).toEqual([...new Set([...called, ...impliedBy(called)])].sort());
    expect(statements.find((s) => s.Action.includes('sqs:SendMessage'))?.Resource ?? []).toEqual(
      isAsync(name) ? [{ 'Fn::GetAtt': [`${stem}DeadLetterQueue`, 'Arn'] }] : [],
    );
  });

  it('never grants a "*" action, and a "*" resource only where IAM has no resource-level permission', () => {
    const statements = ofType('AWS::IAM::Role').flatMap(([, role]) =>
      (role.Properties.Policies ?? []).flatMap(
        (p: Json) => (p.PolicyDocument as { Statement: Json[] }).Statement,
      ),
    ) as { Action: string[]; Resource: unknown[] }[];

    expect(statements.flatMap((s) => s.Action).filter((a) => a.includes('*'))).toEqual([]);
    // ListStreams and GetMetricData have no resource-level permission; DescribeAlarms returns
    // composite alarms only when granted on "*".
    expect(
      [...new Set(statements.filter((s) => s.Resource.includes('*')).flatMap((s) => s.Action))].sort(),
    ).toEqual(['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'dynamodb:ListStreams']);
  });

  it('declares each IAM-only action once, with the call that implies it and why', () => {
    expect(new Set(IMPLIED_ACTIONS.map((i) => i.action)).size).toBe(IMPLIED_ACTIONS.length);
    for (const implied of IMPLIED_ACTIONS) {
      expect(implied.impliedBy).toMatch(/^[a-z0-9-]+:[A-Z]\w+$/);
      expect(implied.why.length).toBeGreaterThan(20);
    }
  });

  it('scopes deployments to the pipeline file: staging groups for deploy-staging, production for start-canary', () => {
    const actionsOn = (role: string, action: string) =>
      JSON.stringify(
        (
          stack.template.Resources[role]!.Properties.Policies[0].PolicyDocument.Statement as {
            Action: string[];
            Resource: unknown[];
          }[]
        ).find((s) => s.Action.includes(action))?.Resource,
      );

    expect(actionsOn('DeployStagingRole', 'codedeploy:CreateDeployment')).toContain(
      'deploymentgroup:acme-web/acme-web-staging',
    );
    expect(actionsOn('DeployStagingRole', 'codedeploy:CreateDeployment')).not.toContain('production');
    expect(actionsOn('StartCanaryRole', 'codedeploy:CreateDeployment')).toContain(
      'deploymentgroup:payments-api/payments-api-production',
    );
    expect(actionsOn('StartCanaryRole', 'codedeploy:CreateDeployment')).not.toContain('staging');
    expect(actionsOn('StartCanaryRole', 'lambda:GetAlias')).toContain('function:payments-api"');
    expect(actionsOn('StartCanaryRole', 'codedeploy:RegisterApplicationRevision')).toContain(
      'application:payments-api',
    );
  });

  it('runs start-canary one at a time, and names the lifecycle hook so that CodeDeploy may invoke it', () => {
    const fn = (name: string) => stack.template.Resources[`${logicalStem(name)}LambdaFunction`]!.Properties;

    expect(fn('start-canary').ReservedConcurrentExecutions).toBe(1);
    expect(DEPLOYED_NAMES.filter((n) => fn(n).ReservedConcurrentExecutions !== undefined)).toEqual([
      'start-canary',
    ]);
    expect(fn('lifecycle-hook')).toMatchObject({
      FunctionName: 'CodeDeployHook_pushline-dev-lifecycle-hook',
      Timeout: 90,
    });
    expect(JSON.stringify(ofType('AWS::Events::Rule'))).not.toContain('LifecycleHook');
    for (const name of ['deploy-staging', 'start-canary']) {
      expect(fn(name).Environment.Variables.PUSHLINE_LIFECYCLE_HOOK_ARN).toEqual({
        'Fn::GetAtt': ['LifecycleHookLambdaFunction', 'Arn'],
      });
    }
  });

  it('lets judge-canary schedule its checks only in its group, run as a role that may invoke only judge-canary', () => {
    const judge = stack.template.Resources.JudgeCanaryLambdaFunction!.Properties;
    const env = judge.Environment.Variables;
    const schedulerRole = stack.template.Resources.CanaryCheckSchedulerRole!.Properties;
    const judgeStatements = stack.template.Resources.JudgeCanaryRole!.Properties.Policies[0].PolicyDocument
      .Statement as { Action: string[]; Resource: unknown[]; Condition?: unknown }[];

    // Its own ARN from its name (GetAtt of itself would be circular), the role, the group, its DLQ.
    expect(env.PUSHLINE_JUDGE_CANARY_ARN['Fn::Sub']).toMatch(new RegExp(`:function:${judge.FunctionName}$`));
    expect(env.PUSHLINE_SCHEDULER_ROLE_ARN).toEqual({ 'Fn::GetAtt': ['CanaryCheckSchedulerRole', 'Arn'] });
    expect(env.PUSHLINE_SCHEDULE_GROUP).toEqual({ Ref: 'CanaryCheckScheduleGroup' });
    expect(env.PUSHLINE_SCHEDULER_DLQ_ARN).toEqual({ 'Fn::GetAtt': ['JudgeCanaryDeadLetterQueue', 'Arn'] });
    expect(stack.template.Resources.CanaryCheckScheduleGroup!.Properties.Name).toBe('pushline-dev');
    expect(judgeStatements.find((s) => s.Action.includes('scheduler:CreateSchedule'))?.Resource).toEqual([
      {
        'Fn::Sub':
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
          'arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/pushline-dev/*',
      },
    ]);
    expect(judgeStatements.find((s) => s.Action.includes('iam:PassRole'))).toMatchObject({
      Resource: [{ 'Fn::GetAtt': ['CanaryCheckSchedulerRole', 'Arn'] }],
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
    expect(schedulerRole.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    expect(schedulerRole.Policies[0].PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [env.PUSHLINE_JUDGE_CANARY_ARN] },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [env.PUSHLINE_SCHEDULER_DLQ_ARN] },
    ]);
  });

  it('runs each function of SCHEDULES from an EventBridge Scheduler rate schedule with a DLQ', () => {
    const schedules = ofType('AWS::Scheduler::Schedule');

    expect(schedules.map(([id]) => id)).toEqual(
      Object.keys(SCHEDULES).map((n) => `${logicalStem(n)}Schedule`),
    );
    const [, watchdog] = schedules[0]!;
    expect(watchdog.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': ['WatchdogLambdaFunction', 'Arn'] },
        RoleArn: { 'Fn::GetAtt': ['WatchdogScheduleRole', 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['WatchdogDeadLetterQueue', 'Arn'] } },
      },
    });
    expect(
      stack.template.Resources.WatchdogScheduleRole!.Properties.Policies[0].PolicyDocument.Statement,
    ).toEqual([
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [{ 'Fn::GetAtt': ['WatchdogLambdaFunction', 'Arn'] }],
      },
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [{ 'Fn::GetAtt': ['WatchdogDeadLetterQueue', 'Arn'] }],
      },
    ]);
  });

  it('gives every asynchronous target a dead-letter queue with an alarm on its depth', () => {
    const queues = ofType('AWS::SQS::Queue').map(([id]) => id);
    const alarms = ofType('AWS::CloudWatch::Alarm');
    const asyncFns = DEPLOYED_NAMES.filter(isAsync).map(logicalStem);

    expect(queues.sort()).toEqual(
      [...asyncFns.map((s) => `${s}DeadLetterQueue`), 'OutboxPipeDeadLetterQueue'].sort(),
    );
    for (const queue of queues) {
      const alarm = alarms.find(([, a]) => JSON.stringify(a.Properties.Dimensions).includes(queue))?.[1];
      expect(alarm?.Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
      });
    }
    for (const [, rule] of ofType('AWS::Events::Rule')) {
      expect(rule.Properties.Targets[0].DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/DeadLetterQueue$/);
    }
    for (const stem of asyncFns) {
      expect(
        stack.template.Resources[`${stem}EventInvokeConfig`]?.Properties.DestinationConfig.OnFailure
          .Destination,
      ).toEqual({
        'Fn::GetAtt': [`${stem}DeadLetterQueue`, 'Arn'],
      });
    }
  });

  it('keeps the log in an on-demand table with TTL and a NEW_IMAGE stream, published by a pipe with a DLQ', () => {
    const [, table] = ofType('AWS::DynamoDB::Table')[0]!;
    const [, pipe] = ofType('AWS::Pipes::Pipe')[0]!;

    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
    expect(JSON.parse(pipe.Properties.SourceParameters.FilterCriteria.Filters[0].Pattern)).toEqual(
      OUTBOX_FILTER_PATTERN,
    );
    expect(pipe.Properties.SourceParameters.DynamoDBStreamParameters.DeadLetterConfig.Arn).toEqual({
      'Fn::GetAtt': ['OutboxPipeDeadLetterQueue', 'Arn'],
    });
    expect(pipe.Properties).toMatchObject({
      Target: { 'Fn::GetAtt': ['PushlineBus', 'Arn'] },
      TargetParameters: {
        EventBridgeEventBusParameters: { Source: 'pushline', DetailType: '$.detailType', Time: '$.time' },
      },
    });
  });

  it('stops retrying an outbox batch while the stream still holds its records, and alarms on a skipped record', () => {
    const [, pipe] = ofType('AWS::Pipes::Pipe')[0]!;
    const maxAge = pipe.Properties.SourceParameters.DynamoDBStreamParameters.MaximumRecordAgeInSeconds;
    // The enrichment's output fields the target reads: one entry of publish's BusEntry.
    const entry: Record<keyof BusEntry, unknown> = { detailType: '', detail: {}, time: '', eventID: '' };

    expect(maxAge).toBe(OUTBOX_MAX_RECORD_AGE_SECONDS);
    expect(maxAge).toBeGreaterThanOrEqual(60); // the smallest value Pipes accepts
    expect(maxAge).toBeLessThanOrEqual(STREAM_RETENTION_SECONDS / 2);
    for (const path of [
      pipe.Properties.TargetParameters.EventBridgeEventBusParameters.DetailType,
      pipe.Properties.TargetParameters.EventBridgeEventBusParameters.Time,
    ]) {
      expect(Object.keys(entry)).toContain(String(path).replace('$.', ''));
    }
    const alarm = ofType('AWS::CloudWatch::Alarm').find(
      ([, a]) => a.Properties.MetricName === OUTBOX_SKIPPED_METRIC.name,
    )?.[1];
    expect(alarm?.Properties).toMatchObject({
      Namespace: OUTBOX_SKIPPED_METRIC.namespace,
      Dimensions: [{ Name: OUTBOX_SKIPPED_METRIC.dimension, Value: 'dev' }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: 'AlarmTopic' }],
    });
  });

  it('routes the webhooks, Slack interactions and the api routes of functions/api/routes.ts on the HTTP API, each to its function', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => {
      const integration = stack.template.Resources[String(r.Properties.Target['Fn::Join'][1][1].Ref)]!;
      return {
        route: r.Properties.RouteKey as string,
        fn: integration.Properties.IntegrationUri['Fn::GetAtt'][0] as string,
      };
    });

    expect(routes.sort((a, b) => a.route.localeCompare(b.route))).toEqual(
      [
        { route: 'POST /webhooks/github', fn: 'ReceiveGithubLambdaFunction' },
        { route: 'POST /webhooks/gitlab', fn: 'ReceiveGitlabLambdaFunction' },
        { route: 'POST /slack/interactions', fn: 'SlackInteractionsLambdaFunction' },
        ...API_ROUTES.map((r) => ({ route: `${r.method} ${r.path}`, fn: 'ApiLambdaFunction' })),
      ].sort((a, b) => a.route.localeCompare(b.route)),
    );
    expect(routes.map((r) => r.route)).toEqual(
      expect.arrayContaining([
        'GET /api/runs',
        'GET /api/runs/{id}',
        'POST /api/runs/{id}/approve',
        'POST /api/runs/{id}/reject',
        'POST /api/runs/{id}/cancel',
      ]),
    );
  });

  it('lets the api read its token parameters, stop builds of the projects, roll back deployments of the groups and read refs of the repositories', () => {
    const statements = stack.template.Resources.ApiRole!.Properties.Policies[0].PolicyDocument.Statement as {
      Action: string[];
      Resource: { 'Fn::Sub'?: string }[];
    }[];
    const on = (action: string) =>
      statements.find((s) => s.Action.includes(action))!.Resource.map((r) => r['Fn::Sub'] ?? r);

    expect(on('ssm:GetParameter')).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
      'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/pushline/dev/api-tokens',
      // The GitHub token, for a manual run's ref (nothing else under the prefix).
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
      'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/pushline/dev/GITHUB_TOKEN',
    ]);
    expect(on('codecommit:GetBranch')).toEqual([expect.stringMatching(/:codecommit:.*:payments-api$/)]);
    expect(statements.flatMap((s) => s.Action)).not.toContain('codecommit:GitPush');
    expect(on('secretsmanager:GetSecretValue')).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
      'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:pushline/dev/api-tokens-??????',
    ]);
    expect(on('codebuild:StopBuild')).toEqual([
      expect.stringMatching(/:project\/acme-web-build$/),
      expect.stringMatching(/:project\/payments-api-build$/),
    ]);
    expect(statements.flatMap((s) => s.Action)).not.toContain('codebuild:StartBuild');
    expect(statements.flatMap((s) => s.Action)).not.toContain('codedeploy:CreateDeployment');
    // A cancel may roll back a staging deployment as well as a canary.
    expect(on('codedeploy:StopDeployment')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/deploymentgroup:acme-web\/acme-web-staging$/),
        expect.stringMatching(/deploymentgroup:acme-web\/acme-web-production$/),
      ]),
    );
    // Synchronous behind the HTTP API: no DLQ, and within its 30 s integration timeout.
    expect(isAsync('api')).toBe(false);
    expect(stack.template.Resources.ApiLambdaFunction!.Properties.Timeout).toBeLessThan(30);
  });

  it('lets slack-interactions read its three Slack parameters and the run store, and stop nothing', () => {
    const statements = stack.template.Resources.SlackInteractionsRole!.Properties.Policies[0].PolicyDocument
      .Statement as { Action: string[]; Resource: { 'Fn::Sub'?: string }[] }[];
    const on = (action: string) =>
      statements.find((s) => s.Action.includes(action))!.Resource.map((r) => r['Fn::Sub'] ?? r);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
    const here = 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/pushline/dev';

    expect(on('ssm:GetParameter')).toEqual([
      `${here}/SLACK_SIGNING_SECRET`,
      `${here}/SLACK_BOT_TOKEN`,
      `${here}/SLACK_API_URL`,
    ]);
    expect(on('secretsmanager:GetSecretValue')).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
      'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:pushline/dev/SLACK_SIGNING_SECRET-??????',
    ]);
    expect(on('dynamodb:PutItem')).toEqual([
      { 'Fn::GetAtt': ['PushlineTable', 'Arn'] },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder
      '${PushlineTable.Arn}/index/*',
    ]);
    const actions = statements.flatMap((s) => s.Action);
    expect(actions.filter((a) => a.startsWith('codebuild:') || a.startsWith('codedeploy:'))).toEqual([]);
    // Synchronous behind the HTTP API, and Slack waits 3 s: no DLQ, a short timeout.
    expect(isAsync('slack-interactions')).toBe(false);
    expect(stack.template.Resources.SlackInteractionsLambdaFunction!.Properties.Timeout).toBeLessThanOrEqual(
      10,
    );
  });

  describe('bundles', () => {
    const work = mkdtempSync(join(tmpdir(), 'pushline-bundles-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it.each(DEPLOYED_NAMES)('%s loads in a fresh node process as an ES module', async (name) => {
      const zip = readZip(
        join(stack.dir, `${logicalStem(name)[0]!.toLowerCase()}${logicalStem(name).slice(1)}.zip`),
      );
      const entry = `functions/${DEPLOYED[name].dir}/handler.mjs`;
      expect([...zip.keys()]).toEqual([entry]);
      const file = join(work, `${name}.mjs`);
      writeFileSync(file, zip.get(entry)!);

      // Exactly the environment the template gives the function, intrinsic functions resolved.
      const env = environmentOf(stack, `${logicalStem(name)}LambdaFunction`);

      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(file)}); console.log(typeof m.handler);`,
        ],
        { env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', ...env } },
      );

      expect(stdout.trim()).toBe('function');
    });
  });
});
