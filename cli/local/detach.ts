import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readServerInfo } from './server-info.ts';

const BIN = fileURLToPath(new URL('../../bin/pushline.js', import.meta.url));
export const SERVER_LOG = 'server.log';

/**
 * Starts `pushline up <args>` as a background process (its output appended to `<data>/server.log`)
 * and waits until it has written `<data>/server.json` and answers `/healthz`. Resolves with its URL,
 * or rejects with the end of its log when it exits or does not answer in time.
 */
export async function startDetached(
  args: readonly string[],
  dataDir: string,
  { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
): Promise<{ pid: number; url: string; log: string }> {
  mkdirSync(dataDir, { recursive: true });
  const log = join(dataDir, SERVER_LOG);
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, [...process.execArgv, BIN, 'up', ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: process.env,
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  child.unref();
  const pid = child.pid!;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new Error(`the server exited (code ${exited}) before it answered:\n${tail(log)}`);
    }
    const info = readServerInfo(dataDir);
    if (info?.pid === pid && (await answers(info.url))) return { pid, url: info.url, log };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`the server did not answer within ${timeoutMs / 1000}s:\n${tail(log)}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
