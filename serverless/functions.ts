import { SUBSCRIPTIONS, type Subscription } from '../functions/subscriptions.ts';

/** How a deployed function is invoked. */
export type Trigger =
  | { kind: 'http'; path: string }
  /** By EventBridge rules generated from its entry in functions/subscriptions.ts. */
  | { kind: 'subscriptions' }
  /** Synchronously, by the outbox pipe (its enrichment step). */
  | { kind: 'pipe-enrichment' };

export interface DeployedFunction {
  /** The folder under functions/ whose handler.ts is the entry point. */
  dir: string;
  trigger: Trigger;
  timeoutSeconds: number;
  memoryMb: number;
}

/**
 * The functions the stack deploys, one per handler (`functions/<dir>/handler.handler`). A function
 * subscribed in functions/subscriptions.ts gets one EventBridge rule per subscription (pipeline
 * events on the Pushline bus; AWS service events on the default bus), generated — never copied.
 *
 * Stage functions whose AWS adapters do not exist yet (CodeDeploy deployer, CloudWatch metrics,
 * EventBridge Scheduler) are not deployed: see NOT_YET_ON_AWS and docs/aws.md.
 */
export const DEPLOYED = {
  'receive-github': {
    dir: 'receive-github',
    trigger: { kind: 'http', path: '/webhooks/github' },
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  'receive-gitlab': {
    dir: 'receive-gitlab',
    trigger: { kind: 'http', path: '/webhooks/gitlab' },
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
} as const satisfies Record<string, DeployedFunction>;

export type DeployedName = keyof typeof DEPLOYED;
export const DEPLOYED_NAMES = Object.keys(DEPLOYED) as DeployedName[];

/** Subscribed functions that the AWS stack does not deploy yet, with the missing piece. */
export const NOT_YET_ON_AWS: Partial<Record<keyof typeof SUBSCRIPTIONS, string>> = {
  'deploy-staging': 'a CodeDeploy Deployer adapter',
  'finish-deployment': 'a CodeDeploy Deployer adapter',
  'start-canary': 'a CodeDeploy Deployer adapter',
  'judge-canary': 'CloudWatch MetricsSource and EventBridge Scheduler adapters',
  promote: 'a CodeDeploy Deployer adapter',
  rollback: 'a CodeDeploy Deployer adapter',
};

/** The subscription of a deployed function (empty when it is not subscribed to anything). */
export function subscriptionOf(name: DeployedName): Subscription {
  return (SUBSCRIPTIONS as Record<string, Subscription>)[name] ?? {};
}

/** `start-build` → `StartBuild`: the stem of the function's CloudFormation logical ids. */
export function logicalStem(name: string): string {
  return name
    .split(/[^A-Za-z0-9]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
