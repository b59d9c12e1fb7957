import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SUBSCRIPTIONS, type Subscription } from '../../../functions/subscriptions.ts';
import { type EventPattern, matchesPattern } from '../../../serverless/event-pattern.ts';
import { DEPLOYED, DEPLOYED_NAMES, logicalStem, NOT_YET_ON_AWS } from '../../../serverless/functions.ts';
import { isAsync } from '../../../serverless/resources.ts';
import { OUTBOX_FILTER_PATTERN } from '../../../shared/aws/outbox-records.ts';
import { type PackagedStack, packagedStack } from './support/packaged-stack.ts';
import { readZip } from './support/read-zip.ts';
import { sdkActionsOf } from './support/sdk-calls.ts';
import { type Db, resourceProblems } from './support/spec-check.ts';

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
    // Every subscribed function is either deployed or says what it still lacks.
    for (const name of Object.keys(SUBSCRIPTIONS)) {
      expect(
        DEPLOYED_NAMES.includes(name as never) || NOT_YET_ON_AWS[name as keyof typeof SUBSCRIPTIONS],
      ).toBeTruthy();
    }
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

    expect([...granted].sort()).toEqual([...called].sort());
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
    expect(statements.filter((s) => s.Resource.includes('*')).flatMap((s) => s.Action)).toEqual([
      'dynamodb:ListStreams',
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
      TargetParameters: { EventBridgeEventBusParameters: { Source: 'pushline', DetailType: '$.detailType' } },
    });
  });

  it('routes POST /webhooks/github and /webhooks/gitlab of the HTTP API to their receivers', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties.RouteKey)
      .sort();

    expect(routes).toEqual(['POST /webhooks/github', 'POST /webhooks/gitlab']);
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

      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(file)}); console.log(typeof m.handler);`,
        ],
        { env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', PUSHLINE_TABLE: 'pushline-dev' } },
      );

      expect(stdout.trim()).toBe('function');
    });
  });
});
