import {
  OUTBOX_FILTER_PATTERN,
  OUTBOX_MAX_RECORD_AGE_SECONDS,
  OUTBOX_SKIPPED_METRIC,
} from '../shared/aws/outbox-records.ts';
import { TABLE_SCHEMA, TTL_ATTRIBUTE } from '../shared/aws/table-schema.ts';
import type { PushlineFile } from '../shared/domain/pipeline-config.ts';
import { deadLetterResources, ruleDlqPolicy } from './dead-letters.ts';
import { DEPLOYED, DEPLOYED_NAMES, type DeployedName, logicalStem } from './functions.ts';
import { PERMISSIONS } from './permissions.ts';
import { resolveRefs, type StackNames } from './resource-refs.ts';
import { ruleResources, rulesOf } from './rules.ts';
import { schedulerResources } from './schedules.ts';

type Cfn = Record<string, unknown>;

export type { StackNames } from './resource-refs.ts';

/**
 * Whether Lambda invokes the function asynchronously (EventBridge rules, EventBridge Scheduler),
 * so it gets Lambda's retries and a DLQ. The HTTP receivers and the pipe's enrichment are invoked
 * synchronously; so is the lifecycle hook, whose answer CodeDeploy waits for.
 */
export function isAsync(name: DeployedName): boolean {
  const kind = DEPLOYED[name].trigger.kind;
  return kind === 'subscriptions' || kind === 'schedule';
}

function roleOf(name: DeployedName, file: PushlineFile, names: StackNames): Cfn {
  const stem = logicalStem(name);
  // A statement whose resources the pipeline file does not name (no CodeCommit repository in a
  // GitHub-only file) is left out: IAM refuses an empty Resource, and nothing needs the grant.
  const statements = PERMISSIONS[name]
    .map((s) => ({
      Effect: 'Allow',
      Action: [...s.actions],
      Resource: s.resources.flatMap((r) => resolveRefs(r, file, names)),
      ...(s.condition ? { Condition: s.condition } : {}),
    }))
    .filter((s) => s.Resource.length > 0);
  const platform = [
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [{ 'Fn::GetAtt': [`${stem}LogGroup`, 'Arn'] }],
    },
    ...(isAsync(name)
      ? [
          {
            Effect: 'Allow',
            Action: ['sqs:SendMessage'],
            Resource: [{ 'Fn::GetAtt': [`${stem}DeadLetterQueue`, 'Arn'] }],
          },
        ]
      : []),
  ];
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `${name}: exactly the calls its code makes (serverless/permissions.ts)`,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      Policies: [
        {
          PolicyName: name,
          PolicyDocument: { Version: '2012-10-17', Statement: [...platform, ...statements] },
        },
      ],
    },
  };
}

/** Role, DLQ, alarm, async retry config and rules of one function. */
function functionResources(name: DeployedName, file: PushlineFile, names: StackNames): Record<string, Cfn> {
  const stem = logicalStem(name);
  const rules = rulesOf(name);
  const resources: Record<string, Cfn> = { [`${stem}Role`]: roleOf(name, file, names) };
  if (!isAsync(name)) return resources;
  Object.assign(resources, deadLetterResources(stem, `Function ${name}`), {
    [`${stem}EventInvokeConfig`]: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: {
        FunctionName: { Ref: `${stem}LambdaFunction` },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [`${stem}DeadLetterQueue`, 'Arn'] } },
        },
      },
    },
  });
  for (const rule of rules) Object.assign(resources, ruleResources(rule, names));
  Object.assign(
    resources,
    ruleDlqPolicy(
      stem,
      rules.map((r) => r.logicalId),
    ),
  );
  return resources;
}

/** The table (on demand, TTL, stream of new images) and the bus. */
function coreResources(names: StackNames): Record<string, Cfn> {
  return {
    PushlineBus: { Type: 'AWS::Events::EventBus', Properties: { Name: `${names.service}-${names.stage}` } },
    AlarmTopic: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: `Pushline ${names.stage} alarms` } },
    PushlineTable: {
      Type: 'AWS::DynamoDB::Table',
      // The event log is history: removing the stack keeps it (docs/aws.md says how to delete it).
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: `${names.service}-${names.stage}`,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: TABLE_SCHEMA.AttributeDefinitions,
        KeySchema: TABLE_SCHEMA.KeySchema,
        GlobalSecondaryIndexes: TABLE_SCHEMA.GlobalSecondaryIndexes,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    },
  };
}

/**
 * The outbox: the table's stream → EventBridge Pipe (filter: inserted applied log entries) →
 * enrichment `publish` (DynamoDB JSON → pipeline event) → the Pushline bus. A record the pipe
 * cannot deliver after its retries goes to the pipe's DLQ.
 */
function outboxResources(names: StackNames): Record<string, Cfn> {
  const publish = logicalStem('publish');
  return {
    ...deadLetterResources('OutboxPipe', 'Publishing an appended event'),
    OutboxSkippedRecordsAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmDescription:
          'The outbox skipped a stream record that is not a pipeline event (see the publish logs); its run may ' +
          'stall: pushline republish <run> publishes its events again.',
        Namespace: OUTBOX_SKIPPED_METRIC.namespace,
        MetricName: OUTBOX_SKIPPED_METRIC.name,
        Dimensions: [{ Name: OUTBOX_SKIPPED_METRIC.dimension, Value: names.stage }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'AlarmTopic' }],
      },
    },
    OutboxPipeRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'pipes.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'outbox-pipe',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
                  Resource: [{ 'Fn::GetAtt': ['PushlineTable', 'StreamArn'] }],
                },
                // ListStreams has no resource-level permission: IAM only accepts "*" for it.
                { Effect: 'Allow', Action: ['dynamodb:ListStreams'], Resource: ['*'] },
                {
                  Effect: 'Allow',
                  Action: ['lambda:InvokeFunction'],
                  Resource: [{ 'Fn::GetAtt': [`${publish}LambdaFunction`, 'Arn'] }],
                },
                {
                  Effect: 'Allow',
                  Action: ['events:PutEvents'],
                  Resource: [{ 'Fn::GetAtt': ['PushlineBus', 'Arn'] }],
                },
                {
                  Effect: 'Allow',
                  Action: ['sqs:SendMessage'],
                  Resource: [{ 'Fn::GetAtt': ['OutboxPipeDeadLetterQueue', 'Arn'] }],
                },
              ],
            },
          },
        ],
      },
    },
    OutboxPipe: {
      Type: 'AWS::Pipes::Pipe',
      Properties: {
        Description: 'Publishes every applied log entry to the Pushline bus (transactional outbox)',
        RoleArn: { 'Fn::GetAtt': ['OutboxPipeRole', 'Arn'] },
        Source: { 'Fn::GetAtt': ['PushlineTable', 'StreamArn'] },
        SourceParameters: {
          DynamoDBStreamParameters: {
            StartingPosition: 'TRIM_HORIZON',
            BatchSize: 10,
            MaximumBatchingWindowInSeconds: 0,
            MaximumRetryAttempts: 20,
            // Give up on a batch well before the stream forgets it (24 h): the dead letter holds
            // only stream coordinates, so `pushline dlq redrive` must still find the records there.
            MaximumRecordAgeInSeconds: OUTBOX_MAX_RECORD_AGE_SECONDS,
            OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['OutboxPipeDeadLetterQueue', 'Arn'] } },
          },
          FilterCriteria: { Filters: [{ Pattern: JSON.stringify(OUTBOX_FILTER_PATTERN) }] },
        },
        Enrichment: { 'Fn::GetAtt': [`${publish}LambdaFunction`, 'Arn'] },
        Target: { 'Fn::GetAtt': ['PushlineBus', 'Arn'] },
        TargetParameters: {
          InputTemplate: '<$.detail>',
          EventBridgeEventBusParameters: { Source: 'pushline', DetailType: '$.detailType', Time: '$.time' },
        },
      },
    },
  };
}

/** Every generated resource of the stack, and its outputs. */
export function stackResources(
  file: PushlineFile,
  names: StackNames,
): { Resources: Record<string, Cfn>; Outputs: Cfn } {
  const Resources: Record<string, Cfn> = {
    ...coreResources(names),
    ...outboxResources(names),
    ...schedulerResources(names),
  };
  for (const name of DEPLOYED_NAMES) Object.assign(Resources, functionResources(name, file, names));
  return {
    Resources,
    Outputs: {
      EventBusName: { Value: { Ref: 'PushlineBus' } },
      TableName: { Value: { Ref: 'PushlineTable' } },
      AlarmTopicArn: { Value: { Ref: 'AlarmTopic' } },
      ScheduleGroupName: { Value: { Ref: 'CanaryCheckScheduleGroup' } },
    },
  };
}
