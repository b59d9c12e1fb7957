import type { DeployedName } from './functions.ts';

/** A resource a statement names, resolved to ARNs by resources.ts (CloudFormation `Fn::Sub` strings). */
export type ResourceRef =
  | 'table'
  | 'table-indexes'
  | 'codebuild-projects'
  | 'codebuild-report-groups'
  | 'secrets'
  | 'secrets-manager'
  | 'codecommit-repos'
  | 'bus';

export interface Statement {
  actions: readonly string[];
  resources: readonly ResourceRef[];
}

/** What every function that uses the run store calls (see DynamoRunStore: Get, Put, transactions, Query). */
const RUN_STORE: Statement[] = [
  {
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem', 'dynamodb:Query'],
    resources: ['table', 'table-indexes'],
  },
];

/**
 * The one place that says which AWS API actions each function may call, on which resources.
 * The template check compares these actions with the SDK commands found in each function's import
 * graph (both ways), so an action cannot be missing here nor granted without a call.
 *
 * Not listed (added by resources.ts to every role, and excluded from that comparison): writing the
 * function's own log stream, and sending to its own dead-letter queue (Lambda's on-failure
 * destination uses the function's role).
 */
/** Secrets: SSM parameters (and Secrets Manager secrets) under the stage's prefix, read through Powertools. */
const SECRETS: Statement[] = [
  { actions: ['ssm:GetParameter'], resources: ['secrets'] },
  { actions: ['secretsmanager:GetSecretValue'], resources: ['secrets-manager'] },
];

export const PERMISSIONS: Record<DeployedName, Statement[]> = {
  'receive-github': [...RUN_STORE, ...SECRETS],
  'receive-gitlab': [...RUN_STORE, ...SECRETS],
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
};
