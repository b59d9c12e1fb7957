import { describe, expect, it } from '@jest/globals';
import { makeFinishDeployment } from '../../../../functions/finish-deployment/finish-deployment.ts';
import type { DeploymentOutcome } from '../../../../shared/ports/deployer.ts';
import { testDeps } from '../../../support/deps.ts';
import { type Progress, seedRun } from '../../../support/runs.ts';

/** A run at `progress`, its deployments linked, and the handler. */
async function at(progress: Progress) {
  const deps = testDeps();
  const run = await seedRun(deps.store, progress);
  for (const id of [`staging-${run.id}`, `production-${run.id}`])
    await deps.store.link({ kind: 'deployment', id }, run.id);
  const finish = makeFinishDeployment(deps);
  const history = async () => (await deps.store.log(run.id)).map((e) => e.detailType);
  const state = async () => (await deps.store.get(run.id))!.run;
  return {
    deps,
    run,
    finish,
    history,
    state,
    staging: `staging-${run.id}`,
    production: `production-${run.id}`,
  };
}

describe('makeFinishDeployment', () => {
  it('announces Staging Deployed for a staging deployment that succeeded', async () => {
    // Prepare
    const { finish, staging, state } = await at('staging');

    // Act
    await finish({ deploymentId: staging, status: 'SUCCEEDED', url: 'http://localhost:4100' });

    // Assess
    expect((await state()).stages.staging.status).toBe('succeeded');
    expect((await state()).staging).toEqual({ deploymentId: staging, url: 'http://localhost:4100' });
  });

  it.each(['FAILED', 'STOPPED'] as const)(
    'ends the run failed for a staging deployment that %s',
    async (status) => {
      // Prepare
      const { finish, staging, state, history } = await at('staging');

      // Act
      await finish({
        deploymentId: staging,
        status,
        reason: 'health check /healthz kept failing',
        errorCode: 'HEALTH_CONSTRAINTS',
      });

      // Assess
      expect((await history()).slice(-2)).toEqual(['Staging Failed', 'Run Finished']);
      expect((await state()).status).toBe('failed');
      expect((await state()).reason).toBe('staging failed: health check /healthz kept failing');
    },
  );

  it('accepts a staging outcome that arrives before Staging Started was recorded', async () => {
    // Prepare
    const { deps, run, finish, state } = await at('built');

    // Act
    await finish({
      deploymentId: 'staging-early',
      runId: run.id,
      environment: 'staging',
      status: 'SUCCEEDED',
    });

    // Assess
    expect((await state()).stages.staging.status).toBe('succeeded');
    expect(deps.store.appended.at(-1)?.detailType).toBe('Staging Deployed');
  });

  it('ends the run succeeded when the promoted deployment succeeds', async () => {
    // Prepare
    const { finish, production, state, history } = await at('promoting');

    // Act
    await finish({ deploymentId: production, status: 'SUCCEEDED', url: 'http://localhost:4000' });

    // Assess
    expect((await history()).slice(-2)).toEqual(['Production Deployed', 'Run Finished']);
    expect((await state()).status).toBe('succeeded');
    expect((await state()).production?.url).toBe('http://localhost:4000');
  });

  it.each<[string, Partial<DeploymentOutcome>]>([
    ['rolled back', { status: 'STOPPED', rolledBack: true, reason: 'stopped by user' }],
    ['stopped', { status: 'STOPPED' }],
    ['failed', { status: 'FAILED' }],
  ])(
    'ends the run rolled_back with the canary’s reason when the judged deployment is %s',
    async (_, fields) => {
      // Prepare
      const { finish, production, state, history } = await at('canary-failed');

      // Act
      await finish({ deploymentId: production, status: 'STOPPED', ...fields });

      // Assess
      expect((await history()).slice(-2)).toEqual(['Rolled Back', 'Run Finished']);
      expect((await state()).status).toBe('rolled_back');
      expect((await state()).reason).toBe('error_rate 0.2 > max 0.01');
    },
  );

  it('ends the run rolled_back with the platform’s reason when it rolled back by itself', async () => {
    // Prepare
    const { finish, production, state } = await at('canary');

    // Act
    await finish({
      deploymentId: production,
      status: 'FAILED',
      rolledBack: true,
      reason: 'alarm web-5xx fired',
    });

    // Assess
    expect((await state()).status).toBe('rolled_back');
    expect((await state()).reason).toBe('alarm web-5xx fired');
    expect((await state()).stages.canary.status).toBe('failed');
  });

  it('ends the run failed when production fails without a rollback', async () => {
    // Prepare
    const { finish, production, state, history } = await at('promoting');

    // Act
    await finish({ deploymentId: production, status: 'FAILED', reason: 'task failed to start' });

    // Assess
    expect((await history()).at(-1)).toBe('Run Finished');
    expect((await state()).status).toBe('failed');
    expect((await state()).reason).toBe('production deployment failed: task failed to start');
  });

  it('records a deployment that shifted all traffic before the canary was judged', async () => {
    // Prepare
    const { finish, production, state, history } = await at('canary');

    // Act
    await finish({ deploymentId: production, status: 'SUCCEEDED' });

    // Assess
    expect((await history()).slice(-3)).toEqual(['Canary Healthy', 'Production Deployed', 'Run Finished']);
    expect((await state()).canary?.verdict?.reason).toBe(
      'the deployment completed its traffic shift before the canary was judged',
    );
  });

  it('appends nothing for a deployment of no run, or of a run that has ended', async () => {
    // Prepare
    const { deps, finish, production } = await at('succeeded');
    const before = deps.store.appended.length;

    // Act
    await finish({ deploymentId: 'unknown', status: 'SUCCEEDED' });
    await finish({ deploymentId: production, status: 'STOPPED', rolledBack: true });

    // Assess
    expect(deps.store.appended).toHaveLength(before);
  });

  it('appends nothing for a redelivered staging outcome', async () => {
    // Prepare
    const { deps, finish, staging } = await at('staged');
    const before = deps.store.appended.length;

    // Act
    await finish({ deploymentId: staging, status: 'SUCCEEDED' });

    // Assess
    expect(deps.store.appended).toHaveLength(before);
  });
});
