import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { codeDeployDeployer, DeployEnv, readEnv } from '../../shared/aws/codedeploy-wiring.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { pipelineEventLambda } from '../../shared/aws/lambda/lambda-handler.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { deployStagingStage } from './deploy-staging.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'deploy-staging', stage: env.PUSHLINE_STAGE });
const stage = deployStagingStage({
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  pipelines: pipelineLookup(pipelineFileFromEnv(env)),
  clock: systemClock,
  deployer: codeDeployDeployer(readEnv(DeployEnv)),
  platform: 'aws',
  logger,
});

/** deploy-staging on AWS: `Tests Passed` → CodeDeploy CreateDeployment to the staging group. */
export const handler = pipelineEventLambda(logger, stage.onEvent);
