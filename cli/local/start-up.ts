import type { StageHandlers } from '../../functions/stage-handlers.ts';
import { describeError } from '../../shared/app/error-policy.ts';
import { recoverRuns } from '../../shared/app/recover-runs.ts';
import { readRecord } from '../../shared/local/buildspec/build-record.ts';
import { pruneDataFolder } from '../../shared/local/data-retention.ts';
import { LocalBuilder } from '../../shared/local/local-builder.ts';
import { runEvery } from '../../shared/local/timer-scheduler.ts';
import type { LocalApp } from './create-local-app.ts';
import type { LocalAdapters } from './local-adapters.ts';

/**
 * Local mode's start-up, after the handlers are on the bus and before the outbox publishes its
 * backlog, in this order (docs/crash-safety.md):
 *
 * 1. **reap** what a killed server left running — its builds and app processes, found by their
 *    `build.json` and pid files — so that ports are free and nothing runs unowned;
 * 2. **recover** the runs it left half-way: production and staging serve their last releases
 *    again, and each running run goes on or ends with the reason (`recoverRuns`) — before the
 *    backlog, so that production serves its last release before any canary;
 * 3. **resume** the canary checks (in-process timers died with the old process);
 * 4. start the **watchdog**, the backstop of every stage;
 * 5. start **retention**: a pass now, in the background, then every hour (`pruneDataFolder`).
 */
export async function startUp(
  app: LocalApp,
  adapters: LocalAdapters,
  handlers: StageHandlers,
): Promise<void> {
  await reap(app, adapters);
  await recover(app, adapters, handlers);
  const resumed = await handlers['judge-canary'].resume();
  if (resumed) app.logger.info('canary checks resumed', { runs: resumed });
  startWatchdog(app, handlers);
  startRetention(app);
}

async function reap(app: LocalApp, { deployer }: LocalAdapters): Promise<void> {
  const reapedBuilds = await LocalBuilder.reapOrphans(app.dataDir, app.clock);
  const reapedApps = await deployer.reapOrphans();
  if (reapedBuilds.length + reapedApps.length === 0) return;
  app.logger.warn('stopped what a previous server left running', {
    builds: reapedBuilds.map((b) => ({ buildId: b.record.buildId, runId: b.record.runId, killed: b.killed })),
    apps: reapedApps,
  });
}

async function recover(app: LocalApp, { builder, deployer }: LocalAdapters, handlers: StageHandlers) {
  await recoverRuns({
    store: app.store,
    pipelines: (name) => app.pipeline(name),
    allPipelines: () => app.config().pipelines,
    clock: app.clock,
    deployer,
    findBuild: async (runId, attempt) => {
      const found = await builder.findBuild(runId, attempt);
      if (!found) return undefined;
      const record = await readRecord(found.dir);
      return {
        buildId: found.buildId,
        ...(record?.phase ? { phase: record.phase } : {}),
        interrupted: record?.status === 'INTERRUPTED',
      };
    },
    resumeBuild: (run, pipeline) =>
      builder.resume({ runId: run.id, attempt: run.attempt, pipeline, source: run.source }),
    finishBuild: handlers['finish-build'].onOutcome,
    finishDeployment: handlers['finish-deployment'].onOutcome,
    logger: app.logger,
  });
}

const RETENTION_EVERY_MS = 60 * 60 * 1000;

/**
 * Keeps the data folder bounded (the pipeline file's `retention`): a pass at start-up without
 * holding it up, then every hour. A pass that fails is logged and tried again at the next one; a
 * pass under way is awaited at close, before the database closes.
 */
function startRetention(app: LocalApp): void {
  const deps = {
    dataDir: app.dataDir,
    store: app.store,
    retention: () => app.config().retention,
    pipelines: () => app.config().pipelines.map((p) => p.name),
    clock: app.clock,
    logger: app.logger,
  };
  let pass: Promise<unknown> = Promise.resolve();
  const prune = () => {
    pass = pruneDataFolder(deps).catch((error) =>
      app.logger.error('retention failed; it runs again within the hour', { error: describeError(error) }),
    );
    return pass;
  };
  void prune();
  const stop = runEvery(RETENTION_EVERY_MS, prune);
  app.onClose(async () => {
    stop();
    await pass;
  });
}

function startWatchdog(app: LocalApp, handlers: StageHandlers): void {
  const stop = runEvery(app.watchdogEverySeconds * 1000, handlers.watchdog.onTick, (error) =>
    app.logger.error('the watchdog failed', { error: describeError(error) }),
  );
  app.onClose(stop);
}
