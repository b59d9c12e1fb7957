import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../../shared/domain/errors.ts';
import { describeRun, listRuns, type RunDetail, type RunSummary } from '../../shared/local/api-routes.ts';
import { SqliteRunStore } from '../../shared/local/sqlite-run-store.ts';
import type { RunQuery } from '../../shared/ports/run-store.ts';
import { DATABASE_FILE, runningServer } from './server-info.ts';

/** Where `runs` and `show` read from: the running server's API, or the SQLite file when none runs. */
export interface RunReader {
  readonly from: string;
  list(query: RunQuery): Promise<{ runs: RunSummary[]; cursor?: string }>;
  /** `undefined` for a run that does not exist. */
  get(runId: string): Promise<RunDetail | undefined>;
  close(): void;
}

/**
 * Opens the reader for a data folder: the API of the server named in `<data>/server.json` when it
 * answers, else the database file directly (WAL lets it be read while nothing serves). Both give
 * the same shapes, so the output does not depend on which was used. `undefined` when the folder
 * has no database yet.
 */
export async function openRunReader(dataDir: string): Promise<RunReader | undefined> {
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

function apiReader(url: string): RunReader {
  const getJson = async (path: string): Promise<unknown> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { error?: string };
    if (response.status === 404) throw new NotFoundError(body.error ?? 'not found');
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
