import { DETAIL_TYPES, type DetailType, EVENT_SOURCE } from '../events/pipeline-events.ts';

/** An AWS service event a function consumes from the default bus. */
export interface AwsEventSubscription {
  source: string;
  detailType: string;
}

export interface Subscription {
  /** Pipeline events (source `pushline`) the function handles. */
  pipelineEvents?: readonly DetailType[];
  /** AWS service events the function handles. */
  awsEvents?: readonly AwsEventSubscription[];
}

/**
 * The single source of truth for the choreography: which function reacts to which event. The
 * local bus dispatches by it; `serverless.yml`'s EventBridge rules are generated from it.
 * A function never calls another; it reacts to an event and announces the next one.
 */
export const SUBSCRIPTIONS = {
  'receive-codecommit': {
    awsEvents: [{ source: 'aws.codecommit', detailType: 'CodeCommit Repository State Change' }],
  },
  'start-build': { pipelineEvents: ['Run Started', 'Run Retried', 'Run Finished'] },
  'finish-build': { awsEvents: [{ source: 'aws.codebuild', detailType: 'CodeBuild Build State Change' }] },
  'deploy-staging': { pipelineEvents: ['Run Started', 'Tests Passed', 'Run Retried'] },
  'finish-deployment': {
    awsEvents: [{ source: 'aws.codedeploy', detailType: 'CodeDeploy Deployment State-change Notification' }],
  },
  'request-approval': { pipelineEvents: ['Staging Deployed', 'Run Retried'] },
  'start-canary': {
    pipelineEvents: ['Staging Deployed', 'Approved', 'Run Retried', 'Production Released', 'Run Finished'],
  },
  'judge-canary': {
    pipelineEvents: ['Canary Started'],
    awsEvents: [{ source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change' }],
  },
  promote: { pipelineEvents: ['Canary Healthy'] },
  rollback: { pipelineEvents: ['Canary Unhealthy'] },
  notify: { pipelineEvents: DETAIL_TYPES },
} as const satisfies Record<string, Subscription>;

export type FunctionName = keyof typeof SUBSCRIPTIONS;

/**
 * Functions run on a clock rather than by an event: AWS invokes them from an EventBridge Scheduler
 * rate schedule, local mode from a timer (`runEvery`). (judge-canary's per-canary checks are
 * one-time schedules it makes itself through the `Scheduler` port, not listed here.)
 */
export const SCHEDULES = {
  watchdog: { everySeconds: 60 },
} as const satisfies Record<string, { everySeconds: number }>;

/** The functions subscribed to a pipeline event's detail-type. */
export function subscribersOf(detailType: DetailType): FunctionName[] {
  return (Object.keys(SUBSCRIPTIONS) as FunctionName[]).filter((name) => {
    const sub: Subscription = SUBSCRIPTIONS[name];
    return sub.pipelineEvents?.includes(detailType) ?? false;
  });
}

/** The functions subscribed to at least one pipeline event (the local bus registers each). */
export function pipelineSubscribers(): PipelineSubscriber[] {
  return (Object.keys(SUBSCRIPTIONS) as FunctionName[]).filter(
    (name): name is PipelineSubscriber => 'pipelineEvents' in SUBSCRIPTIONS[name],
  );
}

/** The functions subscribed to at least one pipeline event, as a type. */
export type PipelineSubscriber = {
  [F in FunctionName]: (typeof SUBSCRIPTIONS)[F] extends { pipelineEvents: readonly unknown[] } ? F : never;
}[FunctionName];

export { EVENT_SOURCE };
