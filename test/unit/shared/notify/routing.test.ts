import { describe, expect, it } from '@jest/globals';
import { announcementOf, isAnnounced, isFailure } from '../../../../shared/notify/routing.ts';
import { pipeline, runAfter, SCRIPTS } from './run-fixtures.ts';

describe('announcementOf', () => {
  it('classifies each event of a rolled-back run by what it announces', async () => {
    // Prepare
    const { events } = await runAfter(SCRIPTS.rolledBack);

    // Act
    const announcements = events.map((e) => `${e.detailType}: ${announcementOf(e)}`);

    // Assess
    expect(announcements).toEqual([
      'Run Started: started',
      'Build Started: progress',
      'Tests Passed: progress',
      'Staging Started: progress',
      'Staging Deployed: progress',
      'Canary Started: progress',
      'Canary Unhealthy: failed',
      'Rolled Back: rolled_back',
      'Run Finished: rolled_back',
    ]);
    expect(events.map((e) => isFailure(announcementOf(e))).filter(Boolean)).toHaveLength(3);
  });
});

describe('isAnnounced', () => {
  it('follows notifications.slack.on, progress going with the start', async () => {
    // Prepare
    const { events } = await runAfter(SCRIPTS.buildFailed);
    const failuresOnly = pipeline({ notifications: { slack: { channel: '#d', on: ['failed'] } } });
    const everything = pipeline();

    // Act
    const quiet = events.map((e) => isAnnounced(failuresOnly, e));
    const loud = events.map((e) => isAnnounced(everything, e));

    // Assess
    expect(quiet).toEqual([false, false, true, true]);
    expect(loud).toEqual([true, true, true, true]);
  });

  it('does not announce a superseded run by default', async () => {
    // Prepare
    const { events } = await runAfter([
      { after: 1, detailType: 'Run Finished', stage: 'build', data: { outcome: 'superseded' } },
    ]);

    // Act
    const announced = isAnnounced(pipeline(), events.at(-1)!);

    // Assess
    expect(announced).toBe(false);
  });
});
