import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `pushline up` writes to `<data>/server.json` while it serves, for `down`, `runs`, `show`. */
export interface ServerInfo {
  pid: number;
  port: number;
  url: string;
  config: string;
  startedAt: string;
}

export const SERVER_FILE = 'server.json';
export const DATABASE_FILE = 'pushline.db';

export function serverFile(dataDir: string): string {
  return join(dataDir, SERVER_FILE);
}

export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  writeFileSync(serverFile(dataDir), `${JSON.stringify(info, null, 2)}\n`);
}

/** The server file, or `undefined` when there is none or it is not one of ours. */
export function readServerInfo(dataDir: string): ServerInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(serverFile(dataDir), 'utf8')) as Partial<ServerInfo>;
    if (typeof info.pid !== 'number' || typeof info.url !== 'string' || typeof info.port !== 'number') {
      return undefined;
    }
    return info as ServerInfo;
  } catch {
    return undefined;
  }
}

/** Removes the server file, but only if it still names `pid` (a newer server may have replaced it). */
export function removeServerInfo(dataDir: string, pid?: number): void {
  if (pid !== undefined && readServerInfo(dataDir)?.pid !== pid) return;
  rmSync(serverFile(dataDir), { force: true });
}

/**
 * Whether `pid` is a live Pushline process. A server that crashed leaves its file behind and the
 * pid may since belong to something else: on Linux the command line must mention pushline.
 */
export function isPushlineProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: it exists but is not ours to signal, so not a server we started.
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('pushline');
  } catch {
    return process.platform !== 'linux';
  }
}

/** The server named in the data folder if it is alive; a stale file is removed. */
export function runningServer(dataDir: string): ServerInfo | undefined {
  const info = readServerInfo(dataDir);
  if (!info) return undefined;
  if (isPushlineProcess(info.pid)) return info;
  removeServerInfo(dataDir, info.pid);
  return undefined;
}
