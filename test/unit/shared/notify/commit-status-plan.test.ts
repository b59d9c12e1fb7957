import { describe, expect, it } from '@jest/globals';
import { planCommitStatuses } from '../../../../shared/notify/commit-status-plan.ts';
import { planDeployments } from '../../../../shared/notify/deployment-plan.ts';
import { cancelled, REJECTED, RunDriver, runAfter, SCRIPTS, TO_THE_GATE } from './run-fixtures.ts';

const brief = (run: Parameters<typeof planCommitStatuses>[0]) =>
  planCommitStatuses(run).map(
    (s) => `${s.context} ${s.state}${s.reached ? '' : ' (unreached)'}: ${s.description}`,
  );

describe('planCommitStatuses', () => {
  it('has the build pending from the start and the later steps unreached', async () => {
    // Prepare
    const { run } = await runAfter([]);

    // Act
    const plan = brief(run);

    // Assess
    expect(plan).toEqual([
      'build pending: Waiting to build',
      'staging pending (unreached): Waiting for staging',
      'production pending (unreached): Waiting for production',
    ]);
  });

  it('shows the canary as production work in progress', async () => {
    // Prepare
    const { run } = await runAfter(SCRIPTS.succeeded.slice(0, 5));

    // Act
    const plan = brief(run);

    // Assess
    expect(plan).toEqual([
      'build success: Built in 42s: 18 passed · 2 skipped',
      'staging success: Deployed to staging in 1m 5s',
      'production running: Canary at 10% traffic',
    ]);
  });

  it('fails the build and skips what never started when the build fails', async () => {
    // Prepare
    const { run } = await runAfter(SCRIPTS.buildFailed);

    // Act
    const plan = brief(run);

    // Assess
    expect(plan).toEqual([
      'build failure: Build failed: npm test exited with 1',
      'staging skipped (unreached): Skipped: the run failed',
      'production skipped (unreached): Skipped: the run failed',
    ]);
  });

  it('cuts descriptions to GitHub’s 140 characters', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    await driver.append('Build Started', 'build', { buildId: 'b-1' });
    await driver.append('Run Finished', 'build', { outcome: 'failed', reason: 'x'.repeat(500) });

    // Act
    const [build] = planCommitStatuses(await driver.run());

    // Assess
    expect(build!.description).toHaveLength(140);
  });
});

describe('planDeployments', () => {
  it('follows staging and production through a rollback', async () => {
    // Prepare
    const { run } = await runAfter(SCRIPTS.rolledBack);

    // Act
    const plan = planDeployments(run);

    // Assess
    expect(plan).toEqual([
      {
        environment: 'staging',
        state: 'success',
        description: 'Deployed to staging',
        url: 'https://staging.example',
      },
      {
        environment: 'production',
        state: 'failure',
        description: 'Canary failed: error_rate above its threshold',
      },
    ]);
  });

  it('plans nothing before any deployment started', async () => {
    // Prepare
    const { run } = await runAfter(SCRIPTS.succeeded.slice(0, 2));

    // Act
    const plan = planDeployments(run);

    // Assess
    expect(plan).toEqual([]);
  });
});

describe('the approval gate, in commit statuses and deployments', () => {
  const production = (run: Parameters<typeof planDeployments>[0]) =>
    planDeployments(run).find((d) => d.environment === 'production');
  const productionStatus = (run: Parameters<typeof planCommitStatuses>[0]) =>
    brief(run).find((s) => s.startsWith('production'));

  it('shows a run at the gate as pending "Waiting for approval", its production deployment pending', async () => {
    const { run } = await runAfter(TO_THE_GATE);

    expect(productionStatus(run)).toBe('production pending: Waiting for approval');
    expect(production(run)).toEqual({
      environment: 'production',
      state: 'pending',
      description: 'Waiting for approval',
    });
    expect(planDeployments(run).find((d) => d.environment === 'staging')?.state).toBe('success');
  });

  it('queues the production deployment once approved, until the canary starts', async () => {
    const { run } = await runAfter([
      ...TO_THE_GATE,
      { after: 60, detailType: 'Approved', stage: 'approval', data: { by: 'Priya' } },
    ]);

    expect(production(run)).toMatchObject({ state: 'queued', description: 'Approved by Priya' });
  });

  it('fails the production status of a rejected run with who and why, and retires its deployment', async () => {
    const { run } = await runAfter([...TO_THE_GATE, ...REJECTED]);

    expect(productionStatus(run)).toBe('production failure: Rejected by Tomás: not during the sale');
    expect(production(run)).toEqual({
      environment: 'production',
      state: 'inactive',
      description: 'Rejected by Tomás: not during the sale',
    });
  });

  it('retires the production deployment of a run cancelled at the gate, and cancels its status', async () => {
    const { run } = await runAfter([...TO_THE_GATE, cancelled('approval')]);

    expect(productionStatus(run)).toBe('production canceled (unreached): Cancelled');
    expect(production(run)).toMatchObject({
      state: 'inactive',
      description: 'Stopped: cancelled by Priya: wrong branch',
    });
  });

  it('retires the production deployment of a run superseded at the gate', async () => {
    const { run } = await runAfter([
      ...TO_THE_GATE,
      {
        after: 30,
        detailType: 'Run Finished',
        stage: 'approval',
        data: { outcome: 'superseded', reason: 'superseded by run 01JNGA' },
      },
    ]);

    expect(production(run)).toMatchObject({
      state: 'inactive',
      description: 'Stopped: superseded by run 01JNGA',
    });
  });

  it('retires the production deployment of a run cancelled during its canary', async () => {
    const { run } = await runAfter([...SCRIPTS.succeeded.slice(0, 5), cancelled('canary')]);

    expect(production(run)).toMatchObject({
      state: 'inactive',
      description: 'Stopped: cancelled by Priya: wrong branch',
    });
  });

  it('says the gate timed out with an error', async () => {
    const { run } = await runAfter([
      ...TO_THE_GATE,
      { after: 3601, detailType: 'Stage Timed Out', stage: 'approval', data: { timeoutSeconds: 3600 } },
    ]);

    expect(productionStatus(run)).toBe('production error: Approval timed out: no progress within 3600s');
    expect(production(run)).toMatchObject({
      state: 'error',
      description: 'Approval timed out: no progress within 3600s',
    });
  });
});
