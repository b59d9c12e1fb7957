import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import { makeRunDecisions } from '../../shared/app/run-operations.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { type InvocationContext, InvocationLogger } from '../../shared/aws/lambda/invocation-logger.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { readWebhookEnv } from '../../shared/aws/lambda/webhook-env.ts';
import { AwsSecretSource } from '../../shared/aws/secret-source.ts';
import { type ApiGatewayV2Event, fromApiGatewayV2, toApiGatewayV2 } from '../../shared/http/api-gateway.ts';
import { NOTIFY_SECRETS } from '../../shared/notify/build-notifiers.ts';
import { slackAppClient } from '../../shared/notify/slack-app-client.ts';
import { makeSlackInteractions, SLACK_SIGNING_SECRET } from '../../shared/notify/slack-interactions.ts';
import { systemClock } from '../../shared/ports/clock.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const file = pipelineFileFromEnv(env);
// The signing secret: SLACK_SIGNING_SECRET_PARAMETER (an SSM name or `secretsmanager:<id>`), else
// `<prefix>SLACK_SIGNING_SECRET`; the body limit from PUSHLINE_MAX_BODY_BYTES, as the webhooks'.
const signing = readWebhookEnv(process.env, {
  variable: 'SLACK_SIGNING_SECRET_PARAMETER',
  secretName: SLACK_SIGNING_SECRET,
  secretsPrefix: env.PUSHLINE_SECRETS_PREFIX,
});
const logger = new InvocationLogger(
  new JsonLogger({ function: 'slack-interactions', stage: env.PUSHLINE_STAGE }),
);
// Exactly the three parameters the role may read: the signing secret, and the bot token and API
// root the notify function posts with (the reject form and the messages only the clicker sees).
const secrets = new AwsSecretSource({
  ssmClient: new SSMClient({}),
  names: {
    [SLACK_SIGNING_SECRET]: signing.secretLocation,
    [NOTIFY_SECRETS.slackBotToken]: `${env.PUSHLINE_SECRETS_PREFIX}${NOTIFY_SECRETS.slackBotToken}`,
    [NOTIFY_SECRETS.slackApiUrl]: `${env.PUSHLINE_SECRETS_PREFIX}${NOTIFY_SECRETS.slackApiUrl}`,
  },
});
const interactions = makeSlackInteractions({
  secrets,
  // Approve and reject only: a click never stops a build or rolls a deployment back, so this
  // function carries no CodeBuild or CodeDeploy client (nor may its role call them).
  operations: makeRunDecisions({
    store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
    clock: systemClock,
    pipelines: pipelineLookup(file),
    people: () => file.people,
    logger,
  }),
  slack: slackAppClient({ secrets, logger }),
  clock: systemClock,
  logger,
  ...(signing.maxBodyBytes ? { maxBodyBytes: signing.maxBodyBytes } : {}),
});

/**
 * slack-interactions on AWS: `POST /slack/interactions` on the HTTP API (payload format 2.0), the
 * Slack app's Interactivity Request URL. The body goes back to the exact bytes Slack signed (API
 * Gateway base64-encodes a form body) before `makeSlackInteractions` checks the signature. Always
 * answers; the event is never logged (its headers carry the signature, its body who clicked).
 */
export const handler = middy(async (event: ApiGatewayV2Event, context: InvocationContext) => {
  logger.begin(context);
  return toApiGatewayV2(await interactions(fromApiGatewayV2(event)));
});
