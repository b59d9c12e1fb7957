import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import { type ApiGatewayV2Event, fromApiGatewayV2, toApiGatewayV2 } from '../../http/api-gateway.ts';
import { systemClock } from '../../ports/clock.ts';
import { type GitHost, makePushReceiver } from '../../sources/push-receiver.ts';
import { DynamoRunStore } from '../dynamo-run-store.ts';
import { AwsSecretSource } from '../secret-source.ts';
import { type InvocationContext, InvocationLogger } from './invocation-logger.ts';
import { JsonLogger } from './json-logger.ts';
import { pipelineFileFromEnv, readLambdaEnv } from './lambda-env.ts';
import { readWebhookEnv } from './webhook-env.ts';

/**
 * The Lambda composition root of a webhook receiver, for `POST /webhooks/<host>` on the HTTP API
 * (payload format 2.0). Called at cold start: it reads and validates the configuration once and
 * builds the clients once. The body goes back to the exact bytes the host signed (API Gateway may
 * base64-encode it) before the signature or token is checked. The event is never logged: its
 * headers carry the signature (GitLab's token IS the secret) and its body the push. Logs are JSON
 * lines keyed by the invocation's request id.
 */
export function webhookLambda(
  host: GitHost,
  options: { functionName: string; secretParameterVariable: string },
): (event: ApiGatewayV2Event, context: InvocationContext) => Promise<unknown> {
  const env = readLambdaEnv();
  const webhook = readWebhookEnv(process.env, {
    variable: options.secretParameterVariable,
    secretName: host.secretName,
    secretsPrefix: env.PUSHLINE_SECRETS_PREFIX,
  });
  const file = pipelineFileFromEnv(env);
  const logger = new InvocationLogger(
    new JsonLogger({ function: options.functionName, stage: env.PUSHLINE_STAGE }),
  );
  const receive = makePushReceiver(host, {
    store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
    file: () => file,
    secrets: new AwsSecretSource({
      ssmClient: new SSMClient({}),
      names: { [host.secretName]: webhook.secretLocation },
    }),
    clock: systemClock,
    logger,
    ...(webhook.maxBodyBytes ? { maxBodyBytes: webhook.maxBodyBytes } : {}),
  });
  return middy(async (event: ApiGatewayV2Event, context: InvocationContext) => {
    logger.begin(context);
    return toApiGatewayV2(await receive(fromApiGatewayV2(event)));
  });
}
