import type { ManualRun } from '../app/manual-run.ts';
import { parseManualRunBody } from '../http/operation-requests.ts';
import { summariseRun } from '../http/run-views.ts';
import type { Clock } from '../ports/clock.ts';
import { type ApiAccessDeps, actingAs } from './api-access.ts';
import type { Route, RouteRequest, RouteResult } from './http-server.ts';

export interface ManualRunRoutesDeps extends ApiAccessDeps {
  clock: Clock;
  manualRun: ManualRun;
}

/**
 * Local mode's `POST /api/pipelines/:name/runs` with `{ ref, by?, repository? }`: starts a run of
 * the pipeline by hand for a branch, a tag or a commit (`makeManualRun`), answering 201 with
 * `{ run }`. Acting as the run actions do (shared/local/operation-routes.ts): JSON only, not from
 * another site, loopback or `PUSHLINE_TOKEN` — checked before the body is read. 400 no or a
 * malformed ref, 401/403 no or a wrong token, 404 no such pipeline, or no such ref in its
 * repository.
 */
export function manualRunRoutes(deps: ManualRunRoutesDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/pipelines/:name/runs',
      readBody: true,
      handle: async (request: RouteRequest): Promise<RouteResult> => {
        const actor = actingAs(request, deps);
        const body = parseManualRunBody(request.body);
        const run = await deps.manualRun.start(request.params.name!, {
          ref: body.ref,
          by: actor(body.by),
          ...(body.repository ? { repository: body.repository } : {}),
        });
        return { statusCode: 201, json: { run: summariseRun(run, deps.clock.now()) } };
      },
    },
  ];
}
