import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { runningServer } from './server-info.ts';

/** Where the CLI finds the Pushline API: `--server`, `PUSHLINE_SERVER`, or the server of `--data`. */
export interface ApiTarget {
  url: string;
  token?: string;
  /** Where the URL came from, for messages. */
  from: string;
}

/** An answer of the API that was not a success, with what it said. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The API the CLI talks to: `--server <url>` or `PUSHLINE_SERVER` (a local server elsewhere, or
 * the AWS stack's HTTP API) with `PUSHLINE_TOKEN`, else the local server serving `--data`.
 * `undefined` with the reason when there is none.
 */
export function apiTarget(options: { server?: string; data: string }): ApiTarget | { missing: string } {
  const token = process.env.PUSHLINE_TOKEN || undefined;
  const explicit = options.server ?? process.env.PUSHLINE_SERVER;
  if (explicit) {
    let url: URL;
    try {
      url = new URL(explicit);
    } catch {
      return { missing: `${JSON.stringify(explicit)} is not a URL (--server / PUSHLINE_SERVER)` };
    }
    return {
      url: url.href.replace(/\/$/, ''),
      from: options.server ? '--server' : 'PUSHLINE_SERVER',
      ...(token ? { token } : {}),
    };
  }
  const dataDir = resolve(options.data);
  const server = runningServer(dataDir);
  if (!server) {
    return {
      missing: `no Pushline server serves ${dataDir}: start it with \`pushline up\`, or name one with --server / PUSHLINE_SERVER`,
    };
  }
  return { url: server.url, from: dataDir, ...(token ? { token } : {}) };
}

/**
 * The API `runs` and `show` read from when one is named: `--server` or `PUSHLINE_SERVER` (with
 * `PUSHLINE_TOKEN`); `undefined` to read the local data folder (its server, or its database).
 */
export function remoteOf(server: string | undefined): { url: string; token?: string } | undefined {
  const url = server ?? process.env.PUSHLINE_SERVER;
  if (!url) return undefined;
  const token = process.env.PUSHLINE_TOKEN || undefined;
  return { url: url.replace(/\/$/, ''), ...(token ? { token } : {}) };
}

/** The name the CLI acts under when `--as` does not say: the user running it. */
export function cliUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'cli';
  }
}

/** GETs `path`; resolves with the answer's JSON, or throws `ApiError` with what the API said. */
export async function getJson(target: ApiTarget, path: string): Promise<Record<string, unknown>> {
  return request(target, path, { method: 'GET' });
}

/** POSTs `body` as JSON; resolves with the answer's JSON, or throws `ApiError` with what the API said. */
export async function postJson(
  target: ApiTarget,
  path: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  return request(target, path, { method: 'POST', body: JSON.stringify(body) });
}

async function request(
  target: ApiTarget,
  path: string,
  init: { method: 'GET' | 'POST'; body?: string },
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(`${target.url}${path}`, {
      ...init,
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        accept: 'application/json',
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
      },
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new ApiError(
      `cannot reach ${target.url} (${cause ?? (error as Error).message}) — is the server up?`,
      0,
      {},
    );
  }
  const text = await response.text();
  let json: Record<string, unknown>;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { error: text.slice(0, 200) };
  }
  if (!response.ok) {
    const said = typeof json.error === 'string' ? json.error : `${response.status} ${response.statusText}`;
    throw new ApiError(said, response.status, json);
  }
  return json;
}

/** How a command says something about its own run: `pushline <command>: <line>` on stderr. */
export type Say = (line: string) => void;

/**
 * Runs `request` against the API the command's options name (`apiTarget`), the way every command
 * that talks to the API does: no API to talk to, or a refusal, is said on stderr and exits 1; a
 * refusal's details (a run's or a pipeline's state, an ambiguous id's candidates) are said by
 * `details`, when the command knows how.
 */
export async function withApi(
  command: string,
  options: { server?: string; data: string },
  setExitCode: (code: number) => void,
  request: (target: ApiTarget, say: Say) => Promise<void>,
  details?: (error: ApiError, say: Say) => void,
): Promise<void> {
  const say: Say = (line) => console.error(`pushline ${command}: ${line}`);
  const target = apiTarget(options);
  if ('missing' in target) {
    say(target.missing);
    setExitCode(1);
    return;
  }
  try {
    await request(target, say);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    say(error.message);
    details?.(error, say);
    setExitCode(1);
  }
}
