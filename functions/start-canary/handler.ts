import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { codeDeployDeployer, DeployEnv, readEnv } from '../../shared/aws/codedeploy-wiring.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { pipelineEventHandler } from '../../shared/aws/lambda/pipeline-event-handler.ts';
import { waitsForProduction } from '../../shared/domain/concurrency.ts';
import { NotFoundError, ValidationError } from '../../shared/domain/errors.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { finishRun } from '../end-run.ts';
import { makeStartCanary } from './start-canary.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'start-canary', stage: env.PUSHLINE_STAGE });
const deps = {
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  pipelines: pipelineLookup(pipelineFileFromEnv(env)),
  clock: systemClock,
  deployer: codeDeployDeployer(readEnv(DeployEnv)),
  logger,
};
const startCanary = makeStartCanary(deps);

/**
 * start-canary on AWS: `Staging Deployed` (and `Run Finished`, for the runs waiting for the
 * production slot) → CodeDeploy CreateDeployment to the production group with its canary
 * configuration. Runs with reserved concurrency 1, so the slot check and its claim are one at a
 * time (see KeyedMutex). A canary that cannot start because of the pipeline file or the account
 * ends the run failed with that reason instead of retrying into the dead-letter queue.
 */
export const handler = pipelineEventHandler(logger, async (event, log) => {
  try {
    await startCanary(event);
  } catch (error) {
    if (!(error instanceof ValidationError || error instanceof NotFoundError)) throw error;
    if (event.detailType !== 'Staging Deployed') throw error;
    log.error('the canary cannot be started; ending the run', { error });
    const { runId, attempt } = event.detail;
    await finishRun(
      deps,
      { id: runId, attempt },
      'failed',
      `the production deployment could not start: ${error.message}`,
      waitsForProduction,
    );
  }
});
