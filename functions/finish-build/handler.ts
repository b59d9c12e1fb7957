import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CodeBuildBuildStateChange } from '../../events/aws/codebuild.ts';
import { buildIdFromArn } from '../../shared/aws/codebuild-ids.ts';
import { CodeBuildOutcomeReader, isFinished, runIdOfEvent } from '../../shared/aws/codebuild-outcome.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { lambdaHandler } from '../../shared/aws/lambda/lambda-handler.ts';
import { parseWith } from '../../shared/aws/lambda/lambda-inputs.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { finishBuildStage } from './finish-build.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'finish-build', stage: env.PUSHLINE_STAGE });
const store = new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE });
const reader = new CodeBuildOutcomeReader({ client: new CodeBuildClient({}) });
const stage = finishBuildStage({ store, clock: systemClock, logger });

/**
 * finish-build on AWS: `CodeBuild Build State Change` (default bus) → the build's outcome → Tests
 * Passed / Build Failed. Builds still running are skipped; builds Pushline did not start (no link
 * from start-build, no PUSHLINE_RUN_ID) are ignored before any CodeBuild call is made.
 */
export const handler = lambdaHandler(
  logger,
  parseWith(CodeBuildBuildStateChange, 'CodeBuild Build State Change'),
  async (event, { logger: log }) => {
    if (!isFinished(event)) return;
    const buildId = buildIdFromArn(event.detail['build-id']);
    const linked = await store.findByRef({ kind: 'build', id: buildId });
    if (!linked && !runIdOfEvent(event)) {
      log.info('ignoring a build Pushline did not start');
      return;
    }
    const outcome = await reader.read(event);
    if (!outcome) {
      log.info('ignoring a build without a Pushline run id');
      return;
    }
    await stage.onOutcome({ ...outcome, runId: linked ?? outcome.runId }, { logger: log });
  },
  (event) => ({
    buildId: buildIdFromArn(event.detail['build-id']),
    buildStatus: event.detail['build-status'],
  }),
);
