import type { CodeDeployTarget, PushlineFile } from '../shared/domain/pipeline-config.ts';
import type { ResourceRef } from './permissions.ts';

type Cfn = Record<string, unknown>;

/** The stack's service and stage: names of the bus, table, schedule group and functions derive from them. */
export interface StackNames {
  service: string;
  stage: string;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder
export const ARN = 'arn:${AWS::Partition}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
export const HERE = '${AWS::Region}:${AWS::AccountId}';
export const sub = (text: string) => ({ 'Fn::Sub': text });

/** The logical id of the role EventBridge Scheduler assumes to run canary checks. */
export const CANARY_CHECK_SCHEDULER_ROLE = 'CanaryCheckSchedulerRole';
/** The logical id of the stack's schedule group (named `<service>-<stage>`). */
export const SCHEDULE_GROUP = 'CanaryCheckScheduleGroup';

/** The schedule group's name: judge-canary's role may create schedules in it only. */
export function scheduleGroupName(names: StackNames): string {
  return `${names.service}-${names.stage}`;
}

/** The `codedeploy` targets of the file, of one environment or both. */
function targets(file: PushlineFile, environment?: 'staging' | 'production'): CodeDeployTarget[] {
  const environments = environment ? [environment] : (['staging', 'production'] as const);
  return file.pipelines.flatMap((p) =>
    environments.flatMap((e) => (p[e].codedeploy ? [p[e].codedeploy] : [])),
  );
}

/**
 * The SSM parameters slack-interactions reads (shared/notify/slack-interactions.ts,
 * build-notifiers.ts' NOTIFY_SECRETS), written out: the stack is packaged without loading them.
 */
const SLACK_PARAMETERS = ['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'SLACK_API_URL'] as const;

const unique = (values: string[]) => [...new Set(values)];

function groups(file: PushlineFile, environment?: 'staging' | 'production'): Cfn[] {
  return unique(targets(file, environment).map((t) => `${t.application}/${t.deploymentGroup}`)).map((g) =>
    sub(`${ARN}:codedeploy:${HERE}:deploymentgroup:${g}`),
  );
}

function applications(file: PushlineFile, environment: 'staging' | 'production'): Cfn[] {
  return unique(targets(file, environment).map((t) => t.application)).map((a) =>
    sub(`${ARN}:codedeploy:${HERE}:application:${a}`),
  );
}

/** A Lambda target's function, by name or ARN (an alias or version qualifier is not part of it). */
function lambdaFunctions(file: PushlineFile, environment: 'staging' | 'production'): unknown[] {
  const names = targets(file, environment).flatMap((t) =>
    t.platform === 'Lambda' && t.functionName ? [t.functionName] : [],
  );
  return unique(names).map((name) =>
    name.startsWith('arn:') ? name : sub(`${ARN}:lambda:${HERE}:function:${name}`),
  );
}

/** The ARNs a `ResourceRef` stands for, given the pipeline file (projects, groups, functions come from it). */
export function resolveRefs(ref: ResourceRef, file: PushlineFile, names: StackNames): unknown[] {
  const projects = file.pipelines.flatMap((p) => (p.build.codebuild ? [p.build.codebuild.project] : []));
  switch (ref) {
    case 'table':
      return [{ 'Fn::GetAtt': ['PushlineTable', 'Arn'] }];
    case 'table-indexes':
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder
      return [sub('${PushlineTable.Arn}/index/*')];
    case 'codebuild-projects':
      return unique(projects).map((p) => sub(`${ARN}:codebuild:${HERE}:project/${p}`));
    case 'codebuild-report-groups':
      // CodeBuild names a buildspec's report group `<project>-<group>`.
      return unique(projects).map((p) => sub(`${ARN}:codebuild:${HERE}:report-group/${p}-*`));
    case 'secrets':
      return [sub(`${ARN}:ssm:${HERE}:parameter/${names.service}/${names.stage}/*`)];
    case 'secrets-manager':
      return [sub(`${ARN}:secretsmanager:${HERE}:secret:${names.service}/${names.stage}/*`)];
    case 'api-tokens-parameter':
      return [sub(`${ARN}:ssm:${HERE}:parameter/${names.service}/${names.stage}/api-tokens`)];
    case 'github-token-parameter':
      return [sub(`${ARN}:ssm:${HERE}:parameter/${names.service}/${names.stage}/GITHUB_TOKEN`)];
    case 'api-tokens-secret':
      // Secrets Manager appends six random characters to a secret's name in its ARN.
      return [sub(`${ARN}:secretsmanager:${HERE}:secret:${names.service}/${names.stage}/api-tokens-??????`)];
    case 'slack-parameters':
      return SLACK_PARAMETERS.map((name) =>
        sub(`${ARN}:ssm:${HERE}:parameter/${names.service}/${names.stage}/${name}`),
      );
    case 'slack-signing-secret':
      return [
        sub(
          `${ARN}:secretsmanager:${HERE}:secret:${names.service}/${names.stage}/SLACK_SIGNING_SECRET-??????`,
        ),
      ];
    case 'codecommit-repos':
      return unique(file.pipelines.flatMap((p) => (p.source.codecommit ? [p.source.codecommit] : []))).map(
        (repo) => sub(`${ARN}:codecommit:${HERE}:${repo}`),
      );
    case 'bus':
      return [{ 'Fn::GetAtt': ['PushlineBus', 'Arn'] }];
    case 'codedeploy-groups':
      return groups(file);
    case 'codedeploy-staging-groups':
      return groups(file, 'staging');
    case 'codedeploy-production-groups':
      return groups(file, 'production');
    case 'codedeploy-staging-applications':
      return applications(file, 'staging');
    case 'codedeploy-production-applications':
      return applications(file, 'production');
    case 'codedeploy-configs':
      return targets(file).length > 0 ? [sub(`${ARN}:codedeploy:${HERE}:deploymentconfig:*`)] : [];
    case 'lambda-staging-functions':
      return lambdaFunctions(file, 'staging');
    case 'lambda-production-functions':
      return lambdaFunctions(file, 'production');
    case 'canary-check-schedules':
      return [sub(`${ARN}:scheduler:${HERE}:schedule/${scheduleGroupName(names)}/*`)];
    case 'canary-check-scheduler-role':
      return [{ 'Fn::GetAtt': [CANARY_CHECK_SCHEDULER_ROLE, 'Arn'] }];
    case 'any':
      return ['*'];
  }
}
