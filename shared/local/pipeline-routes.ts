import { conflictingPipeline, type PipelineOperations } from '../app/pipeline-operations.ts';
import { parseActionBody } from '../http/operation-requests.ts';
import { type ApiAccessDeps, actingAs } from './api-access.ts';
import type { Route, RouteResult } from './http-server.ts';

export interface PipelineRoutesDeps extends ApiAccessDeps {
  operations: PipelineOperations;
}

/** A refused freeze or unfreeze: 409 with the pipeline as it is. */
async function answering(action: () => Promise<unknown>): Promise<RouteResult> {
  try {
    return { statusCode: 200, json: { pipeline: await action() } };
  } catch (error) {
    const pipeline = conflictingPipeline(error);
    if (!pipeline) throw error;
    return { statusCode: 409, json: { error: (error as Error).message, pipeline } };
  }
}

/**
 * Local mode's pipeline routes, over the same `PipelineOperations` as the AWS `api` function:
 * `GET /api/pipelines` (each pipeline with its freeze, its windows, whether they are open and when
 * they next open), `POST /api/pipelines/:name/freeze` with `{ by?, reason }` and
 * `POST /api/pipelines/:name/unfreeze` with `{ by? }`. 200 with the pipeline; 400 no reason or a
 * bad body, 401/403 as for the run actions, 404 no such pipeline, 409 already frozen / not frozen
 * (with the pipeline).
 */
export function pipelineRoutes(deps: PipelineRoutesDeps): Route[] {
  const { operations } = deps;
  return [
    {
      method: 'GET',
      path: '/api/pipelines',
      handle: async () => ({ statusCode: 200, json: { pipelines: await operations.list() } }),
    },
    {
      method: 'POST',
      path: '/api/pipelines/:name/freeze',
      readBody: true,
      handle: async (request) => {
        const actor = actingAs(request, deps);
        const body = parseActionBody(request.body);
        const by = actor(body.by);
        const reason = body.reason ?? body.comment;
        return answering(() =>
          operations.freeze(request.params.name!, { by, ...(reason ? { reason } : {}) }),
        );
      },
    },
    {
      method: 'POST',
      path: '/api/pipelines/:name/unfreeze',
      readBody: true,
      handle: async (request) => {
        const actor = actingAs(request, deps);
        const by = actor(parseActionBody(request.body).by);
        return answering(() => operations.unfreeze(request.params.name!, { by }));
      },
    },
  ];
}
