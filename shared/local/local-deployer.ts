import { NotFoundError, TransientError, ValidationError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Deployer, DeploymentOutcome, DeployRequest } from '../ports/deployer.ts';
import type { Logger } from '../ports/logger.ts';
import { silentLogger } from '../ports/logger.ts';
import { CanaryProxy, type CanaryProxyOptions } from './canary-proxy.ts';
import { AppLauncher } from './deploy/app-launcher.ts';
import { Deployments, deploymentIdOf } from './deploy/deployment.ts';
import { OutcomeReporter } from './deploy/outcome-reporter.ts';
import { PortPool } from './deploy/port-pool.ts';
import { ProductionSlot } from './deploy/production-slot.ts';
import { restoreRelease } from './deploy/restore-release.ts';
import type { SlotContext } from './deploy/slot-context.ts';
import { StagingSlot } from './deploy/staging-slot.ts';
import { TaskTracker } from './deploy/task-tracker.ts';
import { reapOrphans } from './process-manager.ts';
import type { ProxyDeploymentView } from './proxy-metrics-source.ts';

export { deploymentIdOf };

/** The logger the local deployer takes (one `Logger` for the whole code base). */
export type DeployerLogger = Logger;

export interface LocalDeployerOptions {
  /** Pid files go to `<dataDir>/processes/`, app logs to `<dataDir>/logs/<deploymentId>.log`. */
  dataDir: string;
  clock: Clock;
  /**
   * Called once when a deployment ends — staging: SUCCEEDED (with `url`) or FAILED; production:
   * SUCCEEDED after `promote`, STOPPED with `rolledBack: true` after `rollback`, or FAILED when the
   * release never got healthy. Always called asynchronously, after the call that started the work
   * has returned; awaited; a throw is logged, not retried. Never called after `stopAll`.
   */
  onFinished: (outcome: DeploymentOutcome) => void | Promise<void>;
  logger?: DeployerLogger;
  /** Builds the production proxy of a pipeline (tests pass a seeded `random`). */
  proxyFactory?: (options: CanaryProxyOptions) => CanaryProxy;
  /** The base environment of apps; pass `pickBaseEnv(process.env)`. Default: a plain PATH. */
  env?: Record<string, string | undefined>;
  /** Longest wait for an app's health check (default 60 s, never more than the stage's timeout). */
  healthTimeoutMs?: number;
  /** How long promote and rollback wait for requests in flight before stopping a release (10 s). */
  drainTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace when stopping an app (default 5 s). */
  stopGraceMs?: number;
}

/**
 * The `Deployer` of local mode. Staging runs the release as a process on its configured port;
 * production runs every release on a free port behind a `CanaryProxy` on the configured port,
 * which shifts traffic between the stable release and the canary (blue/green). Work that ends a
 * deployment reports through `onFinished`. Calls are idempotent per run, attempt and environment
 * (the deployment id is derived from them); promote and rollback of an ended deployment are no-ops.
 *
 * This class only routes: each pipeline has a `StagingSlot` and a `ProductionSlot` that own their
 * releases' lifecycles (deploy/), the states move by one table (deploy/deployment-state.ts), both
 * restores take one path (deploy/restore-release.ts), and ports come from one `PortPool`.
 */
export class LocalDeployer implements Deployer {
  private readonly ctx: SlotContext;
  private readonly apps: AppLauncher;
  private readonly staging = new Map<string, StagingSlot>();
  private readonly production = new Map<string, ProductionSlot>();
  private stopping = false;

  constructor(private readonly options: LocalDeployerOptions) {
    const logger = options.logger ?? silentLogger;
    this.apps = new AppLauncher(options);
    this.ctx = {
      deployments: new Deployments(),
      ports: new PortPool(),
      apps: this.apps,
      tasks: new TaskTracker(logger),
      reporter: new OutcomeReporter({
        onFinished: options.onFinished,
        isStopping: () => this.stopping,
        logger,
      }),
      logger,
      clock: options.clock,
      makeProxy: options.proxyFactory ?? ((o) => new CanaryProxy(o)),
      drainTimeoutMs: options.drainTimeoutMs ?? 10_000,
    };
  }

  /**
   * Staging: starts the release and reports SUCCEEDED (with its URL) or FAILED through
   * `onFinished`; returns at once. The previous staging release keeps serving until the new one
   * is healthy, so while it holds the configured port the new one gets a free port (the URL says
   * which). Production: an all-at-once deployment, i.e. a canary at 100 % promoted when healthy.
   */
  async deploy(request: DeployRequest): Promise<{ deploymentId: string; url?: string }> {
    this.refuseWhenStopping();
    const id = deploymentIdOf(request);
    const existing = this.ctx.deployments.get(id);
    if (existing) return { deploymentId: id, url: existing.url };
    if (request.environment === 'production') {
      const target = request.pipeline.production.local;
      this.ctx.tasks.track(
        this.startCanary({ ...request, trafficPercent: 100 }).then(() => this.promote(id)),
      );
      return { deploymentId: id, url: target ? `http://127.0.0.1:${target.port}` : undefined };
    }
    const d = this.ctx.deployments.register(request, id);
    await this.stagingSlot(d.pipeline).deploy(d, request);
    return { deploymentId: id, url: d.url };
  }

  /**
   * Starts the release on a free port, waits until it is healthy, starts the pipeline's proxy if
   * needed and gives the release `trafficPercent` of the traffic (all of it when there is no
   * stable release yet). Resolves once the canary serves; if it never gets healthy, the
   * deployment is reported FAILED through `onFinished` instead.
   */
  async startCanary(request: DeployRequest & { trafficPercent: number }): Promise<{ deploymentId: string }> {
    this.refuseWhenStopping();
    if (!(request.trafficPercent >= 0 && request.trafficPercent <= 100)) {
      throw new ValidationError(`trafficPercent must be between 0 and 100, not ${request.trafficPercent}`);
    }
    const id = deploymentIdOf(request);
    const existing = this.ctx.deployments.get(id);
    if (existing) {
      await existing.ready;
      return { deploymentId: id };
    }
    const d = this.ctx.deployments.register(request, id);
    const slot = this.productionSlot(d.pipeline);
    d.ready = this.ctx.tasks.track(slot.startCanary(d, request, request.trafficPercent));
    await d.ready;
    return { deploymentId: id };
  }

  /** All traffic to the canary; the old release is stopped once its requests drained, then SUCCEEDED. */
  async promote(deploymentId: string): Promise<void> {
    const d = this.ctx.deployments.get(deploymentId);
    if (!d) throw new NotFoundError(`no local deployment ${deploymentId} (was the server restarted?)`);
    await this.productionSlot(d.pipeline).promote(d);
  }

  /** All traffic back to the stable release; the canary is stopped, then STOPPED with `rolledBack`. */
  async rollback(deploymentId: string, reason: string): Promise<void> {
    const d = this.ctx.deployments.get(deploymentId);
    if (!d) {
      // Nothing serves it any more (a restart reaped it): say so, so that the run can end.
      this.ctx.tasks.track(
        this.ctx.reporter.report({
          deploymentId,
          environment: 'production',
          status: 'STOPPED',
          rolledBack: true,
          reason,
        }),
      );
      return;
    }
    await this.productionSlot(d.pipeline).rollback(d, reason);
  }

  /**
   * After a restart: starts a release that was live in production when the previous server
   * stopped (its app processes died or were reaped with it) and puts it behind the pipeline's
   * proxy as the stable release — no canary phase, nothing reported through `onFinished`.
   * Resolves with its id (the one `startCanary` gave it) once it serves; a later canary is judged
   * against it and a later promotion stops it. Call it before any other production work of the
   * pipeline. Throws `ValidationError` (no local target, no artifacts, the pipeline already has
   * another stable release), `TransientError` (the proxy port is taken) or `ProcessStartError`;
   * then nothing of it is left running. Idempotent for the same release.
   */
  async restoreStable(request: DeployRequest): Promise<{ deploymentId: string; url: string }> {
    this.refuseWhenStopping();
    return restoreRelease(this.ctx, this.productionSlot(request.pipeline.name), request);
  }

  /**
   * After a restart: starts the release that staging served when the previous server stopped, on
   * the staging port (another free port when it is taken) — no events, nothing reported through
   * `onFinished`; a later staging deployment replaces it as usual. Throws `ValidationError` (no
   * local target, no artifacts, staging already serves another release) or `ProcessStartError`;
   * then nothing of it is left running. Idempotent for the same release.
   */
  async restoreStaging(request: DeployRequest): Promise<{ deploymentId: string; url: string }> {
    this.refuseWhenStopping();
    return restoreRelease(this.ctx, this.stagingSlot(request.pipeline.name), request);
  }

  /** The production proxy of a pipeline, once a production release was started. */
  proxyFor(pipelineName: string): CanaryProxy | undefined {
    return this.production.get(pipelineName)?.proxy;
  }

  /**
   * The proxy metrics behind one production deployment — whose numbers are the canary's and whose
   * the baseline's — or `undefined` for a deployment this server does not know (e.g. one from
   * before a restart) or that is not in production. What a `ProxyMetricsSource` resolves with:
   * `new ProxyMetricsSource({ resolve: (ref) => deployer.metricsView(ref) })`.
   */
  metricsView(ref: { pipeline: string; deploymentId: string }): ProxyDeploymentView | undefined {
    const d = this.ctx.deployments.get(ref.deploymentId);
    if (d?.environment !== 'production') return undefined;
    return this.production.get(ref.pipeline)?.metricsOf(d);
  }

  /** Stops every app and proxy and waits for work in progress; reports nothing more. Idempotent. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await this.apps.stopAll(); // apps still starting fail fast once killed
    await this.ctx.tasks.idle();
    await this.apps.stopAll();
    await Promise.all([...this.production.values()].map((slot) => slot.close()));
    this.production.clear();
    this.staging.clear();
  }

  /** Kills the apps a crashed server left behind (see `reapOrphans` in process-manager.ts). */
  reapOrphans(): ReturnType<typeof reapOrphans> {
    return reapOrphans(this.options.dataDir);
  }

  /** A pipeline's staging slot, made on first use: slots live as long as the deployer. */
  private stagingSlot(pipeline: string): StagingSlot {
    const slot = this.staging.get(pipeline) ?? new StagingSlot(this.ctx, pipeline);
    this.staging.set(pipeline, slot);
    return slot;
  }

  /** A pipeline's production slot, made on first use (its proxy starts with its first release). */
  private productionSlot(pipeline: string): ProductionSlot {
    const slot = this.production.get(pipeline) ?? new ProductionSlot(this.ctx, pipeline);
    this.production.set(pipeline, slot);
    return slot;
  }

  private refuseWhenStopping(): void {
    if (this.stopping) throw new TransientError('the local deployer is shutting down');
  }
}
