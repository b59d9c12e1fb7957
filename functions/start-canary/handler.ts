import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { codeDeployDeployer, DeployEnv, readEnv } from '../../shared/aws/codedeploy-wiring.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { pipelineEventLambda } from '../../shared/aws/lambda/lambda-handler.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { startCanaryStage } from './start-canary.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'start-canary', stage: env.PUSHLINE_STAGE });
const stage = startCanaryStage({
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  pipelines: pipelineLookup(pipelineFileFromEnv(env)),
  clock: systemClock,
  deployer: codeDeployDeployer(readEnv(DeployEnv)),
  logger,
});

/**
 * start-canary on AWS: `Staging Deployed` (and `Run Finished`, for the runs waiting for the
 * production slot) → CodeDeploy CreateDeployment to the production group with its canary
 * configuration. Runs with reserved concurrency 1, so the slot check and its claim are one at a
 * time (see `KeyedMutex`).
 */
export const handler = pipelineEventLambda(logger, stage.onEvent);
