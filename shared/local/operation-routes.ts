import type { makeRedeploy } from '../app/redeploy.ts';
import { AmbiguousRunIdError, resolveRunId } from '../app/resolve-run-id.ts';
import type { RunOperations } from '../app/run-operations.ts';
import { parseActionBody } from '../http/operation-requests.ts';
import { performRunAction, RUN_ACTIONS } from '../http/run-actions.ts';
import type { Clock } from '../ports/clock.ts';
import type { RunStore } from '../ports/run-store.ts';
import { type ApiAccessDeps, actingAs } from './api-access.ts';
import type { Route, RouteRequest, RouteResult } from './http-server.ts';

export interface OperationRoutesDeps extends ApiAccessDeps {
  store: RunStore;
  clock: Clock;
  /** What the actions do: the run operations, and the redeploy that starts a new run. */
  operations: RunOperations & { redeploy: ReturnType<typeof makeRedeploy> };
}

/**
 * Local mode's routes for operating runs by hand — `POST /api/runs/:id/approve`, `/reject`,
 * `/retry`, `/cancel` with a JSON body `{ by?, comment?, reason? }` — over the same `RunOperations` as the
 * AWS `api` function. A run is named as everywhere (its short id, a unique start or tail, or the
 * whole id). Answers 200 with the run as the API shows it; 400 bad input (an ambiguous id lists
 * the candidates), 401 no or a wrong token, 403 not allowed, 404 no such run, 409 the action does
 * not fit the run (with its state).
 */
export function operationRoutes(deps: OperationRoutesDeps): Route[] {
  const { store, clock, operations } = deps;

  return RUN_ACTIONS.map(
    (action): Route => ({
      method: 'POST',
      path: `/api/runs/:id/${action}`,
      readBody: true,
      handle: async (request: RouteRequest): Promise<RouteResult> => {
        const actor = actingAs(request, deps);
        const body = parseActionBody(request.body);
        const by = actor(body.by);
        try {
          const runId = await resolveRunId(store, request.params.id!);
          return {
            statusCode: 200,
            json: await performRunAction(operations, action, runId, by, body, clock.now()),
          };
        } catch (error) {
          if (!(error instanceof AmbiguousRunIdError)) throw error;
          return { statusCode: 400, json: { error: error.message, candidates: error.candidates } };
        }
      },
    }),
  );
}
