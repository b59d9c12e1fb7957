import { conflictingPipeline, type PipelineOperations } from '../app/pipeline-operations.ts';
import { ForbiddenError, ValidationError } from '../domain/errors.ts';
import { authenticate, parseActionBody } from '../http/operation-requests.ts';
import type { Route, RouteRequest, RouteResult } from './http-server.ts';
import type { OperationRoutesDeps } from './operation-routes.ts';

export interface PipelineRoutesDeps extends Pick<OperationRoutesDeps, 'access' | 'defaultActor'> {
  operations: PipelineOperations;
}

/**
 * Who acts on the local API, once the request may act at all — the rules of the run actions
 * (shared/local/operation-routes.ts), checked before the body is read: JSON only and not from another site (on loopback any web page
 * could otherwise act through the browser), loopback or `PUSHLINE_TOKEN`, and refused outright when
 * the server listens beyond this machine without a token. The body's `by`, else the server's user.
 */
export function actingAs(
  request: RouteRequest,
  { access, defaultActor }: Pick<OperationRoutesDeps, 'access' | 'defaultActor'>,
): { by: (named: string | undefined) => string } {
  const site = request.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') {
    throw new ForbiddenError(`actions are not taken from another site (Sec-Fetch-Site: ${site})`);
  }
  if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
    throw new ValidationError('an action is sent as JSON: Content-Type: application/json');
  }
  if (access.kind === 'closed') {
    throw new ForbiddenError(
      'this server listens beyond this machine and has no PUSHLINE_TOKEN: set one to operate pipelines through it',
    );
  }
  if (access.kind === 'token')
    authenticate(request.headers.authorization, [{ name: 'local', token: access.token }]);
  return { by: (named) => named ?? defaultActor };
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
        const by = actor.by(body.by);
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
        const by = actor.by(parseActionBody(request.body).by);
        return answering(() => operations.unfreeze(request.params.name!, { by }));
      },
    },
  ];
}
