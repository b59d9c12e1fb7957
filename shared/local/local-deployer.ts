import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, TransientError, ValidationError } from '../domain/errors.ts';
import type { LocalTarget } from '../domain/pipeline-config.ts';
import type { Clock } from '../ports/clock.ts';
import type { Deployer, DeploymentOutcome, DeployRequest, Environment } from '../ports/deployer.ts';
import type { Logger } from '../ports/logger.ts';
import { silentLogger } from '../ports/logger.ts';
import type { MetricsSource } from '../ports/metrics-source.ts';
import { CanaryProxy, type CanaryProxyOptions } from './canary-proxy.ts';
import { freePort, isPortFree, ProcessManager, ProcessStartError, reapOrphans } from './process-manager.ts';
import { ProxyMetricsSource } from './proxy-metrics-source.ts';

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

type State = 'starting' | 'running' | 'canary' | 'live' | 'failed' | 'rolled_back' | 'replaced';

interface Deployment {
  id: string;
  runId: string;
  pipeline: string;
  environment: Environment;
  state: State;
  url?: string;
  /** Production: the stable release when this canary started (the baseline of the judge). */
  baseline?: string;
  /** Settles when the start is over, healthy or not. */
  ready: Promise<void>;
  /** Set by the first promote or rollback, so a second call gets the same result. */
  ending?: Promise<void>;
}

interface Production {
  proxy: CanaryProxy;
  stable?: string;
  canary?: string;
}

/**
 * The `Deployer` of local mode. Staging runs the release as a process on its configured port;
 * production runs every release on a free port behind a `CanaryProxy` on the configured port,
 * which shifts traffic between the stable release and the canary (blue/green). Work that ends a
 * deployment reports through `onFinished`. Calls are idempotent per run, attempt and environment
 * (the deployment id is derived from them); promote and rollback of an ended deployment are no-ops.
 */
export class LocalDeployer implements Deployer {
  private readonly processes: ProcessManager;
  private readonly logger: DeployerLogger;
  private readonly makeProxy: (options: CanaryProxyOptions) => CanaryProxy;
  private readonly deployments = new Map<string, Deployment>();
  private readonly staging = new Map<string, string>();
  private readonly production = new Map<string, Production>();
  private readonly reserved = new Set<number>();
  private readonly tasks = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly options: LocalDeployerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.makeProxy = options.proxyFactory ?? ((o) => new CanaryProxy(o));
    this.processes = new ProcessManager({
      dataDir: options.dataDir,
      env: options.env ?? { PATH: '/usr/local/bin:/usr/bin:/bin' },
      clock: options.clock,
      stopGraceMs: options.stopGraceMs,
    });
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
    const existing = this.deployments.get(id);
    if (existing) return { deploymentId: id, url: existing.url };
    if (request.environment === 'production') {
      const target = request.pipeline.production.local;
      this.track(this.startCanary({ ...request, trafficPercent: 100 }).then(() => this.promote(id)));
      return { deploymentId: id, url: target ? `http://127.0.0.1:${target.port}` : undefined };
    }
    const target = request.pipeline.staging.local;
    const d = this.register(request, id);
    const port = target ? await this.stagingPort(target.port) : undefined;
    if (port !== undefined) d.url = `http://127.0.0.1:${port}`;
    d.ready = this.track(this.startStaging(d, request, target, port));
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
    const existing = this.deployments.get(id);
    if (existing) {
      await existing.ready;
      return { deploymentId: id };
    }
    const d = this.register(request, id);
    d.ready = this.track(this.startProduction(d, request, request.trafficPercent));
    await d.ready;
    return { deploymentId: id };
  }

  /** All traffic to the canary; the old release is stopped once its requests drained, then SUCCEEDED. */
  async promote(deploymentId: string): Promise<void> {
    const d = this.deployments.get(deploymentId);
    if (!d) throw new NotFoundError(`no local deployment ${deploymentId} (was the server restarted?)`);
    await d.ready;
    if (d.state !== 'canary') return;
    d.ending ??= this.endCanary(d, 'promote', 'promoted');
    await d.ending;
  }

  /** All traffic back to the stable release; the canary is stopped, then STOPPED with `rolledBack`. */
  async rollback(deploymentId: string, reason: string): Promise<void> {
    const d = this.deployments.get(deploymentId);
    if (!d) {
      // Nothing serves it any more (a restart reaped it): say so, so that the run can end.
      this.track(
        this.report({ deploymentId, environment: 'production', status: 'STOPPED', rolledBack: true, reason }),
      );
      return;
    }
    await d.ready;
    if (d.state !== 'canary') return;
    d.ending ??= this.endCanary(d, 'rollback', reason);
    await d.ending;
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
    const production = { ...request, environment: 'production' as const };
    const id = deploymentIdOf(production);
    const existing = this.deployments.get(id);
    if (existing) {
      await existing.ready;
      if (existing.state !== 'live')
        throw new ValidationError(`release ${id} is ${existing.state}, not live`);
      return { deploymentId: id, url: existing.url! };
    }
    const target = request.pipeline.production.local;
    if (!target)
      throw new ValidationError(`pipeline ${request.pipeline.name} has no production.local target`);
    const current = this.production.get(request.pipeline.name)?.stable;
    if (current) throw new ValidationError(`pipeline ${request.pipeline.name} already serves ${current}`);
    const problem = await artifactsProblem(request);
    if (problem) throw new ValidationError(problem);

    const d = this.register(production, id);
    let port: number | undefined;
    const work = (async () => {
      port = await this.freshPort();
      await this.startApp(d, production, target, port);
      // The proxy listens once the release is healthy: until then a request is refused (as while
      // no server runs) rather than answered 503.
      const prod = await this.proxyOn(d.pipeline, target.port);
      if (!prod) {
        throw new TransientError(
          `port ${target.port} is in use, so the production proxy cannot listen on it`,
        );
      }
      prod.stable = id;
      prod.proxy.setStable({ release: id, port });
      d.state = 'live';
      d.url = prod.proxy.url;
      this.logger.info('production release restored', { deploymentId: id, port });
    })();
    // stopAll waits for a restore in progress like for any other deployment work.
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.tasks.add(settled);
    void settled.finally(() => this.tasks.delete(settled));
    d.ready = settled;
    try {
      await work;
      return { deploymentId: id, url: d.url! };
    } catch (error) {
      d.state = 'failed';
      await this.processes.stop(id);
      // A proxy with nothing behind it only answers 503: close it, so a later start begins afresh.
      const prod = this.production.get(d.pipeline);
      if (prod && !prod.stable && !prod.canary) {
        this.production.delete(d.pipeline);
        await prod.proxy.close();
      }
      throw error;
    } finally {
      this.reserved.delete(port ?? -1);
    }
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
    const staging = { ...request, environment: 'staging' as const };
    const id = deploymentIdOf(staging);
    const existing = this.deployments.get(id);
    if (existing) {
      await existing.ready;
      if (existing.state !== 'running')
        throw new ValidationError(`release ${id} is ${existing.state}, not running`);
      return { deploymentId: id, url: existing.url! };
    }
    const target = request.pipeline.staging.local;
    if (!target) throw new ValidationError(`pipeline ${request.pipeline.name} has no staging.local target`);
    const current = this.staging.get(request.pipeline.name);
    if (current)
      throw new ValidationError(`pipeline ${request.pipeline.name} already has ${current} on staging`);
    // Registered before the first await, so that a second call for the same release waits for
    // this one instead of starting it twice.
    const d = this.register(staging, id);
    let port: number | undefined;
    const work = (async () => {
      const problem = await artifactsProblem(request);
      if (problem) throw new ValidationError(problem);
      port = await this.stagingPort(target.port);
      d.url = `http://127.0.0.1:${port}`;
      await this.startApp(d, staging, target, port);
      // A staging deployment that finished in the meantime wins: the restore gives way.
      const now = this.staging.get(d.pipeline);
      if (now) throw new ValidationError(`pipeline ${request.pipeline.name} has ${now} on staging now`);
      this.staging.set(d.pipeline, id);
      d.state = 'running';
    })();
    // stopAll waits for a restore in progress like for any other deployment work.
    d.ready = this.track(
      work.then(
        () => undefined,
        () => undefined,
      ),
    );
    try {
      await work;
      this.logger.info('staging release restored', { deploymentId: id, url: d.url });
      return { deploymentId: id, url: d.url! };
    } catch (error) {
      d.state = 'failed';
      await this.processes.stop(id);
      throw error;
    } finally {
      if (port !== undefined) this.reserved.delete(port);
    }
  }

  /** The production proxy of a pipeline, once a production release was started. */
  proxyFor(pipelineName: string): CanaryProxy | undefined {
    return this.production.get(pipelineName)?.proxy;
  }

  /** The `MetricsSource` over the proxies' metrics, for the canary judge. */
  metricsSource(): MetricsSource {
    return new ProxyMetricsSource({
      resolve: ({ pipeline, deploymentId }) => {
        const d = this.deployments.get(deploymentId);
        const prod = this.production.get(pipeline);
        if (!d || !prod || d.environment !== 'production') return undefined;
        return { metrics: prod.proxy.metrics, canaryRelease: d.id, baselineRelease: d.baseline };
      },
    });
  }

  /** Stops every app and proxy and waits for work in progress; reports nothing more. Idempotent. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await this.processes.stopAll(); // apps still starting fail fast once killed
    await Promise.allSettled([...this.tasks]);
    await this.processes.stopAll();
    await Promise.all([...this.production.values()].map((p) => p.proxy.close()));
    this.production.clear();
    this.staging.clear();
  }

  /** Kills the apps a crashed server left behind (see `reapOrphans` in process-manager.ts). */
  reapOrphans(): ReturnType<typeof reapOrphans> {
    return reapOrphans(this.options.dataDir);
  }

  private register(request: DeployRequest, id: string): Deployment {
    const d: Deployment = {
      id,
      runId: request.runId,
      pipeline: request.pipeline.name,
      environment: request.environment,
      state: 'starting',
      ready: Promise.resolve(),
    };
    this.deployments.set(id, d);
    return d;
  }

  private async startStaging(d: Deployment, request: DeployRequest, target?: LocalTarget, port?: number) {
    try {
      if (!target || port === undefined) return await this.fail(d, 'NO_LOCAL_TARGET', noTarget(d));
      const problem = await artifactsProblem(request);
      if (problem) return await this.fail(d, 'NO_ARTIFACTS', problem);
      await this.startApp(d, request, target, port);
      const previous = this.staging.get(d.pipeline);
      this.staging.set(d.pipeline, d.id);
      d.state = 'running';
      if (previous) await this.retire(previous);
      this.logger.info('staging deployed', { deploymentId: d.id, url: d.url });
      await this.report({
        deploymentId: d.id,
        runId: d.runId,
        environment: 'staging',
        status: 'SUCCEEDED',
        url: d.url,
      });
    } catch (error) {
      await this.processes.stop(d.id);
      await this.fail(d, error instanceof ProcessStartError ? error.code : 'DEPLOY_ERROR', explain(error));
    } finally {
      this.reserved.delete(port ?? -1);
    }
  }

  private async startProduction(d: Deployment, request: DeployRequest, percent: number): Promise<void> {
    const target = request.pipeline.production.local;
    let port: number | undefined;
    try {
      if (!target) return await this.failLater(d, 'NO_LOCAL_TARGET', noTarget(d));
      const problem = await artifactsProblem(request);
      if (problem) return await this.failLater(d, 'NO_ARTIFACTS', problem);
      const prod = await this.proxyOn(d.pipeline, target.port);
      if (!prod) {
        const reason = `port ${target.port} is in use, so the production proxy cannot listen on it`;
        return await this.failLater(d, 'PROXY_PORT_IN_USE', reason);
      }
      port = await this.freshPort();
      await this.startApp(d, request, target, port);
      // One canary per pipeline: a newer healthy release replaces one still in its canary phase
      // (checked after the health wait, so the older canary serves until then).
      if (prod.canary && prod.canary !== d.id) await this.rollback(prod.canary, `superseded by ${d.id}`);
      d.state = 'canary';
      d.url = prod.proxy.url;
      d.baseline = prod.stable;
      prod.canary = d.id;
      prod.proxy.setCanary({ release: d.id, port }, percent);
      this.logger.info('canary started', { deploymentId: d.id, port, percent, baseline: d.baseline });
    } catch (error) {
      await this.processes.stop(d.id); // nothing half-done: no release left running unrouted
      await this.failLater(
        d,
        error instanceof ProcessStartError ? error.code : 'DEPLOY_ERROR',
        explain(error),
      );
    } finally {
      this.reserved.delete(port ?? -1);
    }
  }

  private async endCanary(d: Deployment, how: 'promote' | 'rollback', reason: string): Promise<void> {
    const prod = this.production.get(d.pipeline)!;
    if (how === 'promote') {
      const replaced = prod.proxy.promote();
      prod.stable = d.id;
      prod.canary = undefined;
      d.state = 'live';
      this.track(
        (async () => {
          if (replaced) await this.retire(replaced.release, prod);
          this.logger.info('production deployed', { deploymentId: d.id, replaced: replaced?.release });
          await this.report({
            deploymentId: d.id,
            runId: d.runId,
            environment: 'production',
            status: 'SUCCEEDED',
            url: d.url,
          });
        })(),
      );
      return;
    }
    prod.proxy.rollback();
    prod.canary = undefined;
    d.state = 'rolled_back';
    this.track(
      (async () => {
        await this.retire(d.id, prod, 'rolled_back');
        this.logger.info('canary rolled back', { deploymentId: d.id, reason });
        await this.report({
          deploymentId: d.id,
          runId: d.runId,
          environment: 'production',
          status: 'STOPPED',
          rolledBack: true,
          reason,
        });
      })(),
    );
  }

  /** Stops a release that no longer takes traffic, after its requests in flight have drained. */
  private async retire(id: string, prod?: Production, state: State = 'replaced'): Promise<void> {
    if (prod) await prod.proxy.drain(id, this.options.drainTimeoutMs ?? 10_000);
    await this.processes.stop(id);
    const d = this.deployments.get(id);
    if (d) d.state = state;
  }

  private async startApp(
    d: Deployment,
    request: DeployRequest,
    target: LocalTarget,
    port: number,
  ): Promise<void> {
    const stageTimeoutMs = request.pipeline.timeouts[d.environment] * 1000;
    await this.processes.start({
      id: d.id,
      command: target.start,
      cwd: request.artifacts.location!,
      port,
      health: target.health,
      env: {
        ...target.env,
        PUSHLINE_RELEASE: d.id,
        PUSHLINE_COMMIT: request.commit,
        PUSHLINE_ENVIRONMENT: d.environment,
      },
      logFile: join(this.options.dataDir, 'logs', `${d.id}.log`),
      healthTimeoutMs: Math.min(this.options.healthTimeoutMs ?? 60_000, stageTimeoutMs),
    });
  }

  private async proxyOn(pipeline: string, port: number): Promise<Production | undefined> {
    const existing = this.production.get(pipeline);
    if (existing) return existing;
    const proxy = this.makeProxy({ port, clock: this.options.clock });
    try {
      await proxy.start();
    } catch (error) {
      this.logger.warn('cannot start the production proxy', { pipeline, port, error: String(error) });
      return undefined;
    }
    const prod: Production = { proxy };
    this.production.set(pipeline, prod);
    return prod;
  }

  /** The configured staging port if it is free; else (the old release holds it) a free one. */
  private async stagingPort(configured: number): Promise<number> {
    if (!this.reserved.has(configured) && (await isPortFree(configured))) {
      this.reserved.add(configured);
      return configured;
    }
    return this.freshPort();
  }

  private async freshPort(): Promise<number> {
    let port = await freePort();
    while (this.reserved.has(port)) port = await freePort();
    this.reserved.add(port);
    return port;
  }

  private async fail(d: Deployment, errorCode: string, reason: string): Promise<void> {
    d.state = 'failed';
    this.logger.warn('deployment failed', { deploymentId: d.id, errorCode, reason });
    await this.report({
      deploymentId: d.id,
      runId: d.runId,
      environment: d.environment,
      status: 'FAILED',
      errorCode,
      reason,
    });
  }

  /** `fail` without waiting for `onFinished`: startCanary answers first, the outcome follows. */
  private async failLater(d: Deployment, errorCode: string, reason: string): Promise<void> {
    d.state = 'failed';
    this.track(this.fail(d, errorCode, reason));
  }

  private async report(outcome: DeploymentOutcome): Promise<void> {
    // Next turn of the event loop: the call that started the work has returned by then.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.stopping) return;
    try {
      await this.options.onFinished(outcome);
    } catch (error) {
      this.logger.error('onFinished failed for a local deployment', { outcome, error: String(error) });
    }
  }

  private track<T>(work: Promise<T>): Promise<void> {
    const tracked = work.then(
      () => undefined,
      (error) => this.logger.error('local deployment work failed', { error: String(error) }),
    );
    this.tasks.add(tracked);
    void tracked.finally(() => this.tasks.delete(tracked));
    return tracked;
  }

  private refuseWhenStopping(): void {
    if (this.stopping) throw new TransientError('the local deployer is shutting down');
  }
}

/** One id per run, attempt and environment (so calls are idempotent); safe as a file name. */
export function deploymentIdOf(
  request: Pick<DeployRequest, 'runId' | 'attempt' | 'environment' | 'pipeline'>,
): string {
  const raw = `${request.environment}-${request.pipeline.name}-${request.runId}-${request.attempt}`;
  return raw.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function noTarget(d: Deployment): string {
  return `pipeline ${d.pipeline} has no ${d.environment}.local target (start, port) in pushline.yml`;
}

async function artifactsProblem(request: DeployRequest): Promise<string | undefined> {
  const dir = request.artifacts.location;
  if (!dir) return 'the build left no artifacts directory to start the app from';
  const info = await stat(dir).catch(() => undefined);
  return info?.isDirectory() ? undefined : `the artifacts directory ${dir} does not exist`;
}

function explain(error: unknown): string {
  if (error instanceof ProcessStartError) {
    return error.logTail
      ? `${error.message}\n--- last lines of its log ---\n${error.logTail}`
      : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
