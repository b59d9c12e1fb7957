import { ValidationError } from '../../domain/errors.ts';
import type { LocalTarget } from '../../domain/pipeline-config.ts';
import type { DeployRequest } from '../../ports/deployer.ts';
import type { Deployment } from './deployment.ts';
import { advance, DeploymentState } from './deployment-state.ts';
import type { PortLease } from './port-pool.ts';
import type { RestorableSlot } from './restore-release.ts';
import type { SlotContext } from './slot-context.ts';
import { artifactsProblem, errorCodeOf, explain, noTarget } from './start-problems.ts';

/**
 * The staging environment of one pipeline: at most one release serves it. A new release is
 * started beside the one serving (on the configured port when that is free, else on another
 * port, which its URL names) and takes over once healthy; only then is the old one stopped, so
 * staging never goes dark for a release that does not start.
 */
export class StagingSlot implements RestorableSlot {
  readonly environment = 'staging' as const;
  readonly servingState = DeploymentState.Running;
  private serving?: string;

  constructor(
    private readonly ctx: SlotContext,
    readonly pipeline: string,
  ) {}

  /** The release that serves staging now. */
  get current(): string | undefined {
    return this.serving;
  }

  /**
   * Leases the release's port (so the caller can answer with its URL at once), then starts it in
   * the background: reports SUCCEEDED with the URL, or FAILED, through `onFinished`. `d.ready`
   * settles when the start is over.
   */
  async deploy(d: Deployment, request: DeployRequest): Promise<void> {
    const target = request.pipeline.staging.local;
    const lease = target ? await this.ctx.ports.lease(target.port) : undefined;
    if (lease) d.url = `http://127.0.0.1:${lease.port}`;
    d.ready = this.ctx.tasks.track(this.start(d, request, target, lease));
  }

  refuseRestore(request: DeployRequest): string | undefined {
    if (!request.pipeline.staging.local) return `pipeline ${this.pipeline} has no staging.local target`;
    if (this.serving) return `pipeline ${this.pipeline} already has ${this.serving} on staging`;
    return undefined;
  }

  async bringBack(d: Deployment, request: DeployRequest): Promise<void> {
    const target = request.pipeline.staging.local!;
    const lease = await this.ctx.ports.lease(target.port);
    try {
      d.url = `http://127.0.0.1:${lease.port}`;
      await this.ctx.apps.start(d, request, target, lease.port);
    } finally {
      lease.release();
    }
    // A staging deployment that finished while this one started wins: the restore gives way.
    if (this.serving) {
      throw new ValidationError(`pipeline ${this.pipeline} has ${this.serving} on staging now`);
    }
    this.serving = d.id;
    advance(d, DeploymentState.Running);
    this.ctx.logger.info('staging release restored', { deploymentId: d.id, url: d.url });
  }

  async abandon(): Promise<void> {
    // Nothing to let go of: a restore takes the slot only once its release serves.
  }

  private async start(
    d: Deployment,
    request: DeployRequest,
    target: LocalTarget | undefined,
    lease: PortLease | undefined,
  ): Promise<void> {
    try {
      if (!target || !lease) return await this.ctx.reporter.fail(d, 'NO_LOCAL_TARGET', noTarget(d));
      const problem = await artifactsProblem(request);
      if (problem) return await this.ctx.reporter.fail(d, 'NO_ARTIFACTS', problem);
      await this.ctx.apps.start(d, request, target, lease.port);
      const previous = this.serving;
      this.serving = d.id;
      advance(d, DeploymentState.Running);
      if (previous) await this.retire(previous);
      this.ctx.logger.info('staging deployed', { deploymentId: d.id, url: d.url });
      await this.ctx.reporter.report({
        deploymentId: d.id,
        runId: d.runId,
        environment: 'staging',
        status: 'SUCCEEDED',
        url: d.url,
      });
    } catch (error) {
      await this.ctx.apps.stop(d.id);
      await this.ctx.reporter.fail(d, errorCodeOf(error), explain(error));
    } finally {
      // The app listens on its port by now, or never will: the OS guards it from here on.
      lease?.release();
    }
  }

  /** Stops the release this one replaced; it took no traffic through a proxy, so no drain. */
  private async retire(id: string): Promise<void> {
    await this.ctx.apps.stop(id);
    const d = this.ctx.deployments.get(id);
    if (d) advance(d, DeploymentState.Replaced);
  }
}
