import type { DeployedName } from './functions.ts';

/** A resource a statement names, resolved to ARNs by resource-refs.ts (CloudFormation `Fn::Sub` strings). */
export type ResourceRef =
  | 'table'
  | 'table-indexes'
  | 'codebuild-projects'
  | 'codebuild-report-groups'
  | 'secrets'
  | 'secrets-manager'
  /** The api function's tokens: the SSM parameter `/<service>/<stage>/api-tokens` (or that Secrets Manager secret). */
  | 'api-tokens-parameter'
  | 'api-tokens-secret'
  /** The GitHub token (`/<service>/<stage>/GITHUB_TOKEN`): the api resolves a manual run's ref with it. */
  | 'github-token-parameter'
  /** slack-interactions' parameters: `SLACK_SIGNING_SECRET`, `SLACK_BOT_TOKEN`, `SLACK_API_URL` under the prefix. */
  | 'slack-parameters'
  /** The signing secret in Secrets Manager (`pushline/<stage>/SLACK_SIGNING_SECRET`), which `AwsSecretSource` can read instead. */
  | 'slack-signing-secret'
  | 'codecommit-repos'
  | 'bus'
  /** The deployment groups of the pipeline file's `codedeploy` targets: all, staging's, production's. */
  | 'codedeploy-groups'
  | 'codedeploy-staging-groups'
  | 'codedeploy-production-groups'
  /** The CodeDeploy applications of the staging / production targets. */
  | 'codedeploy-staging-applications'
  | 'codedeploy-production-applications'
  /** Every deployment configuration: the predefined ones and the custom ones a target may name. */
  | 'codedeploy-configs'
  /** The Lambda functions of the staging / production Lambda targets (their alias is read). */
  | 'lambda-staging-functions'
  | 'lambda-production-functions'
  /** The one-time schedules of canary checks, in the stack's own schedule group. */
  | 'canary-check-schedules'
  /** The role EventBridge Scheduler assumes to run a canary check. */
  | 'canary-check-scheduler-role'
  /** `*`: only for actions IAM cannot scope to a resource (see the statements using it). */
  | 'any';

export interface Statement {
  actions: readonly string[];
  resources: readonly ResourceRef[];
  /** An IAM `Condition` block, as the policy writes it. */
  condition?: Record<string, Record<string, string>>;
}

/** What every function that uses the run store calls (see DynamoRunStore: Get, Put, transactions, Query). */
const RUN_STORE: Statement[] = [
  {
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem', 'dynamodb:Query'],
    resources: ['table', 'table-indexes'],
  },
];

/** Secrets: SSM parameters (and Secrets Manager secrets) under the stage's prefix, read by `AwsSecretSource`. */
const SECRETS: Statement[] = [
  { actions: ['ssm:GetParameter'], resources: ['secrets'] },
  { actions: ['secretsmanager:GetSecretValue'], resources: ['secrets-manager'] },
];

/**
 * CodeDeployDeployer (deploy-staging, start-canary): CreateDeployment, after looking for a
 * deployment of the same request (ListDeployments, BatchGetDeployments); the control calls it
 * imports (GetDeployment + ContinueDeployment to promote, StopDeployment to roll back); what
 * CreateDeployment implies (IMPLIED_ACTIONS); and Lambda GetAlias for a Lambda target's version.
 */
function deploying(environment: 'staging' | 'production'): Statement[] {
  return [
    {
      actions: [
        'codedeploy:CreateDeployment',
        'codedeploy:ListDeployments',
        'codedeploy:BatchGetDeployments',
        'codedeploy:GetDeployment',
        'codedeploy:ContinueDeployment',
        'codedeploy:StopDeployment',
      ],
      resources: [`codedeploy-${environment}-groups`],
    },
    {
      actions: ['codedeploy:RegisterApplicationRevision', 'codedeploy:GetApplicationRevision'],
      resources: [`codedeploy-${environment}-applications`],
    },
    { actions: ['codedeploy:GetDeploymentConfig'], resources: ['codedeploy-configs'] },
    { actions: ['lambda:GetAlias'], resources: [`lambda-${environment}-functions`] },
  ];
}

/** CodeDeployControl (promote, rollback, watchdog): promote and roll back a running deployment. */
const CONTROL = ['codedeploy:GetDeployment', 'codedeploy:ContinueDeployment', 'codedeploy:StopDeployment'];

/**
 * The one place that says which AWS API actions each function may call, on which resources.
 * The template check compares these actions with the SDK commands found in each function's import
 * graph plus the IAM-only actions those commands imply (`IMPLIED_ACTIONS`), both ways, so an
 * action cannot be missing here nor granted without a call.
 *
 * Not listed (added by resources.ts to every role, and excluded from that comparison): writing the
 * function's own log stream, and sending to its own dead-letter queue (Lambda's on-failure
 * destination uses the function's role).
 */
export const PERMISSIONS: Record<DeployedName, Statement[]> = {
  'receive-github': [...RUN_STORE, ...SECRETS],
  'receive-gitlab': [...RUN_STORE, ...SECRETS],
  // Reads and operates runs: cancel stops the build (StopBuild alone) or rolls back a deployment of
  // either environment (CodeDeployControl); the tokens are one secret, not the whole prefix.
  api: [
    ...RUN_STORE,
    { actions: ['codebuild:StopBuild'], resources: ['codebuild-projects'] },
    { actions: CONTROL, resources: ['codedeploy-groups'] },
    { actions: ['ssm:GetParameter'], resources: ['api-tokens-parameter', 'github-token-parameter'] },
    { actions: ['secretsmanager:GetSecretValue'], resources: ['api-tokens-secret'] },
    // A manual run's ref, resolved on CodeCommit (GetBranch; GetFolder peels a tag or a short id).
    {
      actions: ['codecommit:GetBranch', 'codecommit:GetFolder', 'codecommit:GetCommit'],
      resources: ['codecommit-repos'],
    },
  ],
  // Approve and reject from Slack's buttons (no stopper: never StopBuild or StopDeployment); its
  // own three Slack parameters, not the whole prefix notify and the receivers may read.
  'slack-interactions': [
    ...RUN_STORE,
    { actions: ['ssm:GetParameter'], resources: ['slack-parameters'] },
    { actions: ['secretsmanager:GetSecretValue'], resources: ['slack-signing-secret'] },
  ],
  'receive-codecommit': [
    ...RUN_STORE,
    { actions: ['codecommit:GetCommit', 'codecommit:GetDifferences'], resources: ['codecommit-repos'] },
  ],
  'start-build': [
    ...RUN_STORE,
    { actions: ['codebuild:StartBuild', 'codebuild:StopBuild'], resources: ['codebuild-projects'] },
  ],
  'finish-build': [
    ...RUN_STORE,
    { actions: ['codebuild:BatchGetBuilds'], resources: ['codebuild-projects'] },
    {
      actions: ['codebuild:BatchGetReports', 'codebuild:DescribeTestCases'],
      resources: ['codebuild-report-groups'],
    },
  ],
  notify: [...RUN_STORE, ...SECRETS],
  publish: [],
  'deploy-staging': [...RUN_STORE, ...deploying('staging')],
  // The outcome of any deployment of a pipeline's groups, and where a failed one failed.
  'finish-deployment': [
    ...RUN_STORE,
    {
      actions: [
        'codedeploy:GetDeployment',
        'codedeploy:ListDeploymentTargets',
        'codedeploy:BatchGetDeploymentTargets',
      ],
      resources: ['codedeploy-groups'],
    },
  ],
  'request-approval': [...RUN_STORE],
  'start-canary': [...RUN_STORE, ...deploying('production')],
  'judge-canary': [
    ...RUN_STORE,
    // GetMetricData has no resource-level permission; DescribeAlarms returns composite alarms only
    // when granted on "*" (CloudWatch API reference), and a canary may list composite alarms.
    { actions: ['cloudwatch:GetMetricData', 'cloudwatch:DescribeAlarms'], resources: ['any'] },
    // The canary's deployment marker names the Lambda versions it compares.
    { actions: ['codedeploy:GetDeployment'], resources: ['codedeploy-production-groups'] },
    { actions: ['scheduler:CreateSchedule'], resources: ['canary-check-schedules'] },
    {
      actions: ['iam:PassRole'],
      resources: ['canary-check-scheduler-role'],
      condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    },
  ],
  promote: [...RUN_STORE, { actions: CONTROL, resources: ['codedeploy-production-groups'] }],
  rollback: [...RUN_STORE, { actions: CONTROL, resources: ['codedeploy-production-groups'] }],
  // Ends any overdue stage: stops its build, or rolls back its deployment (staging or production).
  watchdog: [
    ...RUN_STORE,
    { actions: ['codebuild:StopBuild'], resources: ['codebuild-projects'] },
    { actions: CONTROL, resources: ['codedeploy-groups'] },
  ],
  'lifecycle-hook': [
    {
      actions: ['codedeploy:GetDeployment', 'codedeploy:PutLifecycleEventHookExecutionStatus'],
      resources: ['codedeploy-groups'],
    },
  ],
};

/** An IAM action that no SDK command names, which a call needs all the same. */
export interface ImpliedAction {
  action: string;
  /** The SDK call that needs it: granted only to roles whose code makes that call. */
  impliedBy: string;
  why: string;
}

/**
 * The IAM-only actions, in one place: the template check counts each as called exactly when its
 * `impliedBy` call is in the function's import graph, so "granted = called ∪ implied" stays exact.
 */
export const IMPLIED_ACTIONS: readonly ImpliedAction[] = [
  {
    action: 'codedeploy:RegisterApplicationRevision',
    impliedBy: 'codedeploy:CreateDeployment',
    why: "CreateDeployment registers the revision it deploys with the application (AWS's own deploy policies grant it)",
  },
  {
    action: 'codedeploy:GetApplicationRevision',
    impliedBy: 'codedeploy:CreateDeployment',
    why: 'CreateDeployment reads the application revision it deploys',
  },
  {
    action: 'codedeploy:GetDeploymentConfig',
    impliedBy: 'codedeploy:CreateDeployment',
    why: 'CreateDeployment reads the deployment configuration it names (or the group’s default)',
  },
  {
    action: 'iam:PassRole',
    impliedBy: 'scheduler:CreateSchedule',
    why: 'a schedule runs its target as the role given in CreateSchedule: that passes the role to EventBridge Scheduler',
  },
];

/** The implied actions a set of called actions brings. */
export function impliedBy(called: ReadonlySet<string>): string[] {
  return IMPLIED_ACTIONS.filter((i) => called.has(i.impliedBy)).map((i) => i.action);
}
