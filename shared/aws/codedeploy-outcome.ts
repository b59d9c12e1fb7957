import {
  BatchGetDeploymentTargetsCommand,
  type CodeDeployClient,
  type DeploymentInfo,
  type DeploymentTarget,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import type { CodeDeployDeploymentStateChange } from '../../events/aws/codedeploy.ts';
import type { DeploymentOutcome } from '../ports/deployer.ts';
import { asTransientAws } from './aws-errors.ts';
import { getDeployment } from './codedeploy-get.ts';
import { parseMarker } from './codedeploy-marker.ts';

/** What a state change means: an outcome for finish-deployment, or why it means nothing (for the log). */
export type OutcomeReading =
  | { kind: 'outcome'; outcome: DeploymentOutcome }
  | { kind: 'ignored'; reason: string };

const STATUS = { SUCCESS: 'SUCCEEDED', FAILURE: 'FAILED', STOP: 'STOPPED' } as const;
/** Failed targets named in a reason; the rest are counted. */
const MAX_TARGETS = 3;

/** Whether the state change ends the deployment (START and READY do not). */
export function isFinishedState(state: string): state is keyof typeof STATUS {
  return state in STATUS;
}

/**
 * Reads what a finished CodeDeploy deployment says. The state-change event only tells that it
 * ended; `GetDeployment` gives the run (the description's marker), the error code and message and
 * the rollback, and for failures `ListDeploymentTargets` + `BatchGetDeploymentTargets` name the
 * lifecycle event (hook or script) that failed, and on which instance, task set or function.
 *
 * Rollbacks: CodeDeploy rolls back by a *new* deployment whose `rollbackInfo` names the one it
 * replaces. So a failed or stopped deployment of Pushline's that has a rollback under way is
 * ignored, and the rollback deployment's own end is reported for the original deployment:
 * success → `rolledBack: true`; failure → a failure saying the rollback failed too.
 *
 * Deployments Pushline did not start (no marker, on them or on the deployment they roll back)
 * are ignored.
 */
export class CodeDeployOutcomeReader {
  private readonly client: CodeDeployClient;

  constructor({ client }: { client: CodeDeployClient }) {
    this.client = client;
  }

  async read(event: CodeDeployDeploymentStateChange): Promise<OutcomeReading> {
    const { deploymentId, state } = event.detail;
    if (!isFinishedState(state)) return ignored(`state ${state} does not end the deployment`);
    const status = STATUS[state];
    const info = await getDeployment(this.client, deploymentId);
    if (!info) return ignored(`CodeDeploy does not know deployment ${deploymentId}`);

    const replaced = info.rollbackInfo?.rollbackTriggeringDeploymentId;
    if (replaced) return this.rollbackEnded(deploymentId, status, info, replaced);

    const marker = parseMarker(info.description);
    if (!marker) return ignored('a deployment Pushline did not start');
    const base = { deploymentId, runId: marker.runId, environment: marker.environment };
    if (status === 'SUCCEEDED') return outcome({ ...base, status });
    const rollback = info.rollbackInfo?.rollbackDeploymentId;
    if (rollback) return ignored(`rollback ${rollback} is under way; its end decides the outcome`);
    return outcome({ ...base, status, ...(await this.failure(deploymentId, status, info)) });
  }

  /** The rollback deployment `rollbackId` ended: the outcome of the deployment it replaced. */
  private async rollbackEnded(
    rollbackId: string,
    status: DeploymentOutcome['status'],
    rollback: DeploymentInfo,
    replacedId: string,
  ): Promise<OutcomeReading> {
    const original = await getDeployment(this.client, replacedId);
    const marker = parseMarker(original?.description);
    if (!original || !marker) return ignored('the rollback of a deployment Pushline did not start');
    const base = { deploymentId: replacedId, runId: marker.runId, environment: marker.environment };
    const why = await this.failure(
      replacedId,
      original.status === 'Stopped' ? 'STOPPED' : 'FAILED',
      original,
    );
    if (status === 'SUCCEEDED') {
      return outcome({
        ...base,
        status: original.status === 'Stopped' ? 'STOPPED' : 'FAILED',
        rolledBack: true,
        ...why,
        reason: `${why.reason}; rolled back by ${rollbackId}`,
      });
    }
    const rollbackWhy = await this.failure(rollbackId, status, rollback);
    return outcome({
      ...base,
      status: 'FAILED',
      rolledBack: false,
      ...why,
      reason: `${why.reason}; and its rollback ${rollbackId} ${status === 'STOPPED' ? 'was stopped' : 'failed'}: ${rollbackWhy.reason}`,
    });
  }

  /** The reason and error code of a deployment that did not succeed. */
  private async failure(
    deploymentId: string,
    status: DeploymentOutcome['status'],
    info: DeploymentInfo,
  ): Promise<{ reason: string; errorCode?: string }> {
    const targets = status === 'FAILED' ? await this.failedTargets(deploymentId) : [];
    const message = info.errorInformation?.message;
    const reason =
      [message, ...targets].filter(Boolean).join('; ') ||
      `deployment ${status === 'STOPPED' ? 'was stopped' : 'failed'}`;
    const errorCode = info.errorInformation?.code;
    return { reason, ...(errorCode ? { errorCode } : {}) };
  }

  /** "AfterAllowTraffic failed on my-function:live: …" for the first failed targets. */
  private async failedTargets(deploymentId: string): Promise<string[]> {
    let targetIds: string[];
    let targets: DeploymentTarget[];
    try {
      ({ targetIds = [] } = await this.client.send(
        new ListDeploymentTargetsCommand({ deploymentId, targetFilters: { TargetStatus: ['Failed'] } }),
      ));
      if (targetIds.length === 0) return [];
      ({ deploymentTargets: targets = [] } = await this.client.send(
        new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: targetIds.slice(0, MAX_TARGETS) }),
      ));
    } catch (error) {
      throw asTransientAws(error, 'CodeDeploy ListDeploymentTargets/BatchGetDeploymentTargets');
    }
    const described = targets.map(describeTarget).filter((d): d is string => d !== undefined);
    const more = targetIds.length - Math.min(targetIds.length, MAX_TARGETS);
    return more > 0 ? [...described, `and ${more} more failed target${more === 1 ? '' : 's'}`] : described;
  }
}

function describeTarget(target: DeploymentTarget): string | undefined {
  const detail =
    target.instanceTarget ?? target.lambdaTarget ?? target.ecsTarget ?? target.cloudFormationTarget;
  if (!detail) return undefined;
  const id = detail.targetId ?? 'a target';
  const event = detail.lifecycleEvents?.find((e) => e.status === 'Failed');
  if (!event) return `${id} failed`;
  const diagnostics = event.diagnostics;
  const details = [
    diagnostics?.scriptName ? `script ${diagnostics.scriptName}` : undefined,
    diagnostics?.errorCode,
    diagnostics?.message,
  ].filter(Boolean);
  return `${event.lifecycleEventName ?? 'a lifecycle event'} failed on ${id}${details.length ? `: ${details.join(': ')}` : ''}`;
}

function outcome(value: DeploymentOutcome): OutcomeReading {
  return { kind: 'outcome', outcome: value };
}

function ignored(reason: string): OutcomeReading {
  return { kind: 'ignored', reason };
}
