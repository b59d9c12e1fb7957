import { join } from 'node:path';
import type { LocalTarget } from '../../domain/pipeline-config.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DeployRequest } from '../../ports/deployer.ts';
import { ProcessManager } from '../process-manager.ts';
import type { Deployment } from './deployment.ts';

/** Where apps keep their records and how long they get to start and to stop. */
export interface AppLauncherOptions {
  /** Pid files go to `<dataDir>/processes/`, app logs to `<dataDir>/logs/<deploymentId>.log`. */
  dataDir: string;
  clock: Clock;
  /** The base environment of apps. Default: a plain PATH. */
  env?: Record<string, string | undefined>;
  /** Longest wait for an app's health check (default 60 s, never more than the stage's timeout). */
  healthTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace when stopping an app (default 5 s). */
  stopGraceMs?: number;
}

/**
 * Starts and stops the app process of a release, one per deployment id, through the process
 * manager (own process group, pid file, log file). An app learns which release it is from
 * `PUSHLINE_RELEASE`, `PUSHLINE_COMMIT` and `PUSHLINE_ENVIRONMENT`, and listens on `PORT`.
 */
export class AppLauncher {
  private readonly processes: ProcessManager;

  constructor(private readonly options: AppLauncherOptions) {
    this.processes = new ProcessManager({
      dataDir: options.dataDir,
      env: options.env ?? { PATH: '/usr/local/bin:/usr/bin:/bin' },
      clock: options.clock,
      stopGraceMs: options.stopGraceMs,
    });
  }

  /**
   * Starts the release's app on `port` from the build's artifacts and resolves once it answers its
   * health path; throws `ProcessStartError` (the process is stopped by then). The health wait never
   * outlasts the stage's timeout, so the watchdog does not end a stage whose start still waits.
   */
  async start(
    d: Pick<Deployment, 'id' | 'environment'>,
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

  /** Stops a release's app (SIGTERM, then SIGKILL) and removes its pid file. Idempotent. */
  stop(id: string): Promise<void> {
    return this.processes.stop(id);
  }

  /** Stops every app this launcher started. */
  stopAll(): Promise<void> {
    return this.processes.stopAll();
  }
}
