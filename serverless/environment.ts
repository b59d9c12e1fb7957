import { type DeployedName, logicalStem } from './functions.ts';
import { CANARY_CHECK_SCHEDULER_ROLE, SCHEDULE_GROUP, type StackNames } from './resource-refs.ts';
import { judgeCanaryArn } from './schedules.ts';

type Cfn = Record<string, unknown>;

/** Settings of the stack that come from outside the pipeline file (read at packaging). */
export interface StackOptions {
  /** Server targets whose build reports its artifacts as a bare key: the bucket they are in. */
  artifactsBucket?: string;
}

/**
 * The environment a function reads at cold start besides the provider's (`PUSHLINE_TABLE`,
 * `PUSHLINE_STAGE`, `PUSHLINE_SECRETS_PREFIX`): the settings of shared/aws/codedeploy-env.ts.
 */
export function environmentOf(name: DeployedName, names: StackNames, options: StackOptions = {}): Cfn {
  switch (name) {
    case 'deploy-staging':
    case 'start-canary':
      return {
        // Added to the AppSpec of targets with smoke checks.
        PUSHLINE_LIFECYCLE_HOOK_ARN: {
          'Fn::GetAtt': [`${logicalStem('lifecycle-hook')}LambdaFunction`, 'Arn'],
        },
        ...(options.artifactsBucket ? { PUSHLINE_ARTIFACTS_BUCKET: options.artifactsBucket } : {}),
      };
    case 'judge-canary':
      return {
        PUSHLINE_JUDGE_CANARY_ARN: judgeCanaryArn(names),
        PUSHLINE_SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [CANARY_CHECK_SCHEDULER_ROLE, 'Arn'] },
        PUSHLINE_SCHEDULE_GROUP: { Ref: SCHEDULE_GROUP },
        PUSHLINE_SCHEDULER_DLQ_ARN: { 'Fn::GetAtt': [`${logicalStem(name)}DeadLetterQueue`, 'Arn'] },
      };
    default:
      return {};
  }
}
