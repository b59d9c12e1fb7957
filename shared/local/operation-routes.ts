import type { makeRedeploy } from '../app/redeploy.ts';
import { AmbiguousRunIdError, resolveRunId } from '../app/resolve-run-id.ts';
import type { RunOperations } from '../app/run-operations.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { authenticate, parseActionBody } from '../http/operation-requests.ts';
import { performRunAction, RUN_ACTIONS } from '../http/run-actions.ts';
import type { Clock } from '../ports/clock.ts';
import type { RunStore } from '../ports/run-store.ts';
import type { Route, RouteRequest, RouteResult } from './http-server.ts';

export interface OperationRoutesDeps {
  store: RunStore;
  clock: Clock;
  /** What the actions do: the run operations, and the redeploy that starts a new run. */
  operations: RunOperations & { redeploy: ReturnType<typeof makeRedeploy> };
  /**
   * Who may operate runs. `loopback`: anyone who reaches the server (it listens on this machine
   * only). `token`: a request must carry `Authorization: Bearer <PUSHLINE_TOKEN>`. `closed`: the
   * server listens beyond this machine and has no token — every action is refused, saying so.
   */
  access: { kind: 'loopback' } | { kind: 'token'; token: string } | { kind: 'closed' };
  /** Who acts when the request does not say (`by`): the user running the server. */
  defaultActor: string;
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

  const actor = (request: RouteRequest, by: string | undefined) => actorOf(request, deps, by);

  async function runIdOf(text: string): Promise<string> {
    try {
      return await resolveRunId(store, text);
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError(`run ${text} does not exist`);
      throw error;
    }
  }

  return RUN_ACTIONS.map(
    (action): Route => ({
      method: 'POST',
      path: `/api/runs/:id/${action}`,
      readBody: true,
      handle: async (request: RouteRequest): Promise<RouteResult> => {
        refuseCrossSite(request);
        const body = parseActionBody(request.body);
        const by = actor(request, body.by);
        try {
          const runId = await runIdOf(request.params.id!);
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

/**
 * Who acts, once the request may act at all (closed: refused; token: `Authorization: Bearer`
 * checked): the body's `by`, else the server's user. Every local route that acts calls it.
 */
export function actorOf(
  request: RouteRequest,
  { access, defaultActor }: Pick<OperationRoutesDeps, 'access' | 'defaultActor'>,
  by: string | undefined,
): string {
  if (access.kind === 'closed') {
    throw new ForbiddenError(
      'this server listens beyond this machine and has no PUSHLINE_TOKEN: set one to operate runs through it',
    );
  }
  if (access.kind === 'token')
    authenticate(request.headers.authorization, [{ name: 'local', token: access.token }]);
  return by ?? defaultActor;
}

/**
 * On loopback anyone on this machine may act — and so could any web page open in their browser,
 * with a form or a `text/plain` fetch that needs no preflight. An action must come as JSON (a
 * cross-site JSON request needs a CORS preflight, which this server never grants), and a browser
 * that says the request comes from another site is refused outright.
 */
export function refuseCrossSite(request: RouteRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') {
    throw new ForbiddenError(`actions are not taken from another site (Sec-Fetch-Site: ${site})`);
  }
  if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
    throw new ValidationError('an action is sent as JSON: Content-Type: application/json');
  }
}
