import type { BundleType, RevisionLocation } from '@aws-sdk/client-codedeploy';
import type { BuildArtifacts } from '../../events/pipeline-events.ts';
import { ConfigError } from '../domain/errors.ts';
import type { CodeDeployTarget } from '../domain/pipeline-config.ts';
import type { Environment } from '../ports/deployer.ts';

/** The buildspec's exported variables the revision is built from (`env.exported-variables`). */
export const EXPORTED = {
  taskDefinition: 'TASK_DEFINITION_ARN',
  functionVersion: 'FUNCTION_VERSION',
} as const;

export interface RevisionRequest {
  pipeline: string;
  environment: Environment;
  target: CodeDeployTarget;
  artifacts: BuildArtifacts;
  /** Lambda: the version the alias points at now (GetAlias), the AppSpec's `CurrentVersion`. */
  currentVersion?: string;
  /** A lifecycle hook to add to the AppSpec: the hook's name and the function that answers it. */
  hook?: { name: string; functionArn: string };
  /** Server: the bucket of an artifacts location given as a bare key. */
  artifactsBucket?: string;
}

/**
 * A build's exported variable for an environment: `STAGING_<NAME>` / `PRODUCTION_<NAME>` first
 * (staging and production often run different task definitions or functions), then `<NAME>`.
 */
export function exportedVariable(
  artifacts: BuildArtifacts,
  environment: Environment,
  name: string,
): string | undefined {
  const vars = artifacts.exportedVariables;
  return vars[`${environment.toUpperCase()}_${name}`] || vars[name] || undefined;
}

/**
 * The revision CodeDeploy deploys for a target, from what the build produced:
 *
 * - ECS: AppSpec content naming the task definition (exported `TASK_DEFINITION_ARN`) and the
 *   container and port the load balancer routes to (the target's `container`, `containerPort`);
 * - Lambda: AppSpec content naming the function, alias, current version and target version
 *   (exported `FUNCTION_VERSION`, the version the build published);
 * - Server: the S3 bundle of the build's artifacts (`s3://bucket/key.zip`, or CodeBuild's
 *   `arn:aws:s3:::bucket/key`).
 *
 * Throws `ConfigError` naming the missing piece and where to set it.
 */
export function revisionFor(request: RevisionRequest): RevisionLocation {
  switch (request.target.platform) {
    case 'ECS':
      return appSpecRevision(ecsAppSpec(request));
    case 'Lambda':
      return appSpecRevision(lambdaAppSpec(request));
    case 'Server':
      return s3Revision(request);
  }
}

/**
 * Throws the `ConfigError` `revisionFor` would, before anything is called: the checks need no
 * current version (only its presence, which GetAlias provides later).
 */
export function checkRevision(request: Omit<RevisionRequest, 'currentVersion' | 'hook'>): void {
  revisionFor({ ...request, currentVersion: 'checked-later' });
}

function appSpecRevision(appSpec: object): RevisionLocation {
  // JSON is YAML; CodeDeploy accepts either as AppSpec content.
  return { revisionType: 'AppSpecContent', appSpecContent: { content: JSON.stringify(appSpec) } };
}

function ecsAppSpec({ pipeline, environment, target, artifacts, hook }: RevisionRequest): object {
  const taskDefinition = exportedVariable(artifacts, environment, EXPORTED.taskDefinition);
  if (!taskDefinition) throw missingVariable(pipeline, environment, EXPORTED.taskDefinition, 'ECS');
  const { container, containerPort } = target;
  if (!container || containerPort === undefined) {
    throw problem(
      pipeline,
      `${environment}.codedeploy.${container ? 'containerPort' : 'container'}`,
      'an ECS target names the container and port its load balancer routes to',
    );
  }
  return {
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: taskDefinition,
            LoadBalancerInfo: { ContainerName: container, ContainerPort: containerPort },
          },
        },
      },
    ],
    ...(hook ? { Hooks: [{ [hook.name]: hook.functionArn }] } : {}),
  };
}

function lambdaAppSpec(request: RevisionRequest): object {
  const { pipeline, environment, artifacts, hook, currentVersion } = request;
  const { functionName, alias } = lambdaTarget(pipeline, environment, request.target);
  const targetVersion = exportedVariable(artifacts, environment, EXPORTED.functionVersion);
  if (!targetVersion) throw missingVariable(pipeline, environment, EXPORTED.functionVersion, 'Lambda');
  if (!currentVersion) throw new Error(`the current version of ${functionName}:${alias} is unknown`);
  return {
    version: 0.0,
    Resources: [
      {
        [functionName]: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Name: functionName,
            Alias: alias,
            CurrentVersion: currentVersion,
            TargetVersion: targetVersion,
          },
        },
      },
    ],
    ...(hook ? { Hooks: [{ [hook.name]: hook.functionArn }] } : {}),
  };
}

/** The function and alias of a Lambda target, or a `ConfigError` naming the missing key. */
export function lambdaTarget(
  pipeline: string,
  environment: Environment,
  target: CodeDeployTarget,
): { functionName: string; alias: string } {
  if (!target.functionName || !target.alias) {
    throw problem(
      pipeline,
      `${environment}.codedeploy.${target.functionName ? 'alias' : 'functionName'}`,
      'a Lambda target names the function and the alias CodeDeploy shifts',
    );
  }
  return { functionName: target.functionName, alias: target.alias };
}

function s3Revision({
  pipeline,
  environment,
  artifacts,
  artifactsBucket,
}: RevisionRequest): RevisionLocation {
  const location = s3Location(artifacts.location, artifactsBucket);
  if (!location) {
    throw problem(
      pipeline,
      `${environment}.codedeploy`,
      `a Server target deploys the build's S3 artifacts, but the build reported ${
        artifacts.location ? `"${artifacts.location}", not an S3 location` : 'no artifacts location'
      } (give the CodeBuild project S3 artifacts)`,
    );
  }
  return {
    revisionType: 'S3',
    s3Location: { bucket: location.bucket, key: location.key, bundleType: bundleTypeOf(location.key) },
  };
}

/** `s3://bucket/key`, `arn:aws:s3:::bucket/key`, or a bare key in `defaultBucket`. */
export function s3Location(
  location: string | undefined,
  defaultBucket?: string,
): { bucket: string; key: string } | undefined {
  if (!location) return undefined;
  const match = /^(?:s3:\/\/|arn:aws[\w-]*:s3:::)([^/]+)\/(.+)$/.exec(location);
  if (match) return { bucket: match[1]!, key: match[2]! };
  if (
    defaultBucket &&
    !location.includes('://') &&
    !location.startsWith('/') &&
    !location.startsWith('arn:')
  ) {
    return { bucket: defaultBucket, key: location };
  }
  return undefined;
}

/** CodeDeploy's bundle type from the key's extension; CodeBuild's ZIP packaging is the default. */
function bundleTypeOf(key: string): BundleType {
  if (/\.(tgz|tar\.gz)$/i.test(key)) return 'tgz';
  if (/\.tar$/i.test(key)) return 'tar';
  return 'zip';
}

function missingVariable(pipeline: string, environment: Environment, name: string, platform: string) {
  return problem(
    pipeline,
    `${environment}.codedeploy`,
    `${platform} deployments need the build to export ${name} (or ${environment.toUpperCase()}_${name}) in its buildspec's env.exported-variables`,
  );
}

function problem(pipeline: string, path: string, message: string): ConfigError {
  return new ConfigError(`pipeline ${pipeline}: ${path}: ${message}`, [
    { path: `pipelines[${pipeline}].${path}`, message },
  ]);
}
