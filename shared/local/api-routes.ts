import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AmbiguousRunIdError, resolveRunId } from '../app/resolve-run-id.ts';
import { NotFoundError } from '../domain/errors.ts';
import { describeRun, listRuns, parseRunQuery } from '../http/run-views.ts';
import type { Clock } from '../ports/clock.ts';
import type { RunStore } from '../ports/run-store.ts';
import { buildDir } from './buildspec/build-record.ts';
import type { Route } from './http-server.ts';

// The views are the same in both modes (shared/http/run-views.ts); re-exported for local mode's callers.
export {
  describeRun,
  type EventView,
  listRuns,
  parseRunQuery,
  type RunDetail,
  type RunSummary,
  type StageView,
  summariseRun,
} from '../http/run-views.ts';

/** Where the local builder writes a build's log: `build.log` in its `buildDir` (`:` in the id becomes `_`). */
export function buildLogPath(dataDir: string, buildId: string): string | undefined {
  // The id becomes a directory name: refuse anything that could leave `builds/`.
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(buildId) || buildId.includes('..')) return undefined;
  return join(buildDir(dataDir, buildId), 'build.log');
}

/**
 * The JSON API of the local server: `/healthz`, `/api/runs`, `/api/runs/:id` and the build log
 * `/api/runs/:id/logs/build` (text/plain). The CLI reads the same shapes (`pushline runs`, `show`).
 * `:id` is the whole run id or any unique tail of at least 4 characters (the short id); a tail
 * several runs share is answered 400 with `{ error, candidates }`.
 */
export function apiRoutes(deps: { store: RunStore; dataDir: string; clock: Clock }): Route[] {
  const { store, dataDir, clock } = deps;
  const requireRun = async (text: string) => {
    const runId = await resolveRunId(store, text);
    const stored = await store.get(runId);
    if (!stored) throw new NotFoundError(`run ${text} does not exist`);
    return stored.run;
  };
  /** An ambiguous short id: 400 with the candidates, so a client can offer them. */
  const ambiguous = (error: unknown) => {
    if (!(error instanceof AmbiguousRunIdError)) throw error;
    return { statusCode: 400, json: { error: error.message, candidates: error.candidates } };
  };
  return [
    { method: 'GET', path: '/healthz', handle: () => ({ statusCode: 200, json: { status: 'ok' } }) },
    {
      method: 'GET',
      path: '/api/runs',
      handle: async ({ query }) => ({
        statusCode: 200,
        json: await listRuns(store, parseRunQuery(query), clock.now()),
      }),
    },
    {
      method: 'GET',
      path: '/api/runs/:id',
      handle: async ({ params }) => {
        try {
          const detail = await describeRun(store, params.id!, clock.now());
          if (!detail) throw new NotFoundError(`run ${params.id} does not exist`);
          return { statusCode: 200, json: detail };
        } catch (error) {
          return ambiguous(error);
        }
      },
    },
    {
      method: 'GET',
      path: '/api/runs/:id/logs/build',
      handle: async ({ params }) => {
        try {
          const run = await requireRun(params.id!);
          if (!run.build) throw new NotFoundError(`run ${run.id} has no build yet`);
          const file = buildLogPath(dataDir, run.build.buildId);
          const found = file
            ? await stat(file).then(
                (s) => s.isFile(),
                () => false,
              )
            : false;
          if (!file || !found) throw new NotFoundError(`no local build log for build ${run.build.buildId}`);
          return { statusCode: 200, contentType: 'text/plain; charset=utf-8', text: createReadStream(file) };
        } catch (error) {
          return ambiguous(error);
        }
      },
    },
  ];
}
