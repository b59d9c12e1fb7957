import { beforeEach, describe, expect, it } from '@jest/globals';
import { makeFinishBuild } from '../../../../functions/finish-build/finish-build.ts';
import { makeFinishDeployment } from '../../../../functions/finish-deployment/finish-deployment.ts';
import {
  planRecovery,
  RESTART_REASONS,
  type RecoveringDeployer,
  recoverRuns,
} from '../../../../shared/app/recover-runs.ts';
import type { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';
import { MemoryRunStore } from '../../../../shared/local/memory-run-store.ts';
import type { DeployRequest } from '../../../../shared/ports/deployer.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { pipelineConfig, runAt, seedRun, T0 } from '../../../support/runs.ts';

/** Records the deployer calls recovery makes; the restores fail for the runs in `broken`. */
class RecordingDeployer implements RecoveringDeployer {
  readonly calls: { method: string; runId: string; trafficPercent?: number }[] = [];
  readonly broken = new Set<string>();

  async deploy(request: DeployRequest) {
    this.calls.push({ method: 'deploy', runId: request.runId });
    return { deploymentId: `${request.environment}-${request.runId}` };
  }

  async startCanary(request: DeployRequest & { trafficPercent: number }) {
    this.calls.push({ method: 'startCanary', runId: request.runId, trafficPercent: request.trafficPercent });
    return { deploymentId: `production-${request.runId}` };
  }

  async restoreStable(request: DeployRequest) {
    this.calls.push({ method: 'restoreStable', runId: request.runId });
    if (this.broken.has(request.runId)) throw new Error('`node server.js` exited (code 1) before answering');
    return { deploymentId: `production-${request.runId}`, url: 'http://127.0.0.1:4000' };
  }

  async restoreStaging(request: DeployRequest) {
    this.calls.push({ method: 'restoreStaging', runId: request.runId });
    if (this.broken.has(request.runId)) throw new Error('`node server.js` exited (code 1) before answering');
    return { deploymentId: `staging-${request.runId}`, url: 'http://127.0.0.1:4100' };
  }
}

const web = pipelineConfig(); // canary runs: interval 60 s, bake 180 s, started at T0

describe('planRecovery', () => {
  it('ends a running build with the restart reason', () => {
    expect(planRecovery(runAt('building'), web, T0, false)).toEqual({
      kind: 'end-build',
      reason: RESTART_REASONS.build,
    });
  });

  it('starts again a build a graceful shutdown interrupted, and ends it when the pipeline is gone', () => {
    expect(planRecovery(runAt('building'), web, T0, false, true)).toEqual({ kind: 'restart-build' });
    expect(planRecovery(runAt('building'), undefined, T0, false, true).kind).toBe('end-build');
  });

  it('ends a pending build only when the dead server had started it', () => {
    expect(planRecovery(runAt('started'), web, T0, true).kind).toBe('end-build');
    expect(planRecovery(runAt('started'), web, T0, false).kind).toBe('leave');
  });

  it('deploys staging again, or ends it when the pipeline has no staging target any more', () => {
    const noStaging = { ...web, staging: {} } as PipelineConfig;

    expect(planRecovery(runAt('staging'), web, T0, false)).toEqual({ kind: 'redeploy-staging' });
    expect(planRecovery(runAt('staging'), noStaging, T0, false)).toMatchObject({
      kind: 'end-deployment',
      environment: 'staging',
      rolledBack: false,
    });
  });

  it('resumes a canary with a check interval of bake left, and rolls back one whose bake ran out', () => {
    const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

    expect(planRecovery(runAt('canary'), web, at(120), false)).toEqual({ kind: 'resume-canary' });
    expect(planRecovery(runAt('canary'), web, at(121), false)).toEqual({
      kind: 'end-deployment',
      environment: 'production',
      rolledBack: true,
      reason: RESTART_REASONS.bakeOver,
    });
  });

  it('completes the rollback or the promotion the canary verdict decided', () => {
    expect(planRecovery(runAt('canary-failed'), web, T0, false)).toEqual({
      kind: 'complete-rollback',
      reason: 'error_rate 0.2 > max 0.01',
    });
    expect(planRecovery(runAt('promoting'), web, T0, false)).toEqual({ kind: 'complete-promotion' });
  });

  it('leaves a run that waits for an event still in the outbox', () => {
    for (const progress of ['built', 'staged', 'staging-skipped'] as const) {
      expect(planRecovery(runAt(progress), web, T0, false)).toEqual({ kind: 'leave' });
    }
  });
});

describe('recoverRuns', () => {
  let clock: FakeClock;
  let store: MemoryRunStore;
  let deployer: RecordingDeployer;
  let started: Set<string>;

  const recover = () =>
    recoverRuns({
      store,
      pipelines: (name) => (name === web.name ? web : undefined),
      allPipelines: () => [web],
      clock,
      deployer,
      findBuild: async (runId) =>
        started.has(runId) ? { buildId: `build-${runId}`, phase: 'BUILD' } : undefined,
      finishBuild: makeFinishBuild({ store, clock }),
      finishDeployment: makeFinishDeployment({ store, clock }),
    });
  const types = async (runId: string) => (await store.log(runId)).map((e) => e.detailType);
  const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

  beforeEach(() => {
    clock = new FakeClock(T0);
    store = new MemoryRunStore({ clock });
    deployer = new RecordingDeployer();
    started = new Set();
  });

  it('serves the last promoted release again, then resumes the canary against it', async () => {
    await seedRun(store, 'succeeded', { createdAt: later(-600) });
    const last = await seedRun(store, 'succeeded', { createdAt: later(-300) });
    const canary = await seedRun(store, 'canary');
    clock.advance(30);

    const report = await recover();

    expect(deployer.calls).toEqual([
      { method: 'restoreStable', runId: last.id },
      { method: 'startCanary', runId: canary.id, trafficPercent: 10 },
      { method: 'restoreStaging', runId: canary.id },
    ]);
    expect(report.restored).toEqual([
      { pipeline: 'web', runId: last.id, deploymentId: `production-${last.id}` },
    ]);
    expect((await store.get(canary.id))!.run.status).toBe('running');
    expect((await store.notes(canary.id)).map((n) => n.kind)).toEqual(['recovery']);
  });

  it('rolls back a canary whose bake ran out while pushline was down, with the reason', async () => {
    const canary = await seedRun(store, 'canary');
    clock.advance(150);

    await recover();

    expect(await types(canary.id)).toEqual([
      'Run Started',
      'Build Started',
      'Tests Passed',
      'Staging Started',
      'Staging Deployed',
      'Canary Started',
      'Rolled Back',
      'Run Finished',
    ]);
    const run = (await store.get(canary.id))!.run;
    expect(run).toMatchObject({ status: 'rolled_back', reason: RESTART_REASONS.bakeOver });
    expect(deployer.calls.filter((c) => c.method === 'startCanary')).toEqual([]);
  });

  it('stops a canary rather than let it take all traffic when the release before it cannot start', async () => {
    const last = await seedRun(store, 'succeeded', { createdAt: later(-300) });
    const canary = await seedRun(store, 'canary');
    deployer.broken.add(last.id);

    await recover();

    const run = (await store.get(canary.id))!.run;
    expect(run.status).toBe('failed');
    expect(run.reason).toContain('could not be started again');
    expect(run.reason).toContain('exited (code 1)');
    expect(deployer.calls.filter((c) => c.method === 'startCanary')).toEqual([]);
  });

  it('completes a promotion: its release serves, Production Deployed and the run succeeds', async () => {
    await seedRun(store, 'succeeded', { createdAt: later(-300) });
    const promoting = await seedRun(store, 'promoting');

    const report = await recover();

    expect(report.restored.map((r) => r.runId)).toEqual([promoting.id]);
    expect((await types(promoting.id)).slice(-2)).toEqual(['Production Deployed', 'Run Finished']);
    expect((await store.get(promoting.id))!.run.status).toBe('succeeded');
  });

  it('falls back to the release before when a promoted one cannot start, and fails the run with why', async () => {
    const last = await seedRun(store, 'succeeded', { createdAt: later(-300) });
    const promoting = await seedRun(store, 'promoting');
    deployer.broken.add(promoting.id);

    const report = await recover();

    expect(report.restored.map((r) => r.runId)).toEqual([last.id]);
    const run = (await store.get(promoting.id))!.run;
    expect(run.status).toBe('failed');
    expect(run.reason).toContain(`production serves the release of run ${last.id} again`);
  });

  it('completes a rollback with the canary verdict as the reason', async () => {
    const failed = await seedRun(store, 'canary-failed');

    await recover();

    expect((await types(failed.id)).slice(-2)).toEqual(['Rolled Back', 'Run Finished']);
    expect((await store.get(failed.id))!.run).toMatchObject({
      status: 'rolled_back',
      reason: 'error_rate 0.2 > max 0.01',
    });
  });

  it('ends a build with Build Failed (FAULT, the phase, the reason) once, even if recovery runs again', async () => {
    const building = await seedRun(store, 'building');
    const claimed = await seedRun(store, 'started');
    const queued = await seedRun(store, 'started');
    started.add(building.id).add(claimed.id);

    await recover();
    await recover();

    for (const run of [building, claimed]) {
      expect(await types(run.id)).toEqual([
        ...(run.id === building.id ? ['Run Started', 'Build Started'] : ['Run Started']),
        'Build Failed',
        'Run Finished',
      ]);
      const failed = (await store.log(run.id)).find((e) => e.detailType === 'Build Failed')!;
      expect(failed.detail.data).toMatchObject({
        status: 'FAULT',
        phase: 'BUILD',
        reason: RESTART_REASONS.build,
      });
    }
    expect(await types(queued.id)).toEqual(['Run Started']);
  });

  it('starts an interrupted build again and leaves its run building, or ends it when the build is gone', async () => {
    const interrupted = await seedRun(store, 'building');
    const vanished = await seedRun(store, 'building');
    const resumed: string[] = [];
    const recoverWith = () =>
      recoverRuns({
        store,
        pipelines: (name) => (name === web.name ? web : undefined),
        allPipelines: () => [web],
        clock,
        deployer,
        findBuild: async (runId) => ({ buildId: `build-${runId}`, phase: 'BUILD', interrupted: true }),
        resumeBuild: async (run) => {
          if (run.id === vanished.id) return undefined;
          resumed.push(run.id);
          return { buildId: `build-${run.id}` };
        },
        finishBuild: makeFinishBuild({ store, clock }),
        finishDeployment: makeFinishDeployment({ store, clock }),
      });

    const report = await recoverWith();

    expect(resumed).toEqual([interrupted.id]);
    expect(await types(interrupted.id)).toEqual(['Run Started', 'Build Started']);
    expect((await store.notes(interrupted.id)).map((n) => n.message)).toEqual([
      `pushline was stopped during the build: build build-${interrupted.id} was started again`,
    ]);
    expect(await types(vanished.id)).toEqual([
      'Run Started',
      'Build Started',
      'Build Failed',
      'Run Finished',
    ]);
    expect(report.runs.map((r) => r.step)).toEqual(['restart-build', 'restart-build']);
  });

  it('ends the runs of a pipeline that left the pipeline file, saying so', async () => {
    const building = await seedRun(store, 'building', { pipeline: 'gone' });
    const canary = await seedRun(store, 'canary', { pipeline: 'gone' });

    await recover();

    expect((await store.get(building.id))!.run.status).toBe('failed');
    expect((await store.get(canary.id))!.run).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('pipeline "gone" has no local target for it any more'),
    });
  });

  it('serves staging again: the release whose staging deployment finished last', async () => {
    await seedRun(store, 'succeeded', { createdAt: later(-600) });
    const last = await seedRun(store, 'succeeded', { createdAt: later(-300) });
    const logBefore = await types(last.id);

    const report = await recover();

    expect(deployer.calls).toEqual([
      { method: 'restoreStable', runId: last.id },
      { method: 'restoreStaging', runId: last.id },
    ]);
    expect(report.restoredStaging).toEqual([
      { pipeline: 'web', runId: last.id, deploymentId: `staging-${last.id}`, url: 'http://127.0.0.1:4100' },
    ]);
    // A restore is not a deployment: the finished run's log is left as it was.
    expect(await types(last.id)).toEqual(logBefore);
  });

  it('falls back to the staging release before when the last one cannot start', async () => {
    const before = await seedRun(store, 'succeeded', { createdAt: later(-600) });
    const last = await seedRun(store, 'succeeded', { createdAt: later(-300) });
    deployer.broken.add(last.id);

    const report = await recover();

    expect(deployer.calls.filter((c) => c.method === 'restoreStaging').map((c) => c.runId)).toEqual([
      last.id,
      before.id,
    ]);
    expect(report.restoredStaging.map((r) => r.runId)).toEqual([before.id]);
  });

  it('restores no staging for a pipeline without a local staging target', async () => {
    const noStaging = { ...web, staging: {} } as PipelineConfig;
    await seedRun(store, 'succeeded');

    const report = await recoverRuns({
      store,
      pipelines: () => noStaging,
      allPipelines: () => [noStaging],
      clock,
      deployer,
      findBuild: async () => undefined,
      finishBuild: makeFinishBuild({ store, clock }),
      finishDeployment: makeFinishDeployment({ store, clock }),
    });

    expect(deployer.calls.map((c) => c.method)).toEqual(['restoreStable']);
    expect(report.restoredStaging).toEqual([]);
  });

  it('leaves staging to a run that was deploying it, whatever staging served before', async () => {
    await seedRun(store, 'succeeded', { createdAt: later(-300) });
    const deploying = await seedRun(store, 'staging');

    const report = await recover();

    expect(deployer.calls.filter((c) => c.method !== 'restoreStable')).toEqual([
      { method: 'deploy', runId: deploying.id },
    ]);
    expect(report.restoredStaging).toEqual([]);
  });

  it('judges each run by the moment recovery began, however long the restores take', async () => {
    const canary = await seedRun(store, 'canary');
    clock.advance(30); // 150 s of the 180 s bake left: a check interval (60 s) and more
    const slow = new RecordingDeployer();
    slow.restoreStable = async (request) => {
      clock.advance(120); // a restore that takes two minutes
      return { deploymentId: `production-${request.runId}`, url: 'http://127.0.0.1:4000' };
    };
    deployer = slow;
    await seedRun(store, 'succeeded', { createdAt: later(-600) });

    await recover();

    expect(slow.calls).toContainEqual({ method: 'startCanary', runId: canary.id, trafficPercent: 10 });
    expect(await types(canary.id)).not.toContain('Rolled Back');
  });

  it('deploys staging again under the same run and attempt', async () => {
    const staging = await seedRun(store, 'staging');

    await recover();

    expect(deployer.calls).toEqual([{ method: 'deploy', runId: staging.id }]);
    expect((await store.get(staging.id))!.run.stages.staging.status).toBe('running');
  });
});
