import { describeError } from '../../shared/app/error-policy.ts';
import { pickBaseEnv } from '../../shared/local/buildspec/build-env.ts';
import { LocalBuilder } from '../../shared/local/local-builder.ts';
import { DEAD_LETTER_NOTE } from '../../shared/local/local-bus.ts';
import { LocalDeployer } from '../../shared/local/local-deployer.ts';
import { ProxyMetricsSource } from '../../shared/local/proxy-metrics-source.ts';
import { retrying } from '../../shared/local/retrying.ts';
import { TimerScheduler } from '../../shared/local/timer-scheduler.ts';
import type { BuildOutcome } from '../../shared/ports/builder.ts';
import type { DeploymentOutcome } from '../../shared/ports/deployer.ts';
import type { MetricsSource } from '../../shared/ports/metrics-source.ts';
import type { CanaryCheckTask } from '../../shared/ports/scheduler.ts';
import type { LocalApp } from './create-local-app.ts';

/**
 * Where local adapters report back — what CodeBuild's and CodeDeploy's state-change events and
 * EventBridge Scheduler's invocations are on AWS: finish-build, finish-deployment and judge-canary's
 * checks.
 */
export interface AdapterReports {
  buildFinished: (outcome: BuildOutcome) => Promise<void>;
  deploymentFinished: (outcome: DeploymentOutcome) => Promise<void>;
  checkDue: (task: CanaryCheckTask) => Promise<void>;
}

/** Local mode's adapters of the stage handlers' ports. */
export interface LocalAdapters {
  builder: LocalBuilder;
  deployer: LocalDeployer;
  metrics: MetricsSource;
  scheduler: TimerScheduler;
}

/**
 * Builds local mode's adapters — the `buildspec.yml` runner, real processes behind the
 * blue/green proxy, the proxy's metrics, timers — and registers their clean-up on the app (last
 * registered, first run: the timers stop first, then builds, then every app process and proxy).
 *
 * What they report is retried as Lambda retries on AWS (`retrying`, the bus's loop and delays); a
 * report that cannot be recorded after the last try leaves a dead-letter note on its run, and the
 * watchdog ends the stage.
 */
export function createLocalAdapters(app: LocalApp, reports: AdapterReports): LocalAdapters {
  const { store, clock, logger } = app;
  const env = pickBaseEnv(process.env);
  const deadLetter = async (what: string, runId: string | undefined, error: unknown) => {
    if (!runId) return;
    await store.addNote(runId, {
      at: clock.now().toISOString(),
      kind: DEAD_LETTER_NOTE,
      message: `${what} failed for good: ${describeError(error)}`,
    });
  };
  /** A report retried, then dead-lettered on the run it concerns (found by `runIdOf`). */
  const reported = <A>(
    what: string,
    report: (arg: A) => Promise<void>,
    runIdOf: (arg: A) => Promise<string | undefined> | string | undefined,
  ) =>
    retrying(what, report, {
      logger,
      onGiveUp: async (arg, error) => deadLetter(what, await runIdOf(arg), error),
    });

  const builder = new LocalBuilder({
    dataDir: app.dataDir,
    clock,
    env,
    logger,
    onFinished: reported(
      'finish-build',
      reports.buildFinished,
      (outcome) => outcome.runId ?? store.findByRef({ kind: 'build', id: outcome.buildId }),
    ),
  });
  const deployer = new LocalDeployer({
    dataDir: app.dataDir,
    clock,
    env,
    logger,
    onFinished: reported(
      'finish-deployment',
      reports.deploymentFinished,
      (outcome) => outcome.runId ?? store.findByRef({ kind: 'deployment', id: outcome.deploymentId }),
    ),
  });
  const scheduler = new TimerScheduler({
    clock,
    run: reported('a canary check', reports.checkDue, (task) => task.runId),
    onError: (error, task) => logger.error('a canary check failed', { task, error: describeError(error) }),
  });
  // The canary judge reads the proxies' own request metrics, through the deployer's view of each.
  const metrics = new ProxyMetricsSource({ resolve: (ref) => deployer.metricsView(ref) });

  app.onClose(() => deployer.stopAll());
  // A graceful stop interrupts builds; the next `pushline up` starts them again (crash-safety.md).
  app.onClose(() => builder.interruptAll());
  app.onClose(() => scheduler.close());
  return { builder, deployer, metrics, scheduler };
}
