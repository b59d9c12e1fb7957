import {
  DEPLOYED,
  DEPLOYED_NAMES,
  type DeployedName,
  lambdaName,
  logicalStem,
  scheduleExpressionOf,
} from './functions.ts';
import {
  ARN,
  CANARY_CHECK_SCHEDULER_ROLE,
  HERE,
  SCHEDULE_GROUP,
  type StackNames,
  scheduleGroupName,
  sub,
} from './resource-refs.ts';

type Cfn = Record<string, unknown>;

/** judge-canary's ARN, built from its name: `Fn::GetAtt` of the function would make its own environment circular. */
export function judgeCanaryArn(names: StackNames): Cfn {
  return sub(`${ARN}:lambda:${HERE}:function:${lambdaName('judge-canary', names)}`);
}

/**
 * A role EventBridge Scheduler assumes to invoke one function and to send what it could not
 * deliver to that function's dead-letter queue (Scheduler sends to a DLQ with the schedule's role).
 * Only Scheduler of this account may assume it.
 */
function schedulerRole(what: string, functionArn: unknown, deadLetterQueue: string): Cfn {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `EventBridge Scheduler: ${what}`,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'invoke',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [functionArn] },
              {
                Effect: 'Allow',
                Action: ['sqs:SendMessage'],
                Resource: [{ 'Fn::GetAtt': [deadLetterQueue, 'Arn'] }],
              },
            ],
          },
        },
      ],
    },
  };
}

/** A rate schedule (`SCHEDULES` in functions/subscriptions.ts) of a scheduled function, and its role. */
function rateSchedule(name: DeployedName, names: StackNames): Record<string, Cfn> {
  const stem = logicalStem(name);
  const functionArn = { 'Fn::GetAtt': [`${stem}LambdaFunction`, 'Arn'] };
  return {
    [`${stem}ScheduleRole`]: schedulerRole(
      `runs ${name} on its schedule`,
      functionArn,
      `${stem}DeadLetterQueue`,
    ),
    [`${stem}Schedule`]: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: `${names.service}-${names.stage}-${name}`,
        Description: `${name}, generated from SCHEDULES in functions/subscriptions.ts`,
        ScheduleExpression: scheduleExpressionOf(name),
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: functionArn,
          RoleArn: { 'Fn::GetAtt': [`${stem}ScheduleRole`, 'Arn'] },
          // A round that could not be delivered is not worth a retry: the next one is a minute away.
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [`${stem}DeadLetterQueue`, 'Arn'] } },
        },
      },
    },
  };
}

/**
 * EventBridge Scheduler: the stack's schedule group, where judge-canary creates its one-time canary
 * checks (its role may create schedules there only); the role those checks run as (invoke
 * judge-canary, send undelivered checks to its DLQ); and a rate schedule per scheduled function.
 */
export function schedulerResources(names: StackNames): Record<string, Cfn> {
  const judge = logicalStem('judge-canary');
  const resources: Record<string, Cfn> = {
    [SCHEDULE_GROUP]: {
      Type: 'AWS::Scheduler::ScheduleGroup',
      Properties: { Name: scheduleGroupName(names) },
    },
    [CANARY_CHECK_SCHEDULER_ROLE]: schedulerRole(
      'runs the canary checks judge-canary schedules',
      judgeCanaryArn(names),
      `${judge}DeadLetterQueue`,
    ),
  };
  for (const name of DEPLOYED_NAMES) {
    if (DEPLOYED[name].trigger.kind === 'schedule') Object.assign(resources, rateSchedule(name, names));
  }
  return resources;
}
