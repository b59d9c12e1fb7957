import { type CodeDeployClient, CreateDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { ConfigError, NotFoundError, TransientError } from '../domain/errors.ts';
import type { CodeDeployTarget } from '../domain/pipeline-config.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { CanaryRequest, Deployer, DeployRequest } from '../ports/deployer.ts';
import { asTransientAws } from './aws-errors.ts';
import { CodeDeployControl } from './codedeploy-control.ts';
import { findDeployment, LOOKBACK_HOURS } from './codedeploy-find.ts';
import { type DeploymentMarker, markerDescription } from './codedeploy-marker.ts';
import {
  checkRevision,
  EXPORTED,
  exportedVariable,
  lambdaTarget,
  revisionFor,
} from './codedeploy-revision.ts';
import { smokeChecksOf, smokeHookOf } from './codedeploy-smoke-checks.ts';

/** Reads the version a Lambda alias points at (`LambdaAliasReader`). */
export interface AliasVersions {
  currentVersion(functionName: string, alias: string): Promise<string>;
}

export interface CodeDeployDeployerOptions {
  client: CodeDeployClient;
  clock?: Clock;
  /** Server targets: the bucket of an artifacts location the build gives as a bare key. */
  artifactsBucket?: string;
  /** Lambda targets: where the alias's current version comes from (GetAlias). */
  aliases?: AliasVersions;
  /** The lifecycle-hook function's ARN: added to the AppSpec of targets that declare smoke checks. */
  lifecycleHookArn?: string;
}

/** Staging deploys all at once unless its target names a configuration. */
const ALL_AT_ONCE = {
  ECS: 'CodeDeployDefault.ECSAllAtOnce',
  Lambda: 'CodeDeployDefault.LambdaAllAtOnce',
  Server: 'CodeDeployDefault.AllAtOnce',
} as const;

/**
 * The `Deployer` on AWS: CodeDeploy deployments to the pipeline's `codedeploy` targets.
 *
 * - `deploy` (staging) and `startCanary` (production) create a deployment of the build's revision
 *   (`codedeploy-revision.ts`) to the target's application and deployment group, with its
 *   deployment configuration (staging: all at once unless named). The canary's share of traffic
 *   and its wait are the deployment configuration's (`CodeDeployDefault.LambdaCanary10Percent5Minutes`
 *   or a custom one); `trafficPercent` is Pushline's record of it, not something CodeDeploy takes.
 * - Idempotent per run, attempt and environment: the description carries them, and an existing
 *   deployment of the same request is returned instead of a second one (`codedeploy-find.ts`).
 * - `promote` and `rollback`: see `CodeDeployControl` (ContinueDeployment when the deployment
 *   waits for it; StopDeployment with automatic rollback).
 */
export class CodeDeployDeployer implements Deployer {
  private readonly client: CodeDeployClient;
  private readonly clock: Clock;
  private readonly options: CodeDeployDeployerOptions;
  private readonly control: CodeDeployControl;

  constructor(options: CodeDeployDeployerOptions) {
    this.client = options.client;
    this.clock = options.clock ?? systemClock;
    this.options = options;
    this.control = new CodeDeployControl({ client: options.client });
  }

  deploy(request: DeployRequest): Promise<{ deploymentId: string }> {
    return this.create(request);
  }

  startCanary(request: CanaryRequest): Promise<{ deploymentId: string }> {
    return this.create(request, request.allAtOnce === true);
  }

  promote(deploymentId: string): Promise<void> {
    return this.control.promote(deploymentId);
  }

  rollback(deploymentId: string, reason: string): Promise<void> {
    return this.control.rollback(deploymentId, reason);
  }

  private async create(request: DeployRequest, allAtOnce = false): Promise<{ deploymentId: string }> {
    const { pipeline, environment, runId, attempt, artifacts } = request;
    const target = pipeline[environment].codedeploy;
    if (!target) {
      const message = `required to deploy ${environment} on AWS`;
      throw new ConfigError(`pipeline ${pipeline.name}: ${environment}.codedeploy: ${message}`, [
        { path: `pipelines[${pipeline.name}].${environment}.codedeploy`, message },
      ]);
    }
    const bucket = this.options.artifactsBucket ? { artifactsBucket: this.options.artifactsBucket } : {};
    // A build that cannot be deployed is refused before any call.
    checkRevision({ pipeline: pipeline.name, environment, target, artifacts, ...bucket });
    const group = { applicationName: target.application, deploymentGroupName: target.deploymentGroup };
    const marker: DeploymentMarker = { runId, attempt, environment };
    const since = new Date(this.clock.now().getTime() - LOOKBACK_HOURS * 3_600_000);
    const existing = await findDeployment(this.client, group, marker, since);
    if (existing) return { deploymentId: existing };

    const currentVersion = await this.currentVersion(pipeline.name, environment, target);
    if (currentVersion) {
      marker.currentVersion = currentVersion;
      const targetVersion = exportedVariable(artifacts, environment, EXPORTED.functionVersion);
      if (targetVersion) marker.targetVersion = targetVersion;
    }
    const hook =
      this.options.lifecycleHookArn && smokeChecksOf(target).length > 0 ? smokeHookOf(target) : undefined;
    const revision = revisionFor({
      pipeline: pipeline.name,
      environment,
      target,
      artifacts,
      ...(currentVersion ? { currentVersion } : {}),
      ...(hook && this.options.lifecycleHookArn
        ? { hook: { name: hook, functionArn: this.options.lifecycleHookArn } }
        : {}),
      ...bucket,
    });
    // An emergency deployment takes all traffic at once, whatever configuration the target names.
    const deploymentConfigName = allAtOnce
      ? ALL_AT_ONCE[target.platform]
      : (target.deploymentConfig ?? (environment === 'staging' ? ALL_AT_ONCE[target.platform] : undefined));
    try {
      const { deploymentId } = await this.client.send(
        new CreateDeploymentCommand({
          ...group,
          revision,
          description: markerDescription(marker, request.commit),
          ...(deploymentConfigName ? { deploymentConfigName } : {}),
        }),
      );
      if (!deploymentId) throw new Error('CreateDeployment returned no deployment id');
      return { deploymentId };
    } catch (error) {
      return this.createFailed(error, group, marker, since);
    }
  }

  /** Lambda targets: the alias's version now (the AppSpec's `CurrentVersion`); others: none. */
  private async currentVersion(
    pipeline: string,
    environment: DeployRequest['environment'],
    target: CodeDeployTarget,
  ): Promise<string | undefined> {
    if (target.platform !== 'Lambda') return undefined;
    const { functionName, alias } = lambdaTarget(pipeline, environment, target);
    if (!this.options.aliases) {
      throw new Error('CodeDeployDeployer needs `aliases` (a LambdaAliasReader) to deploy Lambda targets');
    }
    return this.options.aliases.currentVersion(functionName, alias);
  }

  private async createFailed(
    error: unknown,
    group: { applicationName: string; deploymentGroupName: string },
    marker: DeploymentMarker,
    since: Date,
  ): Promise<{ deploymentId: string }> {
    const name = error instanceof Error ? error.name : '';
    const where = `${group.applicationName}/${group.deploymentGroupName}`;
    if (name === 'DeploymentLimitExceededException') {
      // The group has a deployment in progress. A racing attempt of this same request may have
      // created it a moment ago: then it is ours. Otherwise another deployment holds the group,
      // and Lambda's retry tries again later.
      const raced = await findDeployment(this.client, group, marker, since);
      if (raced) return { deploymentId: raced };
      throw new TransientError(`deployment group ${where} has another deployment in progress`, {
        cause: error,
      });
    }
    if (
      [
        'ApplicationDoesNotExistException',
        'DeploymentGroupDoesNotExistException',
        'DeploymentConfigDoesNotExistException',
      ].includes(name)
    ) {
      throw new NotFoundError(`CodeDeploy ${where}: ${(error as Error).message}`, { cause: error });
    }
    throw asTransientAws(error, 'CodeDeploy CreateDeployment');
  }
}
