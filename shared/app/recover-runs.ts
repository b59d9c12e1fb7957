import type { PipelineConfig } from '../domain/pipeline-config.ts';
import { planRecovery, RESTART_REASONS, type RecoveryStep } from '../domain/recovery-plan.ts';
import { type Run, StageStatus } from '../domain/run.ts';
import type { BuildOutcome } from '../ports/builder.ts';
import type { Clock } from '../ports/clock.ts';
import type { DeploymentOutcome, DeployRequest, Environment } from '../ports/deployer.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { RunStore } from '../ports/run-store.ts';
import { allRunningRuns } from './running-runs.ts';

export { planRecovery, RESTART_REASONS, type RecoveryStep } from '../domain/recovery-plan.ts';

/** The deployer calls recovery makes; `LocalDeployer` has them. */
export interface RecoveringDeployer {
  deploy(request: DeployRequest): Promise<{ deploymentId: string; url?: string }>;
  startCanary(request: DeployRequest & { trafficPercent: number }): Promise<{ deploymentId: string }>;
  restoreStable(request: DeployRequest): Promise<{ deploymentId: string; url: string }>;
  restoreStaging(request: DeployRequest): Promise<{ deploymentId: string; url: string }>;
}

export interface RecoverRunsDeps {
  store: RunStore;
  pipelines: (name: string) => PipelineConfig | undefined;
  /** The pipelines of the file in force: each one's production release is started again. */
  allPipelines: () => readonly PipelineConfig[];
  clock: Clock;
  deployer: RecoveringDeployer;
  /**
   * The build the previous server started for a run's attempt, the phase it was in, and whether a
   * graceful shutdown interrupted it (rather than a crash killing it).
   */
  findBuild: (
    runId: string,
    attempt: number,
  ) => Promise<{ buildId: string; phase?: string; interrupted?: boolean } | undefined>;
  /** Starts an interrupted build again (`LocalBuilder.resume`); `undefined` when it cannot. */
  resumeBuild?: (run: Run, pipeline: PipelineConfig) => Promise<{ buildId: string } | undefined>;
  /** finish-build and finish-deployment: recovery ends stages through them, as the adapters would. */
  finishBuild: (outcome: BuildOutcome) => Promise<void>;
  finishDeployment: (outcome: DeploymentOutcome) => Promise<void>;
  logger?: Logger;
}

export interface RecoveryReport {
  /** Per pipeline, the release that serves production again. */
  restored: { pipeline: string; runId: string; deploymentId: string }[];
  /** Per pipeline, the release that serves staging again. */
  restoredStaging: { pipeline: string; runId: string; deploymentId: string; url: string }[];
  runs: { runId: string; step: RecoveryStep['kind']; reason?: string }[];
}

const NO_ARTIFACTS = { files: [], exportedVariables: {} };
const RECENT_RELEASES = 20;

/**
 * Start-up recovery of local mode, after the orphans of the dead server were reaped and before
 * the outbox publishes its backlog. First every pipeline's production serves again: the release
 * being promoted when the server died, else the last one promoted. Then each running run gets its
 * `planRecovery` step. Whatever it ends, it ends through finish-build / finish-deployment, so the
 * events are the ones the adapters would have caused, appended once (`recordEvents` re-decides on
 * the fresh run). A step that fails is logged and noted on the run; the watchdog stays the backstop.
 */
export async function recoverRuns(deps: RecoverRunsDeps): Promise<RecoveryReport> {
  const { store, clock } = deps;
  const log = deps.logger ?? silentLogger;
  // Each run is judged by the moment recovery began, not by how long the restores took.
  const now = clock.now();
  const running = await allRunningRuns(store);
  const report: RecoveryReport = { restored: [], restoredStaging: [], runs: [] };
  /** Per pipeline: the run whose release serves production again, and why others could not. */
  const served = new Map<string, { runId?: string; url?: string; errors: string[] }>();

  for (const pipeline of deps.allPipelines()) {
    if (!pipeline.production.local) continue;
    const promoting = running.find(
      (r) => r.pipeline === pipeline.name && r.stages.production.status === StageStatus.Running,
    );
    const candidates = [...(promoting ? [promoting] : []), ...(await lastReleases(store, pipeline.name))];
    const errors: string[] = [];
    served.set(pipeline.name, { errors });
    for (const run of candidates.slice(0, 3)) {
      try {
        const restored = await deps.deployer.restoreStable(requestOf(run, pipeline, 'production'));
        const { deploymentId } = restored;
        served.set(pipeline.name, { runId: run.id, url: restored.url, errors });
        report.restored.push({ pipeline: pipeline.name, runId: run.id, deploymentId });
        log.info('production serves again', { pipeline: pipeline.name, runId: run.id, deploymentId });
        break;
      } catch (error) {
        errors.push(`${run.id}: ${message(error)}`);
        log.error('cannot start a production release again', {
          pipeline: pipeline.name,
          runId: run.id,
          error: message(error),
        });
      }
    }
  }

  for (const run of running) {
    const pipeline = deps.pipelines(run.pipeline);
    const building = run.stages.build.status;
    const claimed =
      building === StageStatus.Pending || building === StageStatus.Running
        ? await deps.findBuild(run.id, run.attempt)
        : undefined;
    const step = planRecovery(
      run,
      pipeline,
      now,
      building === StageStatus.Pending && claimed !== undefined,
      claimed?.interrupted === true && deps.resumeBuild !== undefined,
    );
    if (step.kind === 'leave') continue;
    try {
      const reason = await act(run, pipeline, step, claimed);
      report.runs.push({ runId: run.id, step: step.kind, ...(reason ? { reason } : {}) });
      log.warn('run recovered after a restart', { runId: run.id, step: step.kind, reason });
    } catch (error) {
      log.error('cannot recover a run; the watchdog will end it', {
        runId: run.id,
        step: step.kind,
        error: message(error),
      });
      await note(run, `pushline restarted and could not recover this run (${step.kind}): ${message(error)}`);
    }
  }
  // Last, staging serves again what it served: the release of the run whose staging deployment
  // finished last — unless a run was deploying staging, which its recovery step deploys again.
  for (const pipeline of deps.allPipelines()) {
    if (!pipeline.staging.local) continue;
    const ofPipeline = running.filter((r) => r.pipeline === pipeline.name);
    if (ofPipeline.some((r) => r.stages.staging.status === StageStatus.Running)) continue;
    for (const run of (await lastStagingReleases(store, pipeline.name, ofPipeline)).slice(0, 3)) {
      try {
        const restored = await deps.deployer.restoreStaging(requestOf(run, pipeline, 'staging'));
        report.restoredStaging.push({ pipeline: pipeline.name, runId: run.id, ...restored });
        log.info('staging serves again', { pipeline: pipeline.name, runId: run.id, ...restored });
        break;
      } catch (error) {
        log.error('cannot start a staging release again', {
          pipeline: pipeline.name,
          runId: run.id,
          error: message(error),
        });
      }
    }
  }

  return report;

  async function act(
    run: Run,
    pipeline: PipelineConfig | undefined,
    step: Exclude<RecoveryStep, { kind: 'leave' }>,
    claimed: { buildId: string; phase?: string } | undefined,
  ): Promise<string | undefined> {
    const outcome = { runId: run.id, deploymentId: run.canary?.deploymentId ?? '' };
    switch (step.kind) {
      case 'end-build': {
        const phase = claimed?.phase ?? (await deps.findBuild(run.id, run.attempt))?.phase;
        await deps.finishBuild({
          buildId: run.build?.buildId ?? claimed!.buildId,
          runId: run.id,
          status: 'FAULT',
          ...(phase ? { phase } : {}),
          reason: step.reason,
          failingTests: [],
          artifacts: NO_ARTIFACTS,
        });
        return step.reason;
      }
      case 'restart-build': {
        const resumed = await deps.resumeBuild!(run, pipeline!);
        if (!resumed) {
          // Not there any more (a data folder cleaned by hand): the run ends as after a crash.
          return act(run, pipeline, { kind: 'end-build', reason: RESTART_REASONS.build }, claimed);
        }
        await note(run, `pushline was stopped during the build: build ${resumed.buildId} was started again`);
        return undefined;
      }
      case 'redeploy-staging':
        await deps.deployer.deploy(requestOf(run, pipeline!, 'staging'));
        await note(
          run,
          'pushline restarted during the staging deployment: the release is being started again',
        );
        return undefined;
      case 'resume-canary': {
        const stable = served.get(run.pipeline);
        if (stable && !stable.runId && stable.errors.length > 0) {
          // Resumed alone, the canary would take all of production's traffic: stop it instead.
          const reason = `pushline restarted during the canary and the release production served before it could not be started again (${stable.errors.join('; ')}); the canary was stopped`;
          await deps.finishDeployment({ ...outcome, environment: 'production', status: 'FAILED', reason });
          return reason;
        }
        const { trafficPercent } = run.canary!;
        await deps.deployer.startCanary({ ...requestOf(run, pipeline!, 'production'), trafficPercent });
        const endsAt = new Date(Date.parse(run.stages.canary.startedAt!) + run.canary!.bakeSeconds * 1000);
        await note(
          run,
          `pushline restarted during the canary: its release was started again with ${trafficPercent}% of production traffic; it is judged on the metrics gathered since the restart (the earlier ones were lost) until its bake ends at ${endsAt.toISOString()}`,
        );
        return undefined;
      }
      case 'end-deployment': {
        const deploymentId =
          step.environment === 'staging' ? (run.staging?.deploymentId ?? '') : outcome.deploymentId;
        await deps.finishDeployment({
          runId: run.id,
          deploymentId,
          environment: step.environment,
          status: step.rolledBack ? 'STOPPED' : 'FAILED',
          rolledBack: step.rolledBack,
          reason: step.reason,
        });
        return step.reason;
      }
      case 'complete-rollback':
        await deps.finishDeployment({
          ...outcome,
          environment: 'production',
          status: 'STOPPED',
          rolledBack: true,
          reason: step.reason,
        });
        return step.reason;
      case 'complete-promotion': {
        const stable = served.get(run.pipeline);
        if (stable?.runId === run.id) {
          await deps.finishDeployment({
            ...outcome,
            environment: 'production',
            status: 'SUCCEEDED',
            ...(stable.url ? { url: stable.url } : {}),
          });
          return undefined;
        }
        const serving = stable?.runId
          ? `production serves the release of run ${stable.runId} again`
          : 'production serves no release';
        const why = stable
          ? stable.errors.join('; ')
          : `pipeline "${run.pipeline}" has no local production target any more`;
        const reason = `pushline restarted while promoting the canary and its release could not be started again (${why}); ${serving}`;
        await deps.finishDeployment({ ...outcome, environment: 'production', status: 'FAILED', reason });
        return reason;
      }
    }
  }

  async function note(run: Run, text: string): Promise<void> {
    await store.addNote(run.id, { at: clock.now().toISOString(), kind: 'recovery', message: text });
  }
}

/** The pipeline's releases that were promoted, the last promoted first (from the newest runs). */
async function lastReleases(store: RunStore, pipeline: string): Promise<Run[]> {
  const { runs } = await store.list({ pipeline, status: ['succeeded'], limit: RECENT_RELEASES });
  const promotedAt = (run: Run) => run.stages.production.finishedAt ?? run.finishedAt ?? '';
  return runs
    .filter((run) => run.stages.production.status === StageStatus.Succeeded)
    .sort((a, b) => promotedAt(b).localeCompare(promotedAt(a)));
}

/**
 * The pipeline's releases that staging served, the last deployed first: from its running runs and
 * its newest runs, those whose staging deployment succeeded (a skipped staging served nothing).
 */
async function lastStagingReleases(
  store: RunStore,
  pipeline: string,
  running: readonly Run[],
): Promise<Run[]> {
  const { runs: recent } = await store.list({ pipeline, limit: RECENT_RELEASES });
  const byId = new Map([...running, ...recent].map((run) => [run.id, run]));
  const deployedAt = (run: Run) => run.stages.staging.finishedAt ?? '';
  return [...byId.values()]
    .filter((run) => run.stages.staging.status === StageStatus.Succeeded && run.staging?.deploymentId)
    .sort((a, b) => deployedAt(b).localeCompare(deployedAt(a)));
}

function requestOf(run: Run, pipeline: PipelineConfig, environment: Environment): DeployRequest {
  return {
    runId: run.id,
    attempt: run.attempt,
    pipeline,
    environment,
    commit: run.source.commit,
    artifacts: run.build?.artifacts ?? NO_ARTIFACTS,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
