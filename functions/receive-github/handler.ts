import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { type InvocationContext, InvocationLogger } from '../../shared/aws/lambda/invocation-logger.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { AwsSecretSource } from '../../shared/aws/secret-source.ts';
import { type ApiGatewayV2Event, fromApiGatewayV2, toApiGatewayV2 } from '../../shared/http/api-gateway.ts';
import { readWebhookEnv } from '../../shared/http/webhook-env.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { SecretName } from '../../shared/sources/secret-names.ts';
import { makeReceiveGithub } from './receive-github.ts';

// Cold start: read and validate the configuration once, build the clients once.
const env = readLambdaEnv();
const webhook = readWebhookEnv(process.env, {
  variable: 'GITHUB_WEBHOOK_SECRET_PARAMETER',
  secretName: SecretName.GitHubWebhook,
  secretsPrefix: env.PUSHLINE_SECRETS_PREFIX,
});
const file = pipelineFileFromEnv(env);
const logger = new InvocationLogger(
  new JsonLogger({ function: 'receive-github', stage: env.PUSHLINE_STAGE }),
);
const receive = makeReceiveGithub({
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  file: () => file,
  secrets: new AwsSecretSource({
    ssmClient: new SSMClient({}),
    names: { [SecretName.GitHubWebhook]: webhook.secretLocation },
  }),
  clock: systemClock,
  logger,
  ...(webhook.maxBodyBytes ? { maxBodyBytes: webhook.maxBodyBytes } : {}),
});

/**
 * receive-github on AWS: `POST /webhooks/github` on the HTTP API (payload format 2.0). The body
 * goes back to the exact bytes GitHub signed (API Gateway may base64-encode it) before the
 * signature is checked. The event is never logged: its headers carry the signature and its body
 * the push. Logs are JSON lines keyed by the invocation's request id.
 */
export const handler = middy(async (event: ApiGatewayV2Event, context: InvocationContext) => {
  logger.begin(context);
  return toApiGatewayV2(await receive(fromApiGatewayV2(event)));
});
