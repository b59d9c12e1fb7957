import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { type InvocationContext, InvocationLogger } from '../../shared/aws/lambda/invocation-logger.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { describeError } from '../../shared/http/error-response.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { makeReceiveCodecommit } from './receive-codecommit.ts';

// Cold start: read and validate the configuration once, build the clients once.
const env = readLambdaEnv();
const file = pipelineFileFromEnv(env);
const logger = new InvocationLogger(
  new JsonLogger({ function: 'receive-codecommit', stage: env.PUSHLINE_STAGE }),
);
const receive = makeReceiveCodecommit({
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  file: () => file,
  codecommit: new CodeCommitClient({}),
  clock: systemClock,
  logger,
});

/**
 * receive-codecommit on AWS: the target of the EventBridge rule for `CodeCommit Repository State
 * Change` (default bus). An event it cannot handle — malformed, or CodeCommit unreachable — is
 * logged and thrown, so Lambda retries it and then sends it to the function's dead-letter queue.
 */
export const handler = middy(async (event: unknown, context: InvocationContext) => {
  logger.begin(context);
  try {
    const outcome = await receive(event);
    return { outcome: outcome.kind, ...('reason' in outcome ? { reason: outcome.reason } : {}) };
  } catch (error) {
    logger.error('CodeCommit event not handled', { error: describeError(error) });
    throw error;
  }
});
