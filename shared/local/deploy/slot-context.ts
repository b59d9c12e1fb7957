import type { Clock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import type { CanaryProxy, CanaryProxyOptions } from '../canary-proxy.ts';
import type { AppLauncher } from './app-launcher.ts';
import type { Deployments } from './deployment.ts';
import type { OutcomeReporter } from './outcome-reporter.ts';
import type { PortPool } from './port-pool.ts';
import type { TaskTracker } from './task-tracker.ts';

/**
 * What the staging and production slots of every pipeline share: one record of deployments, one
 * port pool (two pipelines must not be handed one port), one launcher, one task tracker for
 * `stopAll`, one reporter. The `LocalDeployer` builds it once and hands it to each slot.
 */
export interface SlotContext {
  deployments: Deployments;
  ports: PortPool;
  /** Starts and stops apps: an `AppLauncher` (tests pass a fake that starts nothing). */
  apps: Pick<AppLauncher, 'start' | 'stop'>;
  tasks: TaskTracker;
  reporter: OutcomeReporter;
  logger: Logger;
  clock: Clock;
  /** Builds a pipeline's production proxy (tests pass a seeded `random`). */
  makeProxy: (options: CanaryProxyOptions) => CanaryProxy;
  /** How long promote and rollback wait for requests in flight before stopping a release. */
  drainTimeoutMs: number;
}
