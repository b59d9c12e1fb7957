import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { CloudWatchMetricsSource } from '../../shared/aws/cloudwatch-metrics-source.ts';
import { readEnv, SchedulerEnv } from '../../shared/aws/codedeploy-env.ts';
import { DeploymentMarkers } from '../../shared/aws/codedeploy-get.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { EventBridgeScheduler } from '../../shared/aws/eventbridge-scheduler.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { lambdaHandler } from '../../shared/aws/lambda/lambda-handler.ts';
import {
  type JudgeCanaryInput,
  judgeCanaryInput,
  pipelineEventKeys,
} from '../../shared/aws/lambda/lambda-inputs.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { judgeCanaryStage } from './judge-canary.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const schedulerEnv = readEnv(SchedulerEnv);
const logger = new JsonLogger({ function: 'judge-canary', stage: env.PUSHLINE_STAGE });
const file = pipelineFileFromEnv(env);
/** The alarms some pipeline's canary watches: any other alarm's state change reads nothing. */
const watchedAlarms = new Set(file.pipelines.flatMap((p) => p.production.canary.alarms));
const stage = judgeCanaryStage({
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
});

function keysOf(input: JudgeCanaryInput): Record<string, unknown> {
  if (input.kind === 'check') return { runId: input.task.runId, check: input.task.check };
  if (input.kind === 'alarm') return { alarmName: input.alarmName, alarmState: input.state };
  return pipelineEventKeys(input.event);
}

/**
 * judge-canary on AWS, invoked three ways (see `judgeCanaryInput`):
 * - `Canary Started` from the Pushline bus → schedules the first check;
 * - a `canary-check` task from its own EventBridge Scheduler one-time schedule → one check;
 * - `CloudWatch Alarm State Change` from the default bus → judges at once the canaries whose
 *   pipeline names the alarm, when it went into ALARM (an alarm no pipeline watches costs no read).
 */
export const handler = lambdaHandler(
  logger,
  judgeCanaryInput,
  async (input, context) => {
    if (input.kind === 'check') return stage.onCheck(input.task);
    if (input.kind === 'alarm') {
      if (watchedAlarms.has(input.alarmName)) await stage.onAlarm(input);
      return;
    }
    return stage.onEvent(input.event, { logger: context.logger });
  },
  keysOf,
);
