import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CodeDeployControl, controlOnlyDeployer } from '../../shared/aws/codedeploy-control.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { pipelineEventLambda } from '../../shared/aws/lambda/lambda-handler.ts';
import { promoteStage } from './promote.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'promote', stage: env.PUSHLINE_STAGE });
const stage = promoteStage({
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  deployer: controlOnlyDeployer(new CodeDeployControl({ client: new CodeDeployClient({}) })),
  logger,
});

/** promote on AWS: `Canary Healthy` → ContinueDeployment when the deployment waits for it. */
export const handler = pipelineEventLambda(logger, stage.onEvent);
