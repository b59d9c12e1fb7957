import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { CodeBuildBuildStateChange } from '../../events/aws/codebuild.ts';
import { formatIssues } from '../../events/parse.ts';
import { buildIdFromArn } from '../../shared/aws/codebuild-ids.ts';
import { CodeBuildOutcomeReader, isFinished, runIdOfEvent } from '../../shared/aws/codebuild-outcome.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { EventValidationError } from '../../shared/domain/errors.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { makeFinishBuild } from './finish-build.ts';

const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'finish-build', stage: env.PUSHLINE_STAGE });
const store = new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE });
const reader = new CodeBuildOutcomeReader({ client: new CodeBuildClient({}) });
const finishBuild = makeFinishBuild({ store, clock: systemClock, logger });

/**
 * finish-build on AWS: `CodeBuild Build State Change` (default bus) → the build's outcome → Tests
 * Passed / Build Failed. Builds still running are skipped; builds Pushline did not start (no link
 * from start-build, no PUSHLINE_RUN_ID) are ignored before any CodeBuild call is made.
 */
export const handler = middy(async (raw: unknown) => {
  const parsed = CodeBuildBuildStateChange.safeParse(raw);
  if (!parsed.success) {
    throw new EventValidationError(
      `invalid CodeBuild Build State Change: ${formatIssues(parsed.error.issues)}`,
    );
  }
  const event = parsed.data;
  const buildId = buildIdFromArn(event.detail['build-id']);
  const log = logger.child({ buildId, buildStatus: event.detail['build-status'] });
  if (!isFinished(event)) return;
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
  await finishBuild({ ...outcome, runId: linked ?? outcome.runId });
});
