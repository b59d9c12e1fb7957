import { describe, expect, it } from '@jest/globals';
import { makePromote } from '../../../../functions/promote/promote.ts';
import { lastEvent, testDeps } from '../../../support/deps.ts';
import { seedRun } from '../../../support/runs.ts';

describe('makePromote', () => {
  it('shifts all traffic to the canary judged healthy', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'promoting');

    // Act
    await makePromote(deps)(await lastEvent(deps.store, run.id, 'Canary Healthy'));

    // Assess
    expect(deps.deployer.calls).toEqual([{ method: 'promote', id: `production-${run.id}` }]);
  });

  it('does nothing once the run has ended (a late redelivery)', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'succeeded');

    // Act
    await makePromote(deps)(await lastEvent(deps.store, run.id, 'Canary Healthy'));

    // Assess
    expect(deps.deployer.calls).toEqual([]);
  });

  it('ignores other events', async () => {
    const deps = testDeps();
    const run = await seedRun(deps.store, 'promoting');
    await makePromote(deps)(await lastEvent(deps.store, run.id, 'Canary Started'));
    expect(deps.deployer.calls).toEqual([]);
  });
});
