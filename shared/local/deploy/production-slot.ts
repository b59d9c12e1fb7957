import { createServer } from 'node:net';
import { TransientError } from '../../domain/errors.ts';
import type { DeployRequest } from '../../ports/deployer.ts';
import type { CanaryProxy } from '../canary-proxy.ts';
import type { ProxyDeploymentView } from '../proxy-metrics-source.ts';
import type { Deployment } from './deployment.ts';
import { advance, DeploymentState } from './deployment-state.ts';
import type { PortLease } from './port-pool.ts';
import type { RestorableSlot } from './restore-release.ts';
import type { SlotContext } from './slot-context.ts';
import { artifactsProblem, errorCodeOf, explain, noTarget } from './start-problems.ts';

/**
 * The production environment of one pipeline, blue/green: every release runs on a free port
 * behind one `CanaryProxy` on the configured port, which splits traffic between the `stable`
 * release and at most one `canary`. Promotion gives the canary all traffic and stops the old
 * stable release once its requests drained; rollback does the reverse. The proxy is started by
 * the first release and lives until `close`.
 */
export class ProductionSlot implements RestorableSlot {
  readonly environment = 'production' as const;
  readonly servingState = DeploymentState.Live;
  private server?: CanaryProxy;
  private stable?: string;
  private canary?: string;

  constructor(
    private readonly ctx: SlotContext,
    readonly pipeline: string,
  ) {}

  /** The pipeline's proxy, once a release started it. */
  get proxy(): CanaryProxy | undefined {
    return this.server;
  }

  /**
   * Starts the release, waits until it is healthy and gives it `percent` of the traffic (all of
   * it when there is no stable release). A release that cannot start is reported FAILED through
   * `onFinished` after this resolves (the caller answers first, the outcome follows).
   */
  async startCanary(d: Deployment, request: DeployRequest, percent: number): Promise<void> {
    const target = request.pipeline.production.local;
    let lease: PortLease | undefined;
    try {
      if (!target) return this.failLater(d, 'NO_LOCAL_TARGET', noTarget(d));
      const problem = await artifactsProblem(request);
      if (problem) return this.failLater(d, 'NO_ARTIFACTS', problem);
      // The first release: the proxy listens only once the release is healthy, so that a request
      // meanwhile is refused (as before any deploy) rather than answered 503. The port is checked
      // first, so a taken one fails the deployment before an app is started.
      if (!this.server && !(await portFree(target.port))) {
        return this.failLater(d, 'PROXY_PORT_IN_USE', portTaken(target.port));
      }
      lease = await this.ctx.ports.lease();
      await this.ctx.apps.start(d, request, target, lease.port);
      const proxy = await this.proxyOn(target.port);
      if (!proxy) {
        await this.ctx.apps.stop(d.id);
        return this.failLater(d, 'PROXY_PORT_IN_USE', portTaken(target.port));
      }
      // One canary per pipeline: a newer healthy release replaces one still in its canary phase
      // (checked after the health wait, so the older canary serves until then).
      const older = this.canary && this.canary !== d.id ? this.ctx.deployments.get(this.canary) : undefined;
      if (older) await this.rollback(older, `superseded by ${d.id}`);
      advance(d, DeploymentState.Canary);
      d.url = proxy.url;
      d.baseline = this.stable;
      this.canary = d.id;
      proxy.setCanary({ release: d.id, port: lease.port }, percent);
      this.ctx.logger.info('canary started', {
        deploymentId: d.id,
        port: lease.port,
        percent,
        baseline: d.baseline,
      });
    } catch (error) {
      await this.ctx.apps.stop(d.id); // nothing half-done: no release left running unrouted
      this.failLater(d, errorCodeOf(error), explain(error));
    } finally {
      lease?.release();
    }
  }

  /** All traffic to the canary; the old release is stopped once drained, then SUCCEEDED. */
  async promote(d: Deployment): Promise<void> {
    await d.ready;
    if (d.state !== DeploymentState.Canary) return; // ended already: a no-op
    d.ending ??= this.endCanary(() => this.promoteNow(d));
    await d.ending;
  }

  /** All traffic back to the stable release; the canary is stopped, then STOPPED with `rolledBack`. */
  async rollback(d: Deployment, reason: string): Promise<void> {
    await d.ready;
    if (d.state !== DeploymentState.Canary) return;
    d.ending ??= this.endCanary(() => this.rollbackNow(d, reason));
    await d.ending;
  }

  /** The proxy metrics of one of this pipeline's releases, for the canary judge. */
  metricsOf(d: Deployment): ProxyDeploymentView | undefined {
    if (!this.server) return undefined;
    return { metrics: this.server.metrics, canaryRelease: d.id, baselineRelease: d.baseline };
  }

  refuseRestore(request: DeployRequest): string | undefined {
    if (!request.pipeline.production.local) return `pipeline ${this.pipeline} has no production.local target`;
    if (this.stable) return `pipeline ${this.pipeline} already serves ${this.stable}`;
    return undefined;
  }

  async bringBack(d: Deployment, request: DeployRequest): Promise<void> {
    const target = request.pipeline.production.local!;
    const lease = await this.ctx.ports.lease();
    try {
      await this.ctx.apps.start(d, request, target, lease.port);
      // The proxy listens once the release is healthy: until then a request is refused (as while
      // no server runs) rather than answered 503.
      const proxy = await this.proxyOn(target.port);
      if (!proxy) throw new TransientError(portTaken(target.port));
      this.stable = d.id;
      proxy.setStable({ release: d.id, port: lease.port });
      d.url = proxy.url;
      advance(d, DeploymentState.Live);
      this.ctx.logger.info('production release restored', { deploymentId: d.id, port: lease.port });
    } finally {
      lease.release();
    }
  }

  async abandon(): Promise<void> {
    // A proxy with nothing behind it only answers 503: close it, so a later start begins afresh.
    if (this.server && !this.stable && !this.canary) await this.close();
  }

  /** Closes the proxy (the apps are the launcher's to stop). */
  async close(): Promise<void> {
    const proxy = this.server;
    this.server = undefined;
    await proxy?.close();
  }

  /**
   * Switches the traffic now, so that the caller's `await` returns with the switch done (a throw
   * there reaches the caller), and tracks what follows it — drain, stop, report — for `stopAll`.
   */
  private async endCanary(switchTraffic: () => Promise<void>): Promise<void> {
    this.ctx.tasks.track(switchTraffic());
  }

  /** All traffic to `d` at once; returns the rest: the old stable release stopped, SUCCEEDED. */
  private promoteNow(d: Deployment): Promise<void> {
    const proxy = this.server!;
    const replaced = proxy.promote()?.release;
    this.stable = d.id;
    this.canary = undefined;
    advance(d, DeploymentState.Live);
    return (async () => {
      if (replaced) {
        await this.drainAndStop(proxy, replaced);
        const old = this.ctx.deployments.get(replaced);
        if (old) advance(old, DeploymentState.Replaced);
      }
      this.ctx.logger.info('production deployed', { deploymentId: d.id, replaced });
      await this.ctx.reporter.report({
        deploymentId: d.id,
        runId: d.runId,
        environment: 'production',
        status: 'SUCCEEDED',
        url: d.url,
      });
    })();
  }

  /** All traffic back to the stable release at once; returns the rest: `d` stopped, STOPPED. */
  private rollbackNow(d: Deployment, reason: string): Promise<void> {
    const proxy = this.server!;
    proxy.rollback();
    this.canary = undefined;
    advance(d, DeploymentState.RolledBack);
    return (async () => {
      await this.drainAndStop(proxy, d.id);
      this.ctx.logger.info('canary rolled back', { deploymentId: d.id, reason });
      await this.ctx.reporter.report({
        deploymentId: d.id,
        runId: d.runId,
        environment: 'production',
        status: 'STOPPED',
        rolledBack: true,
        reason,
      });
    })();
  }

  /** Stops a release that no longer takes traffic, after its requests in flight have drained. */
  private async drainAndStop(proxy: CanaryProxy, release: string): Promise<void> {
    await proxy.drain(release, this.ctx.drainTimeoutMs);
    await this.ctx.apps.stop(release);
  }

  /** The pipeline's proxy, started on `port` if it is not yet; `undefined` when the port is taken. */
  private async proxyOn(port: number): Promise<CanaryProxy | undefined> {
    if (this.server) return this.server;
    const proxy = this.ctx.makeProxy({ port, clock: this.ctx.clock });
    try {
      await proxy.start();
    } catch (error) {
      this.ctx.logger.warn('cannot start the production proxy', {
        pipeline: this.pipeline,
        port,
        error: String(error),
      });
      return undefined;
    }
    this.server = proxy;
    return proxy;
  }

  /** `fail` without waiting for `onFinished`: startCanary answers first, the outcome follows. */
  private failLater(d: Deployment, errorCode: string, reason: string): void {
    this.ctx.tasks.track(this.ctx.reporter.fail(d, errorCode, reason));
  }
}

/** Whether nothing listens on 127.0.0.1:`port` now (a bind that is closed at once). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function portTaken(port: number): string {
  return `port ${port} is in use, so the production proxy cannot listen on it`;
}
