import { API_ROUTES } from '../functions/api/routes.ts';
import { SCHEDULES, SUBSCRIPTIONS, type Subscription } from '../functions/subscriptions.ts';

/** A route of the stack's HTTP API: `{name}` segments are path parameters. */
export interface HttpRoute {
  method: 'GET' | 'POST';
  path: string;
}

/** How a deployed function is invoked. */
export type Trigger =
  /** Synchronously, by the HTTP API, for each of its routes. */
  | { kind: 'http'; routes: readonly HttpRoute[] }
  /** By EventBridge rules generated from its entry in functions/subscriptions.ts. */
  | { kind: 'subscriptions' }
  /** Synchronously, by the outbox pipe (its enrichment step). */
  | { kind: 'pipe-enrichment' }
  /** By an EventBridge Scheduler rate schedule generated from its entry in `SCHEDULES`. */
  | { kind: 'schedule' }
  /**
   * By CodeDeploy, as the lifecycle hook the deployer names in a deployment's AppSpec; CodeDeploy
   * waits for its answer (PutLifecycleEventHookExecutionStatus), not for a return value.
   */
  | { kind: 'codedeploy-hook' };

export interface DeployedFunction {
  /** The folder under functions/ whose handler.ts is the entry point. */
  dir: string;
  trigger: Trigger;
  timeoutSeconds: number;
  memoryMb: number;
  /** Reserved concurrency: 1 runs the function's invocations one at a time (and caps it). */
  reservedConcurrency?: number;
}

/**
 * The functions the stack deploys, one per handler (`functions/<dir>/handler.handler`). A function
 * subscribed in functions/subscriptions.ts gets one EventBridge rule per subscription (pipeline
 * events on the Pushline bus; AWS service events on the default bus), generated — never copied;
 * a function in `SCHEDULES` gets an EventBridge Scheduler rate schedule.
 */
export const DEPLOYED = {
  'receive-github': {
    dir: 'receive-github',
    trigger: { kind: 'http', routes: [{ method: 'POST', path: '/webhooks/github' }] },
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  'receive-gitlab': {
    dir: 'receive-gitlab',
    trigger: { kind: 'http', routes: [{ method: 'POST', path: '/webhooks/gitlab' }] },
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  // Runs read and operated by hand (GET /api/runs…, POST …/approve|reject|cancel), bearer tokens in SSM.
  api: {
    dir: 'api',
    trigger: { kind: 'http', routes: API_ROUTES.map(({ method, path }) => ({ method, path })) },
    // A cancel stops a build and rolls a deployment back: a few AWS calls, within the HTTP API's 30 s.
    timeoutSeconds: 15,
    memoryMb: 512,
  },
  // Slack's Approve / Reject buttons and the reject form (the app's Interactivity Request URL).
  'slack-interactions': {
    dir: 'slack-interactions',
    trigger: { kind: 'http', routes: [{ method: 'POST', path: '/slack/interactions' }] },
    // Slack waits 3 s for the answer; the Web API client gives up after 2.5 s (slack-app-client.ts).
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  'receive-codecommit': {
    dir: 'receive-codecommit',
    trigger: { kind: 'subscriptions' },
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  'start-build': {
    dir: 'start-build',
    trigger: { kind: 'subscriptions' },
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  'finish-build': {
    dir: 'finish-build',
    trigger: { kind: 'subscriptions' },
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  notify: { dir: 'notify', trigger: { kind: 'subscriptions' }, timeoutSeconds: 30, memoryMb: 512 },
  publish: { dir: 'publish', trigger: { kind: 'pipe-enrichment' }, timeoutSeconds: 30, memoryMb: 256 },
  'deploy-staging': {
    dir: 'deploy-staging',
    trigger: { kind: 'subscriptions' },
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  'finish-deployment': {
    dir: 'finish-deployment',
    trigger: { kind: 'subscriptions' },
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  'request-approval': {
    dir: 'request-approval',
    trigger: { kind: 'subscriptions' },
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  'start-canary': {
    dir: 'start-canary',
    trigger: { kind: 'subscriptions' },
    timeoutSeconds: 30,
    memoryMb: 512,
    // The production-slot check and its claim are serialised per process (KeyedMutex,
    // docs/choreography.md): one execution environment at a time makes that hold on AWS too.
    reservedConcurrency: 1,
  },
  // Scheduled checks, Canary Started and alarm state changes; an alarm judges every canary that lists it.
  'judge-canary': {
    dir: 'judge-canary',
    trigger: { kind: 'subscriptions' },
    timeoutSeconds: 60,
    memoryMb: 512,
  },
  promote: { dir: 'promote', trigger: { kind: 'subscriptions' }, timeoutSeconds: 30, memoryMb: 512 },
  rollback: { dir: 'rollback', trigger: { kind: 'subscriptions' }, timeoutSeconds: 30, memoryMb: 512 },
  watchdog: { dir: 'watchdog', trigger: { kind: 'schedule' }, timeoutSeconds: 60, memoryMb: 512 },
  // Answers CodeDeploy within 60 s whatever happens (functions/lifecycle-hook/handler.ts); 90 s leaves it room.
  'lifecycle-hook': {
    dir: 'lifecycle-hook',
    trigger: { kind: 'codedeploy-hook' },
    timeoutSeconds: 90,
    memoryMb: 256,
  },
} as const satisfies Record<string, DeployedFunction>;

export type DeployedName = keyof typeof DEPLOYED;
export const DEPLOYED_NAMES = Object.keys(DEPLOYED) as DeployedName[];

/** A deployed function's settings, as the common shape (optional keys included). */
export function deployed(name: DeployedName): DeployedFunction {
  return DEPLOYED[name];
}

/** The subscription of a deployed function (empty when it is not subscribed to anything). */
export function subscriptionOf(name: DeployedName): Subscription {
  return (SUBSCRIPTIONS as Record<string, Subscription>)[name] ?? {};
}

/** The rate of a scheduled function, in EventBridge Scheduler's words: `rate(1 minute)`. */
export function scheduleExpressionOf(name: DeployedName): string {
  const every = (SCHEDULES as Record<string, { everySeconds: number }>)[name]?.everySeconds;
  if (every === undefined) throw new Error(`${name} is deployed on a schedule but is not in SCHEDULES`);
  // Scheduler's rates are whole minutes at least.
  if (every < 60 || every % 60 !== 0)
    throw new Error(`${name}: every ${every}s is not a whole number of minutes`);
  const minutes = every / 60;
  return `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
}

/**
 * The Lambda function's name. The managed service-role policy of Lambda deployments
 * (AWSCodeDeployRoleForLambda) may invoke only the functions named `CodeDeployHook_*`, so the
 * lifecycle hook is named that way (AWSCodeDeployRoleForECS may invoke any function).
 */
export function lambdaName(name: DeployedName, names: { service: string; stage: string }): string {
  const base = `${names.service}-${names.stage}-${name}`;
  return DEPLOYED[name].trigger.kind === 'codedeploy-hook' ? `CodeDeployHook_${base}` : base;
}

/** `start-build` → `StartBuild`: the stem of the function's CloudFormation logical ids. */
export function logicalStem(name: string): string {
  return name
    .split(/[^A-Za-z0-9]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
