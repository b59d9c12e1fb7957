import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../../shared/domain/errors.ts';
import { shortRunId } from '../../shared/domain/run-id.ts';
import {
  buildLogPath,
  describeRun,
  listRuns,
  type RunDetail,
  type RunSummary,
} from '../../shared/local/api-routes.ts';
import { SqliteRunStore } from '../../shared/local/sqlite-run-store.ts';
import type { RunQuery } from '../../shared/ports/run-store.ts';
import type { RunFacts, UrlState } from './format-runs.ts';
import { DATABASE_FILE, runningServer } from './server-info.ts';

/** Where `runs` and `show` read from: the running server's API, or the SQLite file when none runs. */
export interface RunReader {
  readonly from: string;
  list(query: RunQuery): Promise<{ runs: RunSummary[]; cursor?: string }>;
  /**
   * `undefined` for a run that does not exist. `runId` is the whole id or any unique tail (the short
   * id); an ambiguous one throws a `ValidationError` listing the candidates.
   */
  get(runId: string): Promise<RunDetail | undefined>;
  close(): void;
}

/**
 * Opens the reader for a data folder: the API of the server named in `<data>/server.json` when it
 * answers, else the database file directly (WAL lets it be read while nothing serves). Both give
 * the same shapes, so the output does not depend on which was used. `undefined` when the folder
 * has no database yet.
 */
export async function openRunReader(
  dataDir: string,
  remote?: { url: string; token?: string },
): Promise<RunReader | undefined> {
  // A server named on the command line (or PUSHLINE_SERVER) — another machine's, the AWS stack's.
  if (remote) return apiReader(remote.url, remote.token);
  const server = runningServer(dataDir);
  if (server && (await answers(server.url))) return apiReader(server.url);
  const file = join(dataDir, DATABASE_FILE);
  if (!existsSync(file)) return undefined;
  const store = new SqliteRunStore({ file });
  return {
    from: file,
    list: (query) => listRuns(store, query, new Date()),
    get: (runId) => describeRun(store, runId, new Date()),
    close: () => store.close(),
  };
}

function apiReader(url: string, token?: string): RunReader {
  const getJson = async (path: string): Promise<unknown> => {
    const response = await fetch(`${url}${path}`, {
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const body = (await response.json()) as { error?: string };
    if (response.status === 404) throw new NotFoundError(body.error ?? 'not found');
    if (response.status === 401) {
      throw new ValidationError(`${url} wants a token (${body.error ?? '401'}): set PUSHLINE_TOKEN`);
    }
    if (!response.ok) throw new ValidationError(body.error ?? `the server answered ${response.status}`);
    return body;
  };
  return {
    from: url,
    list: async (query) => {
      const params = new URLSearchParams();
      if (query.pipeline) params.set('pipeline', query.pipeline);
      if (query.status?.length) params.set('status', query.status.join(','));
      if (query.limit) params.set('limit', String(query.limit));
      if (query.cursor) params.set('cursor', query.cursor);
      return (await getJson(`/api/runs?${params}`)) as { runs: RunSummary[]; cursor?: string };
    },
    get: async (runId) => {
      try {
        return (await getJson(`/api/runs/${encodeURIComponent(runId)}`)) as RunDetail;
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    },
    close: () => {},
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * What `show` says beside the run: the build log's path in the data folder (and whether it is
 * there), and whether the run's staging and production URLs still serve it. A URL stops serving a
 * run when a newer run of the pipeline deployed to the same environment, or when nothing answers
 * there any more (the server was stopped; after a restart staging may come back on another port).
 */
export async function runFacts(reader: RunReader, run: RunDetail, dataDir: string): Promise<RunFacts> {
  const facts: RunFacts = {};
  const path = run.build ? buildLogPath(dataDir, run.build.buildId) : undefined;
  if (path) facts.buildLog = { path, exists: existsSync(path) };
  const needsNewer = Boolean(run.staging?.url || run.production?.url);
  const newer = needsNewer
    ? (await reader.list({ pipeline: run.pipeline, limit: 200 })).runs.filter((r) => r.id > run.id)
    : [];
  for (const environment of ['staging', 'production'] as const) {
    const url = run[environment]?.url;
    if (url) facts[environment] = await urlState(run, environment, url, newer);
  }
  return facts;
}

async function urlState(
  run: RunDetail,
  environment: 'staging' | 'production',
  url: string,
  newer: readonly RunSummary[],
): Promise<UrlState> {
  const status = run.stages.find((s) => s.name === environment)?.status;
  if (status !== 'succeeded' && status !== 'running') {
    return { serving: false, why: `its ${environment} stage is ${status ?? 'unknown'}` };
  }
  if (environment === 'production' && run.status === 'rolled_back') {
    return { serving: false, why: 'the run was rolled back' };
  }
  // `newer` is newest first: the latest run that deployed here is the one serving.
  const since = newer.find((r) => r.stages.find((s) => s.name === environment)?.status === 'succeeded');
  if (since) {
    return { serving: false, why: `run ${shortRunId(since.id)} deployed ${environment} since` };
  }
  if (!(await answersAt(url))) {
    return {
      serving: false,
      why:
        environment === 'staging'
          ? 'nothing answers there now (a restarted server serves staging again, maybe on another port: see its log)'
          : 'nothing answers there now (is `pushline up` running?)',
    };
  }
  return { serving: true };
}

/** Whether anything answers HTTP at `url` (any status: the app's own paths are not ours to know). */
async function answersAt(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1500) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
