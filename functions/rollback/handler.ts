import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CodeDeployControl, controlOnlyDeployer } from '../../shared/aws/codedeploy-control.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { pipelineEventLambda } from '../../shared/aws/lambda/lambda-handler.ts';
import { rollbackStage } from './rollback.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'rollback', stage: env.PUSHLINE_STAGE });
const stage = rollbackStage({
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  deployer: controlOnlyDeployer(new CodeDeployControl({ client: new CodeDeployClient({}) })),
  logger,
});

/** rollback on AWS: `Canary Unhealthy` → StopDeployment with automatic rollback. */
export const handler = pipelineEventLambda(logger, stage.onEvent);
