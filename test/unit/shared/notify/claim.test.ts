import { describe, expect, it } from '@jest/globals';
import { claimJob } from '../../../../shared/notify/claim.ts';
import { RunDriver } from './run-fixtures.ts';

describe('claimJob', () => {
  it('gives a job to exactly one of many owners claiming at once', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    const now = driver.clock.now();

    // Act
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((owner) =>
        claimJob(driver.store, driver.runId, 'slack.post', owner, now, 60_000),
      ),
    );

    // Assess
    expect(results.filter((r) => r === 'mine')).toHaveLength(1);
  });

  it('gives the job back to its owner when it claims again (a retry of the same event)', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    await claimJob(driver.store, driver.runId, 'slack.post', 'event-1', driver.clock.now(), 60_000);

    // Act
    const again = await claimJob(
      driver.store,
      driver.runId,
      'slack.post',
      'event-1',
      driver.clock.now(),
      60_000,
    );

    // Assess
    expect(again).toBe('mine');
  });

  it('lets one newcomer take over a claim gone stale, and only one', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    await claimJob(driver.store, driver.runId, 'slack.post', 'crashed', driver.clock.now(), 60_000);
    driver.clock.advance(30);
    const early = await claimJob(
      driver.store,
      driver.runId,
      'slack.post',
      'early',
      driver.clock.now(),
      60_000,
    );
    driver.clock.advance(31);

    // Act
    const late = await Promise.all(
      ['x', 'y'].map((owner) =>
        claimJob(driver.store, driver.runId, 'slack.post', owner, driver.clock.now(), 60_000),
      ),
    );

    // Assess
    expect(early).toBe('theirs');
    expect(late.sort()).toEqual(['mine', 'theirs']);
  });
});
