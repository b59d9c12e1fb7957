import { describe, expect, it } from '@jest/globals';
import {
  formatAge,
  formatDuration,
  formatRunDetail,
  formatRunTable,
  NO_TEST_REPORT_HINT,
} from '../../../../cli/local/format-runs.ts';
import { newEvent } from '../../../../shared/app/new-event.ts';
import { describeRun } from '../../../../shared/local/api-routes.ts';
import { MemoryRunStore } from '../../../../shared/local/memory-run-store.ts';
import { ContractClock, runStarted } from '../../../contract/run-store.contract.ts';

async function failedRun() {
  const clock = new ContractClock();
  const store = new MemoryRunStore({ clock });
  const started = runStarted(clock, 'web');
  await store.startRuns({ provider: 'github', id: 'd1' }, [started]);
  const run = (await store.get(started.detail.runId))!.run;
  clock.advance(2);
  const buildStarted = newEvent('Build Started', run, 'build', { buildId: 'local-1' }, clock);
  clock.advance(80);
  const buildFailed = newEvent(
    'Build Failed',
    run,
    'build',
    {
      buildId: 'local-1',
      status: 'FAILED',
      phase: 'BUILD',
      reason: 'npm test exited 1',
      tests: { total: 12, passed: 11, failed: 1, skipped: 0 },
      failingTests: ['cart › adds an item'],
    },
    clock,
  );
  const late = newEvent(
    'Tests Passed',
    run,
    'build',
    {
      buildId: 'local-1',
      tests: { total: 12, passed: 12, failed: 0, skipped: 0 },
      artifacts: { files: [], exportedVariables: {} },
    },
    clock,
  );
  await store.append(run.id, 1, [buildStarted, buildFailed, late]);
  await store.addNote(run.id, {
    at: clock.now().toISOString(),
    kind: 'dead-letter',
    message: 'notify failed',
  });
  clock.advance(60);
  return { detail: (await describeRun(store, run.id, clock.now()))!, now: clock.now() };
}

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [200, '3m 20s'],
    [3900, '1h 05m'],
  ])('shows %d seconds as %s', (seconds, shown) => {
    expect(formatDuration(seconds)).toBe(shown);
  });
});

describe('formatAge', () => {
  it('shows the largest whole unit', () => {
    const now = new Date('2025-03-02T09:00:00Z');

    expect(formatAge('2025-03-02T08:59:30Z', now)).toBe('30s');
    expect(formatAge('2025-03-02T08:30:00Z', now)).toBe('30m');
    expect(formatAge('2025-03-02T06:00:00Z', now)).toBe('3h');
    expect(formatAge('2025-02-27T09:00:00Z', now)).toBe('3d');
  });
});

describe('formatRunTable', () => {
  it('shows one row per run with branch, short commit, status, stage glyphs and age', async () => {
    const { detail, now } = await failedRun();

    const table = formatRunTable([detail], now).split('\n');

    expect(table[0]).toMatch(/^RUN +PIPELINE +BRANCH +COMMIT +STATUS +STAGES +AGE$/);
    expect(table[1]).toMatch(
      new RegExp(`^${detail.id.slice(-8)} +web +main +6113728 +running +✓ ✗ · · · +2m$`),
    );
  });

  it('says so when there are no runs', () => {
    expect(formatRunTable([], new Date())).toBe('No runs yet.');
  });
});

describe('formatRunDetail', () => {
  it('shows stages with durations, tests, failing tests, the log with ignored reasons, and notes', async () => {
    const { detail } = await failedRun();

    const page = formatRunDetail(detail);

    expect(page).toContain(`Run ${detail.id.slice(-8)} (${detail.id})  web  running`);
    expect(page).toMatch(/✗ build +failed +1m 20s +npm test exited 1/);
    expect(page).toContain('Tests    11 passed, 1 failed, 0 skipped (12)');
    expect(page).toContain('  ✗ cart › adds an item');
    expect(page).toMatch(
      /4 +\d\d:\d\d:\d\d +Tests Passed +ignored: Tests Passed does not fit: build is failed/,
    );
    expect(page).toMatch(/Notes\n +\d\d:\d\d:\d\d +dead-letter: notify failed/);
  });

  it('prints the build log’s path, and says when the file is not there', async () => {
    const { detail } = await failedRun();

    const found = formatRunDetail(detail, {
      buildLog: { path: '/data/builds/local-1/build.log', exists: true },
    });
    const gone = formatRunDetail(detail, {
      buildLog: { path: '/data/builds/local-1/build.log', exists: false },
    });

    expect(found).toContain('Build log  /data/builds/local-1/build.log\n');
    expect(gone).toContain('Build log  /data/builds/local-1/build.log (not found:');
  });

  it('marks a staging URL that no longer serves the run, with the reason', async () => {
    const { detail } = await failedRun();
    const deployed = { ...detail, staging: { url: 'http://127.0.0.1:4101' } };

    const serving = formatRunDetail(deployed, { staging: { serving: true } });
    const dead = formatRunDetail(deployed, {
      staging: { serving: false, why: 'run 766747SE deployed staging since' },
    });

    expect(serving).toMatch(/\nStaging +http:\/\/127\.0\.0\.1:4101\n/);
    expect(dead).toMatch(
      /\nStaging +http:\/\/127\.0\.0\.1:4101 \(no longer serving this run: run 766747SE deployed staging since\)\n/,
    );
  });

  it('says a build read no test report and how to add one, instead of 0 passed', async () => {
    const { detail } = await failedRun();
    const untested = { ...detail, tests: { total: 0, passed: 0, failed: 0, skipped: 0 } };

    const page = formatRunDetail(untested);

    expect(page).toContain(`Tests    ${NO_TEST_REPORT_HINT}`);
    expect(NO_TEST_REPORT_HINT).toMatch(
      /`reports:` section to buildspec\.yml .*JUnit XML.*docs\/local-builds\.md/,
    );
    expect(page).not.toContain('0 passed');
  });
});
