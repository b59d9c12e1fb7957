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
import { DEAD_LETTER_NOTE } from '../../shared/local/local-bus.ts';
import { LocalDeployer } from '../../shared/local/local-deployer.ts';
import { recoverRuns } from '../../shared/local/recover-runs.ts';
import { retrying } from '../../shared/local/retrying.ts';
import { runEvery, TimerScheduler } from '../../shared/local/timer-scheduler.ts';
import { buildNotifiers } from '../../shared/notify/build-notifiers.ts';
import type { CanaryCheckTask } from '../../shared/ports/scheduler.ts';
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
  // An outcome that cannot be recorded (the database busy, say) is tried again, as Lambda retries
  // on AWS; after the last try the run gets a dead-letter note and the watchdog ends it.
  const deadLetter = (what: string) => async (runId: string | undefined, error: unknown) => {
    if (!runId) return;
    await store.addNote(runId, {
      at: clock.now().toISOString(),
      kind: DEAD_LETTER_NOTE,
      message: `${what} failed for good: ${error instanceof Error ? error.message : String(error)}`,
    });
  };
  const builder = new LocalBuilder({
    dataDir: app.dataDir,
    clock,
    env,
    logger,
    onFinished: retrying('finish-build', finishBuild, {
      logger,
      onGiveUp: async (outcome, error) =>
        deadLetter('finish-build')(
          outcome.runId ?? (await store.findByRef({ kind: 'build', id: outcome.buildId })),
          error,
        ),
    }),
  });
  const deployer = new LocalDeployer({
    dataDir: app.dataDir,
    clock,
    env,
    logger,
    onFinished: retrying('finish-deployment', finishDeployment, {
      logger,
      onGiveUp: async (outcome, error) =>
        deadLetter('finish-deployment')(
          outcome.runId ?? (await store.findByRef({ kind: 'deployment', id: outcome.deploymentId })),
          error,
        ),
    }),
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
    run: retrying('canary check', (task: CanaryCheckTask) => checkCanary!(task), {
      logger,
      onGiveUp: (task, error) => deadLetter('a canary check')(task.runId, error),
    }),
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

  // Notifications are delivered beside the pipeline, never in its way: the bus does not wait for
  // them (a slow Slack must not hold back the next stage; on AWS notify is its own Lambda). The
  // notifiers are (re)built for the pipeline file and the server address in force, so a reload or
  // the address known only once the server listens is taken into account.
  let notifiers: { file: unknown; url: string; notify: Promise<ReturnType<typeof makeNotify>> } | undefined;
  const currentNotify = () => {
    const file = app.config();
    if (!notifiers || notifiers.file !== file || notifiers.url !== app.url) {
      notifiers = {
        file,
        url: app.url,
        notify: buildNotifiers({
          secrets: app.secrets,
          file,
          store,
          clock,
          mode: 'local',
          ...(app.url ? { dashboardUrl: app.url } : {}),
          logger,
          ...(app.quiet ? { write: () => {} } : {}),
        }).then((built) => makeNotify({ store, pipelines, clock, logger, notifiers: built })),
      };
    }
    return notifiers.notify;
  };
  const deliveries = new Set<Promise<void>>();
  app.bus.on('notify', (event) => {
    const delivery = currentNotify()
      .then((notify) => notify(event))
      .then(
        () => undefined,
        async (error: unknown) => {
          notifiers = undefined; // a secret could not be read: build them again at the next event
          await deadLetter('notify')(event.detail.runId, error);
        },
      )
      .finally(() => deliveries.delete(delivery));
    deliveries.add(delivery);
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
  // Run first at close: let the notifications under way finish while the store is open.
  app.onClose(async () => {
    await Promise.allSettled([...deliveries]);
  });
}
