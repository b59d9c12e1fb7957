import {
  type CodeDeployClient,
  ContinueDeploymentCommand,
  type DeploymentWaitType,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import type { Deployer } from '../ports/deployer.ts';
import { asTransientAws } from './aws-errors.ts';
import { getDeployment } from './codedeploy-get.ts';

/** ContinueDeployment / StopDeployment refusals that mean "the deployment has moved on": nothing to do. */
const MOVED_ON = new Set([
  'DeploymentAlreadyCompletedException',
  'DeploymentDoesNotExistException',
  'DeploymentIsNotInReadyStateException',
  'InvalidDeploymentStatusException',
  'InvalidDeploymentWaitTypeException',
]);

/**
 * What can be done to a running CodeDeploy deployment: promote and roll back. In a file of its own
 * so that promote, rollback and the watchdog import (and their roles grant) only these calls.
 *
 * - `promote`: CodeDeploy's canary and linear configurations shift the rest of the traffic by
 *   themselves after their wait, so there is usually nothing to do. A blue/green deployment that
 *   waits for a manual reroute (`Ready`) is continued (`READY_WAIT`); one that waits before
 *   terminating the original fleet or task set is finished now (`TERMINATION_WAIT`).
 * - `rollback`: `StopDeployment` with `autoRollbackEnabled`, which shifts the traffic back.
 *
 * Both leave a deployment that has already ended (or moved past what they wanted) as it is.
 */
export class CodeDeployControl implements Pick<Deployer, 'promote' | 'rollback'> {
  private readonly client: CodeDeployClient;

  constructor({ client }: { client: CodeDeployClient }) {
    this.client = client;
  }

  async promote(deploymentId: string): Promise<void> {
    const info = await getDeployment(this.client, deploymentId);
    let waitType: DeploymentWaitType | undefined;
    if (info?.status === 'Ready') waitType = 'READY_WAIT';
    else if (info?.status === 'InProgress' && info.instanceTerminationWaitTimeStarted) {
      waitType = 'TERMINATION_WAIT';
    }
    if (!waitType) return;
    try {
      await this.client.send(new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: waitType }));
    } catch (error) {
      if (error instanceof Error && MOVED_ON.has(error.name)) return;
      throw asTransientAws(error, 'CodeDeploy ContinueDeployment');
    }
  }

  async rollback(deploymentId: string, _reason: string): Promise<void> {
    // StopDeployment takes no reason: the run's events carry it.
    try {
      await this.client.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
    } catch (error) {
      if (error instanceof Error && MOVED_ON.has(error.name)) return;
      throw asTransientAws(error, 'CodeDeploy StopDeployment');
    }
  }
}

/**
 * A `Deployer` for the functions that only promote or roll back (promote, rollback, watchdog):
 * starting a deployment from them is a wiring mistake, and says so.
 */
export function controlOnlyDeployer(control: Pick<Deployer, 'promote' | 'rollback'>): Deployer {
  const refuse = async (): Promise<never> => {
    throw new Error('this function only promotes and rolls back deployments; deploying is not wired here');
  };
  return {
    deploy: refuse,
    startCanary: refuse,
    promote: (id) => control.promote(id),
    rollback: (id, reason) => control.rollback(id, reason),
  };
}
