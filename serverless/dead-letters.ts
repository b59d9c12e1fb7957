type Cfn = Record<string, unknown>;

/**
 * A dead-letter queue and the alarm on its depth: any message in it is work that failed after
 * every retry, so the alarm fires on the first one (to the stack's alarm topic).
 */
export function deadLetterResources(stem: string, what: string): Record<string, Cfn> {
  return {
    [`${stem}DeadLetterQueue`]: {
      Type: 'AWS::SQS::Queue',
      Properties: { MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true },
    },
    [`${stem}DeadLetterAlarm`]: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmDescription: `${what} failed after its retries; see its dead-letter queue (pushline dlq list).`,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [`${stem}DeadLetterQueue`, 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'AlarmTopic' }],
      },
    },
  };
}

/** Lets EventBridge put undeliverable events of the given rules into a function's DLQ. */
export function ruleDlqPolicy(stem: string, ruleIds: readonly string[]): Record<string, Cfn> {
  if (ruleIds.length === 0) return {};
  return {
    [`${stem}DeadLetterQueuePolicy`]: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [{ Ref: `${stem}DeadLetterQueue` }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: { 'Fn::GetAtt': [`${stem}DeadLetterQueue`, 'Arn'] },
              Condition: {
                ArnEquals: { 'aws:SourceArn': ruleIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })) },
              },
            },
          ],
        },
      },
    },
  };
}
