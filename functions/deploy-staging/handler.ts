import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { codeDeployDeployer, DeployEnv, readEnv } from '../../shared/aws/codedeploy-wiring.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { pipelineEventHandler } from '../../shared/aws/lambda/pipeline-event-handler.ts';
import { NotFoundError, ValidationError } from '../../shared/domain/errors.ts';
import { StageStatus } from '../../shared/domain/run.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { finishRun } from '../end-run.ts';
import { makeDeployStaging } from './deploy-staging.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'deploy-staging', stage: env.PUSHLINE_STAGE });
const deps = {
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  pipelines: pipelineLookup(pipelineFileFromEnv(env)),
  clock: systemClock,
  deployer: codeDeployDeployer(readEnv(DeployEnv)),
  platform: 'aws' as const,
  logger,
};
const deployStaging = makeDeployStaging(deps);

/**
 * deploy-staging on AWS: `Tests Passed` → CodeDeploy CreateDeployment to the staging group.
 * A deployment that cannot start because of the pipeline file or the account (no exported task
 * definition, no such deployment group) ends the run failed with that reason: retrying cannot fix
 * it, and the run must not wait forever with staging pending. Anything else throws for a retry.
 */
export const handler = pipelineEventHandler(logger, async (event, log) => {
  try {
    await deployStaging(event);
  } catch (error) {
    if (!(error instanceof ValidationError || error instanceof NotFoundError)) throw error;
    log.error('staging cannot be deployed; ending the run', { error });
    const { runId, attempt } = event.detail;
    await finishRun(
      deps,
      { id: runId, attempt },
      'failed',
      `staging could not be deployed: ${error.message}`,
      (fresh) => fresh.stages.staging.status === StageStatus.Pending,
    );
  }
});
