import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { stopOnlyBuilder } from '../../shared/aws/codebuild-stop.ts';
import { CodeDeployControl, controlOnlyDeployer } from '../../shared/aws/codedeploy-control.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { lambdaHandler } from '../../shared/aws/lambda/lambda-handler.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { watchdogStage } from './watchdog.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'watchdog', stage: env.PUSHLINE_STAGE });
const stage = watchdogStage({
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  pipelines: pipelineLookup(pipelineFileFromEnv(env)),
  clock: systemClock,
  // Only StopBuild is imported (and granted): the watchdog never starts a build.
  builder: stopOnlyBuilder(new CodeBuildClient({})),
  // The watchdog only stops what overran: StopBuild, and StopDeployment with rollback.
  deployer: controlOnlyDeployer(new CodeDeployControl({ client: new CodeDeployClient({}) })),
  logger,
});

/** The scheduler's input carries nothing the watchdog reads. */
const ignoreInput = () => undefined;

/**
 * watchdog on AWS: run every minute by a rate schedule (`SCHEDULES.watchdog`); ends every stage
 * past its timeout with `Stage Timed Out`, after stopping its build or rolling back its
 * deployment. Rounds may overlap safely. Returns what it ended, for the invocation's log.
 */
export const handler = lambdaHandler(logger, ignoreInput, async (_input, context) => {
  const report = await stage.onTick();
  if (report.timedOut.length > 0) context.logger.warn('watchdog ended overdue stages', { ...report });
  return report;
});
