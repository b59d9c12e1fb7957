import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { CheckClients } from './check.ts';

/** The checks' clients from the SDK's configuration (credentials, region), or for `region`. */
export function checkClients(region?: string): CheckClients {
  const config = region ? { region } : {};
  return {
    cloudformation: new CloudFormationClient(config),
    dynamodb: new DynamoDBClient(config),
    events: new EventBridgeClient(config),
    iam: new IAMClient(config),
    scheduler: new SchedulerClient(config),
    secretsManager: new SecretsManagerClient(config),
    sqs: new SQSClient(config),
    ssm: new SSMClient(config),
  };
}
