import type { BuildArtifacts } from '../../events/pipeline-events.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';

export type Environment = 'staging' | 'production';

export interface DeployRequest {
  runId: string;
  attempt: number;
  pipeline: PipelineConfig;
  environment: Environment;
  /** The commit being deployed. */
  commit: string;
  artifacts: BuildArtifacts;
}

/** What a finished deployment says, normalised from CodeDeploy or the local process manager. */
export interface DeploymentOutcome {
  deploymentId: string;
  runId?: string;
  environment?: Environment;
  status: 'SUCCEEDED' | 'FAILED' | 'STOPPED';
  reason?: string;
  errorCode?: string;
  /** True when the deployment ended by rolling back. */
  rolledBack?: boolean;
  url?: string;
}

/**
 * Deploys releases. `deploy` to staging deploys all at once; `startCanary` starts a production
 * deployment that sends the configured share of traffic to the new release; `promote` shifts all
 * traffic to it; `rollback` sends all traffic back to the previous release and stops the new one.
 * Completion arrives as a `DeploymentOutcome` (CodeDeploy state-change events or the local
 * deployer's callback).
 *
 * Contract: each call is idempotent for the same run, attempt and environment; `rollback` and
 * `promote` of a deployment that already ended are no-ops. Throws `TransientError` when the
 * deployment service cannot be reached.
 */
/** A production deployment: the share of traffic the new release takes first. */
export type CanaryRequest = DeployRequest & { trafficPercent: number; allAtOnce?: boolean };

export interface Deployer {
  deploy(request: DeployRequest): Promise<{ deploymentId: string; url?: string }>;
  /**
   * `allAtOnce`: an emergency deployment without a canary (a redeploy with `--skip-canary`) — all
   * traffic at once (CodeDeploy's `*AllAtOnce` configuration, whatever the target names).
   */
  startCanary(request: CanaryRequest): Promise<{ deploymentId: string }>;
  promote(deploymentId: string): Promise<void>;
  rollback(deploymentId: string, reason: string): Promise<void>;
}
