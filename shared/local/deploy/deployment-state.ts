import { PushlineError } from '../../domain/errors.ts';

/**
 * Where one local deployment is in its life. Staging: `starting → running → replaced` (a newer
 * release took the slot). Production: `starting → canary → live → replaced`, or `canary →
 * rolled_back`; a release restored after a restart goes `starting → live` without a canary phase.
 * Any start can end `failed`. The last three are ends: nothing leaves them.
 */
export const DeploymentState = {
  Starting: 'starting',
  Running: 'running',
  Canary: 'canary',
  Live: 'live',
  Failed: 'failed',
  RolledBack: 'rolled_back',
  Replaced: 'replaced',
} as const;
export type DeploymentState = (typeof DeploymentState)[keyof typeof DeploymentState];

const S = DeploymentState;

/**
 * The only moves a deployment makes, from each state. The deployer assigns a state nowhere else
 * (`advance`), so a new lifecycle step has to be added here, where its neighbours can be read.
 */
export const DEPLOYMENT_TRANSITIONS: Readonly<Record<DeploymentState, readonly DeploymentState[]>> = {
  // A release being started: staging serves it, production gives it its canary share, a restore
  // makes it the stable release at once, or it never got healthy.
  [S.Starting]: [S.Running, S.Canary, S.Live, S.Failed],
  // Staging: serves until the next staging release is healthy and takes over.
  [S.Running]: [S.Replaced],
  // Production: the canary phase ends by promotion or by rollback, never both.
  [S.Canary]: [S.Live, S.RolledBack],
  // The stable release is stopped once a newer one is promoted.
  [S.Live]: [S.Replaced],
  [S.Failed]: [],
  [S.RolledBack]: [],
  [S.Replaced]: [],
};

/** A move `DEPLOYMENT_TRANSITIONS` does not allow: a bug in the deployer, never bad input. */
export class IllegalDeploymentTransitionError extends PushlineError {
  constructor(deploymentId: string, from: DeploymentState, to: DeploymentState) {
    super(`deployment ${deploymentId} cannot go from ${from} to ${to}`, { deploymentId, from, to });
    this.name = 'IllegalDeploymentTransitionError';
  }
}

/** Whether the table allows `from → to`. */
export function canMove(from: DeploymentState, to: DeploymentState): boolean {
  return DEPLOYMENT_TRANSITIONS[from].includes(to);
}

/**
 * Moves a deployment to `to`, or throws `IllegalDeploymentTransitionError` when the table does not
 * allow it — a refused move leaves the state as it was, so a bug shows as an error, not as a
 * deployment that is live and rolled back at once.
 */
export function advance(deployment: { id: string; state: DeploymentState }, to: DeploymentState): void {
  if (!canMove(deployment.state, to)) {
    throw new IllegalDeploymentTransitionError(deployment.id, deployment.state, to);
  }
  deployment.state = to;
}
