import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { makeRedeploy } from '../../../../shared/app/redeploy.ts';
import { ConflictError } from '../../../../shared/domain/errors.ts';
import { RetentionConfig } from '../../../../shared/domain/pipeline-config.ts';
import {
  type BuildRecord,
  buildDir,
  indexPath,
  readRecord,
  writeRecord,
} from '../../../../shared/local/buildspec/build-record.ts';
import { pruneDataFolder } from '../../../../shared/local/data-retention.ts';
import { artifactsProblem } from '../../../../shared/local/deploy/start-problems.ts';
import { SqliteRunStore } from '../../../../shared/local/sqlite-run-store.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { type Progress, pipelineConfig, seedRun, T0 } from '../../../support/runs.ts';

const DAY = 86_400;
const ARTIFACT_BYTES = 256 * 1024;

let dataDir: string;
let store: SqliteRunStore;
let clock: FakeClock;
let retention: RetentionConfig;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'pushline-retention-'));
  clock = new FakeClock(T0);
  store = new SqliteRunStore({ file: join(dataDir, 'pushline.db'), clock });
  retention = RetentionConfig.parse({ releases: 2, artifacts: '1d', builds: '3d', runs: '10d' });
});
afterEach(() => {
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const deps = () => ({
  dataDir,
  store,
  retention: () => retention,
  pipelines: () => ['web'],
  clock,
});

/**
 * A run of `progress` started now, with the build folder the local builder leaves: build.json,
 * a log, the index file and (unless the build is still running) 256 KiB of artifacts; an app log
 * of its staging deployment beside them.
 */
async function runWithBuild(progress: Progress) {
  const run = await seedRun(store, progress, { createdAt: clock.now() });
  const buildId = run.build!.buildId;
  const dir = buildDir(dataDir, buildId);
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  writeFileSync(join(dir, 'artifacts', 'app.js'), Buffer.alloc(ARTIFACT_BYTES, 1));
  writeFileSync(join(dir, 'build.log'), 'npm ci\nnpm test\n');
  const running = progress === 'building';
  const record: BuildRecord = {
    buildId,
    runId: run.id,
    attempt: 1,
    pipeline: run.pipeline,
    buildNumber: 1,
    status: running ? 'IN_PROGRESS' : 'SUCCEEDED',
    startedAt: clock.now().toISOString(),
    ...(running ? {} : { endedAt: clock.now().toISOString() }),
  };
  await writeRecord(dir, record);
  mkdirSync(join(dataDir, 'builds', 'index'), { recursive: true });
  writeFileSync(indexPath(dataDir, run.id, 1), buildId);
  const log = join(dataDir, 'logs', `staging-${run.id}.log`);
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  writeFileSync(log, 'listening on 4100\n');
  const when = clock.now().getTime() / 1000;
  utimesSync(log, when, when);
  return { run, buildId, dir };
}

/** Bytes of every file under `path`. */
function du(path: string): number {
  return readdirSync(path, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}

describe('pruneDataFolder', () => {
  it('keeps the data folder bounded over 60 days of runs, two a day', async () => {
    const sizes: number[] = [];
    for (let day = 0; day < 60; day++) {
      await runWithBuild('succeeded');
      clock.advance(DAY / 2);
      await runWithBuild('failed');
      clock.advance(DAY / 2);
      await pruneDataFolder(deps());
      sizes.push(du(dataDir));
    }

    // Without retention the artifacts alone would be 120 × 256 KiB = 30 MiB and growing.
    const last = sizes.at(-1)!;
    expect(last).toBeLessThan(2 * ARTIFACT_BYTES + 1024 * 1024);
    // Bounded, not merely smaller: the second month weighs what the first one's end did.
    expect(Math.max(...sizes.slice(30))).toBeLessThan(sizes[15]! * 1.5);
    const { runs } = await store.list({ limit: 1000 });
    // Runs of the last 10 days (two a day), and nothing older.
    expect(runs.length).toBeGreaterThanOrEqual(19);
    expect(runs.length).toBeLessThanOrEqual(22);
    expect(readdirSync(join(dataDir, 'logs')).length).toBeLessThanOrEqual(8);
  });

  it('keeps the artifacts of the last production releases, a running build and what an app runs from', async () => {
    const oldest = await runWithBuild('succeeded');
    clock.advance(DAY);
    const serving = await runWithBuild('failed');
    clock.advance(DAY);
    const running = await runWithBuild('building');
    clock.advance(DAY);
    const [second, third] = [await runWithBuild('succeeded'), await runWithBuild('succeeded')];
    const superseded = await runWithBuild('failed');
    mkdirSync(join(dataDir, 'processes'), { recursive: true });
    writeFileSync(
      join(dataDir, 'processes', 'staging-x.json'),
      JSON.stringify({
        id: 'staging-x',
        pid: 1,
        command: 'node app.js',
        cwd: join(serving.dir, 'artifacts'),
        port: 4100,
        logFile: join(dataDir, 'logs', 'staging-x.log'),
        startedAt: '',
        owner: { pid: 1 },
      }),
    );
    clock.advance(11 * DAY);

    const report = await pruneDataFolder(deps());

    const left = readdirSync(join(dataDir, 'builds'))
      .filter((name) => name !== 'index')
      .sort();
    expect(left).toEqual(
      [serving.dir, running.dir, second.dir, third.dir].map((d) => d.split('/').at(-1)).sort(),
    );
    for (const kept of [serving, running, second, third]) {
      expect(statSync(join(kept.dir, 'artifacts', 'app.js')).size).toBe(ARTIFACT_BYTES);
    }
    expect(report).toMatchObject({ buildsRemoved: 2, artifactsRemoved: 0 });
    expect(report.bytesFreed).toBeGreaterThan(2 * ARTIFACT_BYTES);
    // The oldest release fell out of the last two; its run is older than `runs` and went too.
    expect(await store.get(oldest.run.id)).toBeUndefined();
    expect(await store.get(superseded.run.id)).toBeUndefined();
    expect(await store.get(second.run.id)).toBeDefined();
    expect(readdirSync(join(dataDir, 'builds', 'index')).sort()).toEqual(
      [serving, running, second, third].map((r) => `${encodeURIComponent(r.run.id)}.1`).sort(),
    );
  });

  it('removes the artifacts of an ended run after a day, keeps its log, and says why a redeploy of it is refused', async () => {
    const release = await runWithBuild('succeeded');
    retention = RetentionConfig.parse({ releases: 1 });
    clock.advance(60);
    await runWithBuild('succeeded');
    clock.advance(DAY - 120);
    expect(await pruneDataFolder(deps())).toMatchObject({ artifactsRemoved: 0 });
    clock.advance(60);

    const report = await pruneDataFolder(deps());

    expect(report).toMatchObject({ buildsRemoved: 0, artifactsRemoved: 1, runsDeleted: 0 });
    expect(readdirSync(release.dir).sort()).toEqual(['build.json', 'build.log']);
    expect((await readRecord(release.dir))?.artifactsRemovedAt).toBe(clock.now().toISOString());
    const why = await artifactsProblem({ artifacts: { location: join(release.dir, 'artifacts') } });
    expect(why).toMatch(`the artifacts of build ${release.buildId} were removed by the retention policy`);
    const redeploy = makeRedeploy({
      store,
      clock,
      pipelines: () => pipelineConfig(),
      people: () => ({}),
      releaseProblem: async () => why,
    });
    await expect(redeploy(release.run.id, { by: 'priya' })).rejects.toThrow(ConflictError);
    await expect(redeploy(release.run.id, { by: 'priya' })).rejects.toThrow(
      /removed by the retention policy/,
    );
  });

  it('with dryRun reports what it would remove and removes nothing', async () => {
    await runWithBuild('failed');
    clock.advance(30 * DAY);
    const before = du(dataDir);

    const report = await pruneDataFolder(deps(), { dryRun: true });

    expect(report).toMatchObject({ buildsRemoved: 1, appLogsRemoved: 1, runsDeleted: 1 });
    expect(report.bytesFreed).toBeGreaterThan(ARTIFACT_BYTES);
    expect(du(dataDir)).toBe(before);
    expect((await store.list()).runs).toHaveLength(1);
  });
});
