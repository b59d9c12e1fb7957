import { makeDeployStaging } from '../../functions/deploy-staging/deploy-staging.ts';
import { makeFinishBuild } from '../../functions/finish-build/finish-build.ts';
import { makeFinishDeployment } from '../../functions/finish-deployment/finish-deployment.ts';
import type { HandlerLogger } from '../../functions/handler-deps.ts';
import {
  makeCheckCanary,
  makeJudgeCanary,
  makeResumeCanaries,
} from '../../functions/judge-canary/judge-canary.ts';
import { makeNotify } from '../../functions/notify/notify.ts';
import { makePromote } from '../../functions/promote/promote.ts';
import { makeRollback } from '../../functions/rollback/rollback.ts';
import { makeStartBuild } from '../../functions/start-build/start-build.ts';
import { makeStartCanary } from '../../functions/start-canary/start-canary.ts';
import { SCHEDULES } from '../../functions/subscriptions.ts';
import { makeWatchdog } from '../../functions/watchdog/watchdog.ts';
import { pickBaseEnv } from '../../shared/local/buildspec/build-env.ts';
import { readRecord } from '../../shared/local/buildspec/build-record.ts';
import { LocalBuilder } from '../../shared/local/local-builder.ts';
import { LocalDeployer } from '../../shared/local/local-deployer.ts';
import { recoverRuns } from '../../shared/local/recover-runs.ts';
import { runEvery, TimerScheduler } from '../../shared/local/timer-scheduler.ts';
import { buildNotifiers } from '../../shared/notify/build-notifiers.ts';
import type { LocalApp } from './create-local-app.ts';

/**
 * THE place where local mode's choreography is wired: each function of
 * `functions/subscriptions.ts` gets its handler on the bus, built from local adapters — the
 * `buildspec.yml` runner, real processes behind the blue/green proxy, the proxy's metrics, timers.
 * `createLocalApp` calls it after the store, bus and server exist and before the outbox publishes
 * the backlog, so no committed event is ever dispatched to a bus without its handlers.
 *
 * Builds and deployments report back through callbacks (`onFinished`), which play the part that
 * CodeBuild's and CodeDeploy's state-change events play on AWS: they feed finish-build and
 * finish-deployment. Handlers record what they did through the store; they never publish.
 * At start-up it first stops what a killed server left running and recovers the runs it left
 * half-way (docs/crash-safety.md).
 */
export async function registerStageHandlers(app: LocalApp): Promise<void> {
  const { store, clock } = app;
  const logger: HandlerLogger = app.logger;
  const pipelines = (name: string) => app.pipeline(name);
  const env = pickBaseEnv(process.env);

  const finishBuild = makeFinishBuild({ store, clock, logger });
  const finishDeployment = makeFinishDeployment({ store, clock, logger });
  const builder = new LocalBuilder({ dataDir: app.dataDir, clock, env, logger, onFinished: finishBuild });
  const deployer = new LocalDeployer({
    dataDir: app.dataDir,
    clock,
    env,
    logger,
    onFinished: finishDeployment,
  });
  const metrics = deployer.metricsSource();

  // Stop everything this server starts, recovery included, when it closes (last registered, first
  // run: the timers below stop first, then builds, then every app process and proxy).
  app.onClose(() => deployer.stopAll());
  app.onClose(() => builder.stopAll('pushline is shutting down'));

  // What a killed server left behind: its builds and app processes are found and stopped first
  // (by their build.json and pid files), so that ports are free and nothing runs unowned.
  const reapedBuilds = await LocalBuilder.reapOrphans(app.dataDir, clock);
  const reapedApps = await deployer.reapOrphans();
  if (reapedBuilds.length + reapedApps.length > 0) {
    logger.warn('stopped what a previous server left running', {
      builds: reapedBuilds.map((b) => ({
        buildId: b.record.buildId,
        runId: b.record.runId,
        killed: b.killed,
      })),
      apps: reapedApps,
    });
  }

  const checkDeps = { store, pipelines, clock, metrics, logger };
  let checkCanary: ReturnType<typeof makeCheckCanary> | undefined;
  const scheduler = new TimerScheduler({
    clock,
    run: (task) => checkCanary!(task),
    onError: (error, task) => logger.error('a canary check failed', { task, error: String(error) }),
  });
  checkCanary = makeCheckCanary({ ...checkDeps, scheduler });

  const deps = {
    store,
    pipelines,
    clock,
    builder,
    deployer,
    metrics,
    scheduler,
    platform: 'local' as const,
    logger,
  };
  app.bus
    .on('start-build', makeStartBuild(deps))
    .on('deploy-staging', makeDeployStaging(deps))
    .on('start-canary', makeStartCanary(deps))
    .on('judge-canary', makeJudgeCanary(deps))
    .on('promote', makePromote(deps))
    .on('rollback', makeRollback(deps));

  // Notifiers are built at the first event: the dashboard's address is known only once the server listens.
  let notify: Promise<ReturnType<typeof makeNotify>> | undefined;
  app.bus.on('notify', async (event) => {
    notify ??= buildNotifiers({
      secrets: app.secrets,
      file: app.config(),
      store,
      clock,
      mode: 'local',
      dashboardUrl: app.url,
      logger,
      ...(app.quiet ? { write: () => {} } : {}),
    }).then((notifiers) => makeNotify({ store, pipelines, clock, logger, notifiers }));
    try {
      await (await notify)(event);
    } catch (error) {
      notify = undefined; // a secret could not be read: try again at the next event
      throw error;
    }
  });

  // Then the runs it left running go on, or end with the reason (docs/crash-safety.md) — before the
  // outbox publishes its backlog, so that production serves its last release before any canary.
  await recoverRuns({
    store,
    pipelines,
    allPipelines: () => app.config().pipelines,
    clock,
    deployer,
    findBuild: async (runId, attempt) => {
      const found = await builder.findBuild(runId, attempt);
      if (!found) return undefined;
      const phase = (await readRecord(found.dir))?.phase;
      return { buildId: found.buildId, ...(phase ? { phase } : {}) };
    },
    finishBuild,
    finishDeployment,
    logger,
  });

  const resumed = await makeResumeCanaries(deps)();
  if (resumed) logger.info('canary checks resumed', { runs: resumed });
  const stopWatchdog = runEvery(SCHEDULES.watchdog.everySeconds * 1000, makeWatchdog(deps), (error) =>
    logger.error('the watchdog failed', { error: String(error) }),
  );

  app.onClose(() => {
    stopWatchdog();
    scheduler.close();
  });
}
