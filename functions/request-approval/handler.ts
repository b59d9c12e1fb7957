import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { pipelineEventLambda } from '../../shared/aws/lambda/lambda-handler.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { requestApprovalStage } from './request-approval.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'request-approval', stage: env.PUSHLINE_STAGE });
const stage = requestApprovalStage({
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  pipelines: pipelineLookup(pipelineFileFromEnv(env)),
  clock: systemClock,
  logger,
});

/** request-approval on AWS: `Staging Deployed` → `Approval Requested` when the pipeline has a gate. */
export const handler = pipelineEventLambda(logger, stage.onEvent);
