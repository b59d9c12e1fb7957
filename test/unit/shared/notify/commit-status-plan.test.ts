import { describe, expect, it } from '@jest/globals';
import { planCommitStatuses } from '../../../../shared/notify/commit-status-plan.ts';
import { planDeployments } from '../../../../shared/notify/deployment-plan.ts';
import { RunDriver, runAfter, SCRIPTS } from './run-fixtures.ts';

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
