import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CodeDeployControl, controlOnlyDeployer } from '../../shared/aws/codedeploy-control.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { pipelineEventHandler } from '../../shared/aws/lambda/pipeline-event-handler.ts';
import { makePromote } from './promote.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'promote', stage: env.PUSHLINE_STAGE });
const promote = makePromote({
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  deployer: controlOnlyDeployer(new CodeDeployControl({ client: new CodeDeployClient({}) })),
  logger,
});

/** promote on AWS: `Canary Healthy` → ContinueDeployment when the deployment waits for it. */
export const handler = pipelineEventHandler(logger, (event) => promote(event));
