import { resolve } from 'node:path';
import { PipelineConfig } from '../../../../../shared/domain/pipeline-config.ts';
import { CanaryProxy } from '../../../../../shared/local/canary-proxy.ts';
import type { AppLauncher } from '../../../../../shared/local/deploy/app-launcher.ts';
import {
  type Deployment,
  Deployments,
  deploymentIdOf,
} from '../../../../../shared/local/deploy/deployment.ts';
import { OutcomeReporter } from '../../../../../shared/local/deploy/outcome-reporter.ts';
import { PortPool } from '../../../../../shared/local/deploy/port-pool.ts';
import type { SlotContext } from '../../../../../shared/local/deploy/slot-context.ts';
import { TaskTracker } from '../../../../../shared/local/deploy/task-tracker.ts';
import { systemClock } from '../../../../../shared/ports/clock.ts';
import type { DeploymentOutcome, DeployRequest, Environment } from '../../../../../shared/ports/deployer.ts';
import { silentLogger } from '../../../../../shared/ports/logger.ts';

/**
 * Apps that start at once without a process: `fail` makes a release's start throw, `hold` keeps it
 * starting until `letGo`. `log` records starts and stops in order.
 */
export class FakeApps implements Pick<AppLauncher, 'start' | 'stop'> {
  readonly log: string[] = [];
  readonly ports = new Map<string, number>();
  private readonly failures = new Map<string, Error>();
  private readonly held = new Map<string, () => void>();

  fail(id: string, error: Error): void {
    this.failures.set(id, error);
  }

  hold(id: string): () => void {
    let letGo = () => {};
    const gate = new Promise<void>((done) => {
      letGo = done;
    });
    this.held.set(id, () => gate);
    return letGo;
  }

  async start(d: Pick<Deployment, 'id'>, _request: DeployRequest, _target: unknown, port: number) {
    this.log.push(`start ${d.id}`);
    this.ports.set(d.id, port);
    await this.held.get(d.id)?.();
    const failure = this.failures.get(d.id);
    if (failure) throw failure;
  }

  async stop(id: string) {
    this.log.push(`stop ${id}`);
  }

  stopped(): string[] {
    return this.log.filter((l) => l.startsWith('stop ')).map((l) => l.slice('stop '.length));
  }
}

/** A slot context with fake apps, a port pool over fake ports, and the outcomes it reported. */
export function slotHarness() {
  const apps = new FakeApps();
  const outcomes: DeploymentOutcome[] = [];
  /** Ports the fake OS calls taken (an app listens there). */
  const busy = new Set<number>();
  let nextFree = 41_000;
  const ports = new PortPool({ freePort: async () => nextFree++, isPortFree: async (p) => !busy.has(p) });
  const proxies: CanaryProxy[] = [];
  const ctx: SlotContext = {
    deployments: new Deployments(),
    ports,
    apps,
    tasks: new TaskTracker(silentLogger),
    reporter: new OutcomeReporter({
      onFinished: (o) => {
        outcomes.push(o);
      },
      isStopping: () => false,
      logger: silentLogger,
    }),
    logger: silentLogger,
    clock: systemClock,
    // A real proxy on a port the OS picks: the slots' routing is what is under test.
    makeProxy: (options) => {
      const proxy = new CanaryProxy({ ...options, port: 0 });
      proxies.push(proxy);
      return proxy;
    },
    drainTimeoutMs: 100,
  };
  return {
    ctx,
    apps,
    ports,
    busy,
    outcomes,
    /** Closes every proxy the slots started. */
    closeProxies: () => Promise.all(proxies.map((p) => p.close())),
  };
}

export const STAGING_PORT = 18_081;
export const PRODUCTION_PORT = 18_080;

/** The `shop` pipeline with local staging and production targets (or without, when `targets` is false). */
export function shop(targets = true): PipelineConfig {
  return PipelineConfig.parse({
    name: 'shop',
    source: { github: 'acme/shop' },
    ...(targets
      ? {
          staging: { local: { start: 'node app.mjs', port: STAGING_PORT } },
          production: { local: { start: 'node app.mjs', port: PRODUCTION_PORT } },
        }
      : {}),
  });
}

/** A request to deploy run `runId` of `pipeline`, from artifacts that exist. */
export function requestFor(runId: string, environment: Environment, pipeline = shop()): DeployRequest {
  return {
    runId,
    attempt: 1,
    pipeline,
    environment,
    commit: 'a1b2c3d4e5f6',
    artifacts: { location: resolve('test/fixtures/apps'), files: [], exportedVariables: {} },
  };
}

/** Registers the deployment of `request`, as the deployer does before starting it. */
export function register(ctx: SlotContext, request: DeployRequest): Deployment {
  return ctx.deployments.register(request, deploymentIdOf(request));
}
