import { describe, expect, it } from '@jest/globals';
import { RetentionConfig } from '../../../../shared/domain/pipeline-config.ts';
import { planRetention, type RetainedBuild } from '../../../../shared/domain/retention.ts';

const NOW = new Date('2026-06-30T12:00:00.000Z');
const DAY = 86_400_000;
const retention = RetentionConfig.parse({ releases: 2, artifacts: '1d', builds: '7d', runs: '30d' });

function build(id: string, endedDaysAgo: number, overrides: Partial<RetainedBuild> = {}): RetainedBuild {
  return {
    buildId: id,
    runId: `run-${id}`,
    status: 'SUCCEEDED',
    startedAt: new Date(NOW.getTime() - endedDaysAgo * DAY - 60_000).toISOString(),
    endedAt: new Date(NOW.getTime() - endedDaysAgo * DAY).toISOString(),
    hasArtifacts: true,
    ...overrides,
  };
}

function plan(
  builds: RetainedBuild[],
  kept: { running?: string[]; releases?: string[]; serving?: string[] } = {},
) {
  return planRetention({
    now: NOW,
    retention,
    builds,
    runningRuns: new Set(kept.running ?? []),
    releaseBuilds: new Set(kept.releases ?? []),
    servingBuilds: new Set(kept.serving ?? []),
  });
}

describe('planRetention', () => {
  it('removes a build folder `builds` after it ended, and its artifacts `artifacts` after it ended', () => {
    const result = plan([
      build('old', 8),
      build('recent', 2),
      build('bare', 2, { hasArtifacts: false }),
      build('fresh', 0.5),
    ]);

    expect(result.removeBuilds.map((b) => b.buildId)).toEqual(['old']);
    expect(result.removeArtifacts.map((b) => b.buildId)).toEqual(['recent']);
  });

  it('never touches a build in progress, of a running run, of a kept release or one an app runs from', () => {
    const builds = [
      build('in-progress', 30, { status: 'IN_PROGRESS' }),
      build('of-a-running-run', 30),
      build('release', 30),
      build('serving', 30),
    ];

    const result = plan(builds, {
      running: ['run-of-a-running-run'],
      releases: ['release'],
      serving: ['serving'],
    });

    expect(result).toEqual({ removeBuilds: [], removeArtifacts: [], runsStartedBefore: expect.any(Date) });
  });

  it('dates a build that never recorded its end by its start, and removes one with no readable date', () => {
    const unended = build('unended', 0, {
      status: 'FAULT',
      startedAt: new Date(NOW.getTime() - 9 * DAY).toISOString(),
    });
    delete unended.endedAt;
    const garbled = build('garbled', 0, { endedAt: 'yesterday' });

    expect(plan([unended, garbled]).removeBuilds.map((b) => b.buildId)).toEqual(['unended', 'garbled']);
  });

  it('lets runs go `runs` after they started', () => {
    expect(plan([]).runsStartedBefore).toEqual(new Date(NOW.getTime() - 30 * DAY));
  });

  it('has defaults a new user can live with: 5 releases, artifacts for a day, builds for 14 days, runs for a year', () => {
    expect(RetentionConfig.parse({})).toEqual({
      releases: 5,
      artifacts: 86_400,
      builds: 14 * 86_400,
      runs: 365 * 86_400,
    });
  });
});
