import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CodeBuildBuilder } from '../../shared/aws/codebuild-builder.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { pipelineEventLambda } from '../../shared/aws/lambda/lambda-handler.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { startBuildStage } from './start-build.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'start-build', stage: env.PUSHLINE_STAGE });
const stage = startBuildStage({
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  pipelines: pipelineLookup(pipelineFileFromEnv(env)),
  clock: systemClock,
  builder: new CodeBuildBuilder({ client: new CodeBuildClient({}) }),
  logger,
});

/** start-build on AWS: `Run Started` / `Run Finished` from the Pushline bus → CodeBuild StartBuild. */
export const handler = pipelineEventLambda(logger, stage.onEvent);
