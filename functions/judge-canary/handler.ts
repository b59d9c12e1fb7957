import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import middy from '@middy/core';
import { CloudWatchAlarmStateChange } from '../../events/aws/cloudwatch.ts';
import { formatIssues } from '../../events/parse.ts';
import * as z from '../../events/zod-mini.ts';
import { CloudWatchMetricsSource } from '../../shared/aws/cloudwatch-metrics-source.ts';
import { readEnv, SchedulerEnv } from '../../shared/aws/codedeploy-env.ts';
import { DeploymentMarkers } from '../../shared/aws/codedeploy-get.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { EventBridgeScheduler } from '../../shared/aws/eventbridge-scheduler.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import {
  type EventBridgeEnvelope,
  pipelineEventHandler,
} from '../../shared/aws/lambda/pipeline-event-handler.ts';
import { EventValidationError } from '../../shared/domain/errors.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { makeAlarmFired, makeCheckCanary, makeJudgeCanary } from './judge-canary.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const schedulerEnv = readEnv(SchedulerEnv);
const logger = new JsonLogger({ function: 'judge-canary', stage: env.PUSHLINE_STAGE });
const file = pipelineFileFromEnv(env);
/** The alarms some pipeline's canary watches: any other alarm's state change reads nothing. */
const watchedAlarms = new Set(file.pipelines.flatMap((p) => p.production.canary.alarms));
const deps = {
  store: new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE }),
  pipelines: pipelineLookup(file),
  clock: systemClock,
  metrics: new CloudWatchMetricsSource({
    client: new CloudWatchClient({}),
    // Lambda canaries compare versions: the deployment's marker names them (GetDeployment).
    versions: new DeploymentMarkers(new CodeDeployClient({})),
  }),
  scheduler: new EventBridgeScheduler({
    client: new SchedulerClient({}),
    targetArn: schedulerEnv.PUSHLINE_JUDGE_CANARY_ARN,
    roleArn: schedulerEnv.PUSHLINE_SCHEDULER_ROLE_ARN,
    ...(schedulerEnv.PUSHLINE_SCHEDULE_GROUP ? { groupName: schedulerEnv.PUSHLINE_SCHEDULE_GROUP } : {}),
    ...(schedulerEnv.PUSHLINE_SCHEDULER_DLQ_ARN
      ? { deadLetterArn: schedulerEnv.PUSHLINE_SCHEDULER_DLQ_ARN }
      : {}),
  }),
  logger,
};
const judgeCanary = makeJudgeCanary(deps);
const checkCanary = makeCheckCanary(deps);
const alarmFired = makeAlarmFired(deps);
const onPipelineEvent = pipelineEventHandler(logger, (event) => judgeCanary(event));

/** The input of a one-time schedule this function made for itself (`EventBridgeScheduler`). */
const CanaryCheckTask = z.object({
  kind: z.literal('canary-check'),
  runId: z.string().check(z.minLength(1)),
  attempt: z.int().check(z.minimum(1)),
  deploymentId: z.string().check(z.minLength(1)),
  check: z.int().check(z.minimum(0)),
  retry: z.optional(z.int().check(z.minimum(1))),
});

/**
 * judge-canary on AWS, invoked three ways:
 * - `Canary Started` from the Pushline bus → schedules the first check;
 * - a `canary-check` task from its own EventBridge Scheduler one-time schedule → one check;
 * - `CloudWatch Alarm State Change` from the default bus → judges at once the canaries whose
 *   pipeline names the alarm, when it went into ALARM (an alarm no pipeline watches costs no read).
 */
export const handler = middy(async (raw: unknown, context: { awsRequestId?: string }) => {
  const input = raw as Record<string, unknown> | null;
  if (input?.kind === 'canary-check') {
    const task = CanaryCheckTask.safeParse(input);
    if (!task.success)
      throw new EventValidationError(`invalid canary-check task: ${formatIssues(task.error.issues)}`);
    await checkCanary(task.data);
    return;
  }
  if (input?.source === 'aws.cloudwatch') {
    const alarm = CloudWatchAlarmStateChange.safeParse(input);
    if (!alarm.success) {
      throw new EventValidationError(
        `invalid CloudWatch Alarm State Change: ${formatIssues(alarm.error.issues)}`,
      );
    }
    const { alarmName, state } = alarm.data.detail;
    if (watchedAlarms.has(alarmName)) await alarmFired({ alarmName, state: state.value });
    return;
  }
  await onPipelineEvent(raw as EventBridgeEnvelope, context as never);
});
