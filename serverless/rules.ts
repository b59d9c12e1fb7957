import { EVENT_SOURCE } from '../events/pipeline-events.ts';
import { type DeployedName, logicalStem, subscriptionOf } from './functions.ts';

type Cfn = Record<string, unknown>;

/** An EventBridge rule generated from one subscription of one function. */
export interface GeneratedRule {
  logicalId: string;
  fn: DeployedName;
  /** `pushline` events on the Pushline bus, AWS service events on the account's default bus. */
  bus: 'pushline' | 'default';
  pattern: { source: string[]; 'detail-type': string[] };
}

/**
 * One rule per subscription in functions/subscriptions.ts: a function's pipeline events make one
 * rule on the Pushline bus (all its detail-types in one pattern); each AWS service event it
 * consumes makes one rule on the default bus, where AWS services publish.
 */
export function rulesOf(name: DeployedName): GeneratedRule[] {
  const sub = subscriptionOf(name);
  const stem = logicalStem(name);
  const rules: GeneratedRule[] = [];
  if (sub.pipelineEvents?.length) {
    rules.push({
      logicalId: `${stem}PipelineEventsRule`,
      fn: name,
      bus: 'pushline',
      pattern: { source: [EVENT_SOURCE], 'detail-type': [...sub.pipelineEvents] },
    });
  }
  for (const aws of sub.awsEvents ?? []) {
    rules.push({
      logicalId: `${stem}${logicalStem(aws.source)}Rule`,
      fn: name,
      bus: 'default',
      pattern: { source: [aws.source], 'detail-type': [aws.detailType] },
    });
  }
  return rules;
}

/**
 * The CloudFormation of a rule: the function as its target, with EventBridge's own retries and
 * a dead-letter queue for events it could not deliver, plus the permission to invoke.
 */
export function ruleResources(
  rule: GeneratedRule,
  names: { service: string; stage: string },
): Record<string, Cfn> {
  const stem = logicalStem(rule.fn);
  return {
    [rule.logicalId]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: `${names.service}-${names.stage}-${rule.logicalId}`,
        Description: `${rule.fn} ← ${rule.pattern['detail-type'].join(', ')} (generated from functions/subscriptions.ts)`,
        EventBusName: rule.bus === 'pushline' ? { Ref: 'PushlineBus' } : 'default',
        EventPattern: rule.pattern,
        State: 'ENABLED',
        Targets: [
          {
            Id: stem,
            Arn: { 'Fn::GetAtt': [`${stem}LambdaFunction`, 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [`${stem}DeadLetterQueue`, 'Arn'] } },
          },
        ],
      },
    },
    [`${rule.logicalId}Permission`]: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [`${stem}LambdaFunction`, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [rule.logicalId, 'Arn'] },
      },
    },
  };
}
