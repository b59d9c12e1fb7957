import type {
  CanaryRequest,
  Deployer,
  DeploymentOutcome,
  DeployRequest,
} from '../../shared/ports/deployer.ts';

/** What a fake staging deployment does: finish with (part of) an outcome, or hang. */
export type DeployScript = (
  request: DeployRequest,
) => Partial<Omit<DeploymentOutcome, 'deploymentId'>> | 'hang';

/**
 * A `Deployer` with the port's idempotency: one deployment per run, attempt and environment;
 * `promote` / `rollback` of a deployment that ended do nothing. Staging deployments finish on
 * their own (per the script); a production canary finishes when promoted (SUCCEEDED) or rolled
 * back (STOPPED, rolled back). Outcomes queue in `completions` for the test to deliver.
 * `overlaps` records every canary started while another of the same pipeline was live.
 */
export class FakeDeployer implements Deployer {
  readonly calls: { method: keyof Deployer; id: string; reason?: string }[] = [];
  readonly completions: DeploymentOutcome[] = [];
  readonly overlaps: { started: string; live: string }[] = [];
  /** Every production deployment asked for: its share of traffic, and whether all at once. */
  readonly canaries: { id: string; trafficPercent: number; allAtOnce: boolean }[] = [];
  private readonly deployments = new Map<string, { pipeline: string; ended: boolean }>();

  constructor(private readonly script: DeployScript = () => ({ status: 'SUCCEEDED' })) {}

  async deploy(request: DeployRequest): Promise<{ deploymentId: string; url?: string }> {
    const deploymentId = `${request.environment}-${request.runId}-${request.attempt}`;
    const url = `http://localhost:${request.pipeline.staging.local?.port ?? 4100}`;
    this.calls.push({ method: 'deploy', id: deploymentId });
    if (!this.deployments.has(deploymentId)) {
      this.deployments.set(deploymentId, { pipeline: request.pipeline.name, ended: false });
      const outcome = this.script(request);
      if (outcome !== 'hang') {
        this.completions.push({
          deploymentId,
          environment: request.environment,
          status: 'SUCCEEDED',
          url,
          ...outcome,
        });
      }
    }
    return { deploymentId, url };
  }

  async startCanary(request: CanaryRequest): Promise<{ deploymentId: string }> {
    const deploymentId = `canary-${request.runId}-${request.attempt}`;
    this.calls.push({ method: 'startCanary', id: deploymentId });
    this.canaries.push({
      id: deploymentId,
      trafficPercent: request.trafficPercent,
      allAtOnce: request.allAtOnce === true,
    });
    if (!this.deployments.has(deploymentId)) {
      for (const [id, other] of this.deployments) {
        if (id.startsWith('canary-') && other.pipeline === request.pipeline.name && !other.ended) {
          this.overlaps.push({ started: deploymentId, live: id });
        }
      }
      this.deployments.set(deploymentId, { pipeline: request.pipeline.name, ended: false });
    }
    return { deploymentId };
  }

  async promote(deploymentId: string): Promise<void> {
    this.calls.push({ method: 'promote', id: deploymentId });
    this.end(deploymentId, { deploymentId, environment: 'production', status: 'SUCCEEDED' });
  }

  async rollback(deploymentId: string, reason: string): Promise<void> {
    this.calls.push({ method: 'rollback', id: deploymentId, reason });
    this.end(deploymentId, {
      deploymentId,
      status: 'STOPPED',
      rolledBack: true,
      reason: `rolled back: ${reason}`,
    });
  }

  /** The distinct deployments `method` created or acted on. */
  distinct(method: keyof Deployer): string[] {
    return [...new Set(this.calls.filter((c) => c.method === method).map((c) => c.id))];
  }

  private end(deploymentId: string, outcome: DeploymentOutcome): void {
    const deployment = this.deployments.get(deploymentId);
    if (!deployment || deployment.ended) return;
    deployment.ended = true;
    this.completions.push(outcome);
  }
}
