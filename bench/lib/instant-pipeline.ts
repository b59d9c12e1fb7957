import type { LocalApp } from '../../cli/local/create-local-app.ts';
import { registerOnBus } from '../../cli/local/register-stage-handlers.ts';
import { makeStageHandlers, type StageHandlers } from '../../functions/stage-handlers.ts';
import type { Builder, BuildOutcome } from '../../shared/ports/builder.ts';
import type { Deployer, DeploymentOutcome } from '../../shared/ports/deployer.ts';
import type { MetricsSource } from '../../shared/ports/metrics-source.ts';
import type { Scheduler } from '../../shared/ports/scheduler.ts';

/**
 * Local mode's real store, outbox, bus and stage handlers, with a builder, deployer, scheduler and
 * metrics source that answer at once (on the next turn of the event loop): what is measured is
 * Pushline's own work — webhooks, decisions, appends, dispatch — not builds, deploys or bakes.
 * Pass as `registerHandlers` to `createLocalApp`.
 */
export async function registerInstantHandlers(app: LocalApp): Promise<void> {
  let handlers: StageHandlers | undefined;
  const later = (work: (h: StageHandlers) => Promise<void>) =>
    setImmediate(() => {
      if (handlers) work(handlers).catch((error) => app.logger.error?.('instant adapter failed', { error }));
    });

  const builder: Builder = {
    async start({ runId, attempt }) {
      const buildId = `build-${runId}-${attempt}`;
      const outcome: BuildOutcome = {
        buildId,
        runId,
        status: 'SUCCEEDED',
        tests: { total: 1, passed: 1, failed: 0, skipped: 0 },
        failingTests: [],
        artifacts: { files: [], exportedVariables: {} },
      };
      later((h) => h['finish-build'].onOutcome(outcome));
      return { buildId };
    },
    async stop() {},
  };
  const finished = new Set<string>();
  const finish = (outcome: DeploymentOutcome) => {
    if (finished.has(outcome.deploymentId)) return;
    finished.add(outcome.deploymentId);
    later((h) => h['finish-deployment'].onOutcome(outcome));
  };
  const deployer: Deployer = {
    async deploy({ runId, attempt, environment }) {
      const deploymentId = `${environment}-${runId}-${attempt}`;
      finish({ deploymentId, runId, environment, status: 'SUCCEEDED' });
      return { deploymentId };
    },
    async startCanary({ runId, attempt }) {
      return { deploymentId: `canary-${runId}-${attempt}` };
    },
    async promote(deploymentId) {
      finish({ deploymentId, environment: 'production', status: 'SUCCEEDED' });
    },
    async rollback(deploymentId, reason) {
      finish({ deploymentId, status: 'STOPPED', rolledBack: true, reason });
    },
  };
  const scheduled = new Set<string>();
  const scheduler: Scheduler = {
    async schedule({ key, task }) {
      if (scheduled.has(key)) return;
      scheduled.add(key);
      later((h) => h['judge-canary'].onCheck(task));
    },
  };
  const metrics: MetricsSource = {
    async sample() {
      return {
        series: [
          { metric: 'error_rate', canary: [0, 0, 0] },
          { metric: 'latency_p95', canary: [20, 21, 19] },
        ],
        canaryRequests: 1000,
        alarms: [],
      };
    },
  };
  handlers = makeStageHandlers({
    store: app.store,
    pipelines: (name) => app.pipeline(name),
    clock: app.clock,
    builder,
    deployer,
    scheduler,
    metrics,
    platform: 'local',
    logger: app.logger,
    notifiers: async () => [],
  });
  registerOnBus(app, handlers);
}
