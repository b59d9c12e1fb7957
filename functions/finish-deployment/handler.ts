import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CodeDeployDeploymentStateChange } from '../../events/aws/codedeploy.ts';
import { CodeDeployOutcomeReader, isFinishedState } from '../../shared/aws/codedeploy-outcome.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { lambdaHandler } from '../../shared/aws/lambda/lambda-handler.ts';
import { parseWith } from '../../shared/aws/lambda/lambda-inputs.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { finishDeploymentStage } from './finish-deployment.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'finish-deployment', stage: env.PUSHLINE_STAGE });
const store = new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE });
const reader = new CodeDeployOutcomeReader({ client: new CodeDeployClient({}) });
const stage = finishDeploymentStage({ store, clock: systemClock, logger });

/** The deployment groups some pipeline deploys to (`application/group`). */
const groups = new Set(
  pipelineFileFromEnv(env).pipelines.flatMap((p) =>
    [p.staging.codedeploy, p.production.codedeploy].flatMap((t) =>
      t ? [`${t.application}/${t.deploymentGroup}`] : [],
    ),
  ),
);

/**
 * finish-deployment on AWS: `CodeDeploy Deployment State-change Notification` (default bus) → the
 * deployment's outcome (GetDeployment and its failed targets) → Staging Deployed / Staging Failed /
 * Production Deployed / Rolled Back. START and READY are skipped; so are deployments to groups no
 * pipeline deploys to (before any CodeDeploy call), and deployments Pushline did not start.
 */
export const handler = lambdaHandler(
  logger,
  parseWith(CodeDeployDeploymentStateChange, 'CodeDeploy Deployment State-change Notification'),
  async (event, { logger: log }) => {
    const { application, deploymentGroup, state } = event.detail;
    if (!isFinishedState(state)) return;
    if (!groups.has(`${application}/${deploymentGroup}`)) {
      log.info('ignoring a deployment to a group no pipeline deploys to', { application, deploymentGroup });
      return;
    }
    const reading = await reader.read(event);
    if (reading.kind === 'ignored') {
      log.info('ignoring the deployment state change', { reason: reading.reason });
      return;
    }
    await stage.onOutcome(reading.outcome, { logger: log });
  },
  (event) => ({ deploymentId: event.detail.deploymentId, state: event.detail.state }),
);
