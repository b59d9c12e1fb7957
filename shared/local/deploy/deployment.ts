import type { DeployRequest, Environment } from '../../ports/deployer.ts';
import { DeploymentState } from './deployment-state.ts';

/**
 * One local deployment: a release of a run started in one environment. Its `state` moves only
 * through `advance` (deployment-state.ts); the slot that started it owns the rest of its life.
 */
export interface Deployment {
  id: string;
  runId: string;
  pipeline: string;
  environment: Environment;
  state: DeploymentState;
  url?: string;
  /** Production: the stable release when this canary started (the baseline of the judge). */
  baseline?: string;
  /** Settles when the start is over, healthy or not. */
  ready: Promise<void>;
  /** Set by the first promote or rollback, so a second call gets the same result. */
  ending?: Promise<void>;
}

/**
 * Every deployment this server started, by id. A deployment stays known after it ended, so that a
 * repeated call (same run, attempt and environment) answers from it instead of starting it again.
 */
export class Deployments {
  private readonly byId = new Map<string, Deployment>();

  /** Records a new deployment in `starting`; callers register before their first await. */
  register(request: DeployRequest, id: string): Deployment {
    const d: Deployment = {
      id,
      runId: request.runId,
      pipeline: request.pipeline.name,
      environment: request.environment,
      state: DeploymentState.Starting,
      ready: Promise.resolve(),
    };
    this.byId.set(id, d);
    return d;
  }

  get(id: string): Deployment | undefined {
    return this.byId.get(id);
  }
}

/** One id per run, attempt and environment (so calls are idempotent); safe as a file name. */
export function deploymentIdOf(
  request: Pick<DeployRequest, 'runId' | 'attempt' | 'environment' | 'pipeline'>,
): string {
  const raw = `${request.environment}-${request.pipeline.name}-${request.runId}-${request.attempt}`;
  return raw.replace(/[^A-Za-z0-9_.-]/g, '_');
}
