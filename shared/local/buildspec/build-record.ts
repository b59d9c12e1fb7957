import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildOutcome } from '../../ports/builder.ts';

/** What `<dataDir>/builds/<build>/build.json` holds: enough for a restarted server to find the build. */
export interface BuildRecord {
  buildId: string;
  runId: string;
  attempt: number;
  pipeline: string;
  buildNumber: number;
  /**
   * `INTERRUPTED`: stopped by a graceful shutdown of the server (`interruptAll`), to be started
   * again by the next one (`resume`); its run was told nothing.
   */
  status: 'IN_PROGRESS' | 'INTERRUPTED' | BuildOutcome['status'];
  /** The process group of the build's shell while it runs (the shell's pid). */
  pid?: number;
  startedAt: string;
  endedAt?: string;
  phase?: string;
  reason?: string;
  /** When the retention policy removed its `artifacts/` (the log and this record stay a while). */
  artifactsRemovedAt?: string;
}

/**
 * The directory name of a build: the build id with `:` made `_`. A colon in a path breaks every
 * `PATH=$CODEBUILD_SRC_DIR/bin:$PATH` and npm's `node_modules/.bin` lookup, so it stays out.
 */
export const buildDirName = (buildId: string) => buildId.replace(/[:/\\]/g, '_');

/** `<dataDir>/builds/<build>`: build.json, build.log, artifacts/ (and src/ while it runs). */
export const buildDir = (dataDir: string, buildId: string) => join(dataDir, 'builds', buildDirName(buildId));

/** Writes build.json atomically (a reader never sees half a file). */
export async function writeRecord(dir: string, record: BuildRecord): Promise<void> {
  const path = join(dir, 'build.json');
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temporary, path);
}

export async function readRecord(dir: string): Promise<BuildRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'build.json'), 'utf8')) as BuildRecord;
  } catch {
    return undefined;
  }
}

/** Every build record under `<dataDir>/builds`, with its directory. */
export async function listRecords(dataDir: string): Promise<{ dir: string; record: BuildRecord }[]> {
  const root = join(dataDir, 'builds');
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const records: { dir: string; record: BuildRecord }[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    const record = await readRecord(dir);
    if (record) records.push({ dir, record });
  }
  return records;
}

/** The file that ties a run's attempt to its build id, so `start` is idempotent across restarts. */
export const indexPath = (dataDir: string, runId: string, attempt: number) =>
  join(dataDir, 'builds', 'index', `${encodeURIComponent(runId)}.${attempt}`);
