import { describe, expect, it } from '@jest/globals';
import { makeRollback } from '../../../../functions/rollback/rollback.ts';
import { newEvent } from '../../../../shared/app/new-event.ts';
import { lastEvent, testDeps } from '../../../support/deps.ts';
import { seedRun } from '../../../support/runs.ts';

describe('makeRollback', () => {
  it('rolls the canary back with the judge’s reason', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'canary-failed');

    // Act
    await makeRollback(deps)(await lastEvent(deps.store, run.id, 'Canary Unhealthy'));

    // Assess
    expect(deps.deployer.calls).toEqual([
      { method: 'rollback', id: `production-${run.id}`, reason: 'error_rate 0.2 > max 0.01' },
    ]);
  });

  it('does nothing once the run has ended (a late redelivery)', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'canary-failed');
    const { version } = (await deps.store.get(run.id))!;
    const finished = newEvent(
      'Run Finished',
      run,
      'canary',
      { outcome: 'rolled_back', reason: 'x' },
      deps.clock,
    );
    await deps.store.append(run.id, version, [finished]);

    // Act
    await makeRollback(deps)(await lastEvent(deps.store, run.id, 'Canary Unhealthy'));

    // Assess
    expect(deps.deployer.calls).toEqual([]);
  });
});
