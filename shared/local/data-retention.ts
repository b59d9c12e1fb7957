import { readdir, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { RetentionConfig } from '../domain/pipeline-config.ts';
import { planRetention, type RetainedBuild } from '../domain/retention.ts';
import type { Clock } from '../ports/clock.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import { buildDirName, indexPath, listRecords, readRecord, writeRecord } from './buildspec/build-record.ts';
import { readPidFiles } from './process-manager.ts';
import type { SqliteRunStore } from './sqlite-run-store.ts';

export interface DataRetentionDeps {
  dataDir: string;
  store: SqliteRunStore;
  /** The policy in force (the pipeline file's `retention`, re-read on reload). */
  retention: () => RetentionConfig;
  /** The pipelines of the file in force; pipelines only the store still knows are kept by it too. */
  pipelines: () => readonly string[];
  clock: Clock;
  logger?: Logger;
}

/** What one pass removed (or, with `dryRun`, would remove). */
export interface PruneReport {
  buildsRemoved: number;
  artifactsRemoved: number;
  appLogsRemoved: number;
  runsDeleted: number;
  /** Bytes of files removed from the data folder (the database file shrinks only on VACUUM). */
  bytesFreed: number;
}

const RUN_BATCH = 200;

/**
 * One retention pass over local mode's data folder: gathers the facts (build records, running
 * runs, the last production releases, what app processes run from), lets the pure `planRetention`
 * decide, and carries the plan out — whole build folders, artifacts, app logs, and finished runs
 * with their event logs (`SqliteRunStore.pruneRuns`, in batches that let the server answer between
 * them). A build folder whose artifacts go keeps a record of it in build.json, so a deployment or a
 * redeploy from it is refused with the reason (`artifactsGoneReason`).
 */
export async function pruneDataFolder(
  deps: DataRetentionDeps,
  options: { dryRun?: boolean } = {},
): Promise<PruneReport> {
  const retention = deps.retention();
  const now = deps.clock.now();
  const records = await listRecords(deps.dataDir);
  const builds: (RetainedBuild & { dir: string; attempt: number })[] = [];
  for (const { dir, record } of records) {
    builds.push({
      buildId: record.buildId,
      runId: record.runId,
      attempt: record.attempt,
      status: record.status,
      startedAt: record.startedAt,
      ...(record.endedAt ? { endedAt: record.endedAt } : {}),
      hasArtifacts: (await stat(join(dir, 'artifacts')).catch(() => undefined))?.isDirectory() ?? false,
      dir,
    });
  }
  const runningRuns = new Set((await allRuns(deps.store, ['running'])).map((run) => run.id));
  const pipelines = new Set([...deps.pipelines(), ...records.map(({ record }) => record.pipeline)]);
  const releases = await lastReleases(deps.store, pipelines, retention.releases);
  const pidFiles = readPidFiles(deps.dataDir);
  const servingBuilds = servingBuildIds(deps.dataDir, builds, pidFiles);
  const plan = planRetention({
    now,
    retention,
    builds,
    runningRuns,
    releaseBuilds: new Set(releases.map((release) => release.buildId)),
    servingBuilds,
  });

  const report: PruneReport = {
    buildsRemoved: plan.removeBuilds.length,
    artifactsRemoved: plan.removeArtifacts.length,
    appLogsRemoved: 0,
    runsDeleted: 0,
    bytesFreed: 0,
  };
  const byId = new Map(builds.map((build) => [build.buildId, build]));
  for (const build of plan.removeBuilds) {
    const { dir, runId, attempt } = byId.get(build.buildId)!;
    report.bytesFreed += await sizeOf(dir);
    if (options.dryRun) continue;
    await rm(indexPath(deps.dataDir, runId, attempt), { force: true });
    await rm(dir, { recursive: true, force: true });
  }
  for (const build of plan.removeArtifacts) {
    const { dir } = byId.get(build.buildId)!;
    report.bytesFreed += await sizeOf(join(dir, 'artifacts'));
    if (options.dryRun) continue;
    const record = records.find((r) => r.dir === dir)!.record;
    // Recorded first: a crash in between leaves a record that says so and a folder still there.
    await writeRecord(dir, { ...record, artifactsRemovedAt: now.toISOString() });
    await rm(join(dir, 'artifacts'), { recursive: true, force: true });
  }
  const logs = await staleAppLogs(deps.dataDir, pidFiles, now.getTime() - retention.builds * 1000);
  for (const log of logs) {
    report.bytesFreed += log.size;
    if (!options.dryRun) await rm(log.path, { force: true });
  }
  report.appLogsRemoved = logs.length;
  if (options.dryRun) {
    report.runsDeleted = (await allRuns(deps.store)).filter(
      (run) =>
        run.status !== 'running' &&
        Date.parse(run.createdAt) < plan.runsStartedBefore.getTime() &&
        !releases.some((release) => release.runId === run.id),
    ).length;
  } else {
    const keep = new Set(releases.map((release) => release.runId));
    for (;;) {
      const deleted = deps.store.pruneRuns({ startedBefore: plan.runsStartedBefore, keep, limit: RUN_BATCH });
      report.runsDeleted += deleted.length;
      if (deleted.length < RUN_BATCH) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    deps.store.checkpoint();
  }
  const removedAnything =
    report.buildsRemoved + report.artifactsRemoved + report.appLogsRemoved + report.runsDeleted;
  if (removedAnything > 0 && !options.dryRun) {
    (deps.logger ?? silentLogger).info('retention pruned the data folder', { ...report });
  }
  return report;
}

/**
 * Why a build's artifacts directory cannot be deployed from, when the retention policy removed it
 * (`undefined` otherwise: the caller's own reason applies).
 */
export async function artifactsGoneReason(artifactsDir: string): Promise<string | undefined> {
  const record = await readRecord(join(artifactsDir, '..'));
  if (!record?.artifactsRemovedAt) return undefined;
  return (
    `the artifacts of build ${record.buildId} were removed by the retention policy on ` +
    `${record.artifactsRemovedAt} (retention.releases in pushline.yml says how many production ` +
    'releases of each pipeline keep theirs)'
  );
}

async function allRuns(store: SqliteRunStore, status?: ('running' | 'succeeded')[]) {
  const runs = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({
      ...(status ? { status } : {}),
      limit: 500,
      ...(cursor ? { cursor } : {}),
    });
    runs.push(...page.runs);
    cursor = page.cursor;
  } while (cursor);
  return runs;
}

/** The run and build of each pipeline's last `count` production releases (succeeded runs). */
async function lastReleases(store: SqliteRunStore, pipelines: ReadonlySet<string>, count: number) {
  const releases: { runId: string; buildId: string }[] = [];
  for (const pipeline of pipelines) {
    const { runs } = await store.list({ pipeline, status: ['succeeded'], limit: count });
    for (const run of runs) {
      if (run.build?.buildId) releases.push({ runId: run.id, buildId: run.build.buildId });
    }
  }
  return releases;
}

/** The builds an app process runs from: its pid file's `cwd` lies in the build's folder. */
function servingBuildIds(
  dataDir: string,
  builds: readonly RetainedBuild[],
  pidFiles: readonly { cwd?: string }[],
): Set<string> {
  const byDir = new Map(builds.map((build) => [buildDirName(build.buildId), build.buildId]));
  const serving = new Set<string>();
  for (const { cwd } of pidFiles) {
    if (!cwd) continue;
    const [folder, name] = relative(join(dataDir), cwd).split(sep);
    const buildId = folder === 'builds' && name ? byDir.get(name) : undefined;
    if (buildId) serving.add(buildId);
  }
  return serving;
}

/** App logs (`<data>/logs/*.log`) untouched since `before` whose app no longer runs. */
async function staleAppLogs(dataDir: string, pidFiles: readonly { logFile: string }[], before: number) {
  const dir = join(dataDir, 'logs');
  const live = new Set(pidFiles.map((file) => file.logFile));
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale: { path: string; size: number }[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (!name.endsWith('.log') || live.has(path)) continue;
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < before) stale.push({ path, size: info.size });
  }
  return stale;
}

/** The bytes of the files under `path` (0 when it is gone). */
async function sizeOf(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    if (entry.isSymbolicLink()) continue;
    total += await sizeOf(join(path, entry.name));
  }
  return total;
}
