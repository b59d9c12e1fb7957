import { readdir, readFile } from 'node:fs/promises';
import type { BuildOutcome } from '../../ports/builder.ts';
import type { Clock } from '../../ports/clock.ts';
import { type BuildRecord, listRecords, writeRecord } from './build-record.ts';

export interface ReapedBuild {
  record: BuildRecord;
  /** Whether processes of the build were still running and were killed. */
  killed: boolean;
  /** The outcome to report for it (FAULT), as the builder's `onFinished` would have. */
  outcome: BuildOutcome;
}

export const ORPHAN_REASON = 'FAULT: the server stopped while the build was running';

/**
 * Finds the builds that build.json says are still IN_PROGRESS — their server died — kills what is
 * left of their process groups and marks them FAULT. A process is killed only when it proves to
 * belong to the build (its environment carries the build's `CODEBUILD_BUILD_ID`), so a recycled
 * pid is never hit; without /proc (macOS) a live group with the recorded id is killed.
 * Call it at start-up, before the builder starts anything.
 */
export async function reapOrphanBuilds(dataDir: string, clock: Clock): Promise<ReapedBuild[]> {
  const reaped: ReapedBuild[] = [];
  for (const { dir, record } of await listRecords(dataDir)) {
    if (record.status !== 'IN_PROGRESS') continue;
    const killed = record.pid !== undefined && (await killBuildGroup(record.pid, record.buildId));
    const updated: BuildRecord = {
      ...record,
      status: 'FAULT',
      phase: record.phase,
      reason: ORPHAN_REASON,
      endedAt: clock.now().toISOString(),
      pid: undefined,
    };
    await writeRecord(dir, updated);
    reaped.push({
      record: updated,
      killed,
      outcome: {
        buildId: record.buildId,
        runId: record.runId,
        status: 'FAULT',
        ...(record.phase ? { phase: record.phase } : {}),
        reason: ORPHAN_REASON,
        failingTests: [],
        artifacts: { files: [], exportedVariables: {} },
      },
    });
  }
  return reaped;
}

/** SIGKILLs process group `pgid` if one of its members belongs to `buildId`. */
export async function killBuildGroup(pgid: number, buildId: string): Promise<boolean> {
  const members = await groupMembers(pgid);
  const owned =
    members === undefined
      ? isAlive(pgid)
      : (await Promise.all(members.map((pid) => hasBuildId(pid, buildId)))).some(Boolean);
  if (!owned) return false;
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** The pids in process group `pgid` from /proc; `undefined` where there is no /proc. */
async function groupMembers(pgid: number): Promise<number[] | undefined> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return undefined;
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the command name (which may hold spaces and parentheses): state ppid pgrp …
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
  }
  return members;
}

async function hasBuildId(pid: number, buildId: string): Promise<boolean> {
  const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
  return environ.split('\0').includes(`CODEBUILD_BUILD_ID=${buildId}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
