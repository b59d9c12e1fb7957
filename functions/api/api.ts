import type { ManualRun } from '../../shared/app/manual-run.ts';
import { conflictingPipeline, makePipelineOperations } from '../../shared/app/pipeline-operations.ts';
import { makeRedeploy } from '../../shared/app/redeploy.ts';
import { AmbiguousRunIdError, resolveRunId } from '../../shared/app/resolve-run-id.ts';
import { makeRunOperations, type RunOperationsDeps } from '../../shared/app/run-operations.ts';
import { NotFoundError, ValidationError } from '../../shared/domain/errors.ts';
import type { PushlineFile } from '../../shared/domain/pipeline-config.ts';
import { describeError, errorResponse } from '../../shared/http/error-response.ts';
import {
  type ApiToken,
  authenticate,
  parseActionBody,
  parseManualRunBody,
} from '../../shared/http/operation-requests.ts';
import { performRunAction, type RunAction } from '../../shared/http/run-actions.ts';
import { describeRun, listRuns, parseRunQuery, summariseRun } from '../../shared/http/run-views.ts';
import type { WebhookResponse } from '../../shared/http/webhook.ts';
import type { Logger } from '../../shared/ports/logger.ts';
import { type ApiRequest, matchRoute } from './router.ts';
import { API_ROUTES, type ApiRouteName } from './routes.ts';

export interface ApiDeps extends Omit<RunOperationsDeps, 'logger'> {
  /** The tokens that may use the API, each with the name its actions are recorded under. */
  tokens: () => Promise<readonly ApiToken[]>;
  /** The pipeline file's pipelines, for `GET /api/pipelines`. */
  file: () => Pick<PushlineFile, 'pipelines'>;
  /** Runs started by hand (`POST /api/pipelines/{name}/runs`): the ref resolved on the Git host. */
  manualRun: Pick<ManualRun, 'start'>;
}

/** What a route is given: the request, its path parameters, and who is asking (the token's name). */
interface RouteCall {
  request: ApiRequest;
  params: Record<string, string>;
  by: string;
  logger: Logger;
}

type RouteHandler = (call: RouteCall) => Promise<WebhookResponse>;

/**
 * The AWS `api` function's logic: `GET /api/runs`, `GET /api/runs/{id}`,
 * `POST /api/runs/{id}/approve|reject|retry|cancel|redeploy`, `GET /api/pipelines` and
 * `POST /api/pipelines/{name}/freeze|unfreeze` (`PipelineOperations`), `POST /api/pipelines/{name}/runs`
 * (a manual run, `makeManualRun`), with the same views (shared/http/run-views.ts) and
 * the same `RunOperations` as local mode's server, so a client (the CLI) cannot tell them apart.
 *
 * Every request needs `Authorization: Bearer <token>`; it is checked first, before the route, the
 * body or a run is read, and a missing or wrong token is 401. The token's name is who acts: the
 * `by` of a body is ignored (a token names the actor; a body could name anyone). Errors answer by
 * `statusForError` (400, 403, 404, 409 with the run's state, 503), an ambiguous short id 400 with
 * its candidates; never a stack trace. One log line per request says the route, the run and who —
 * never a header or the body.
 */
export function makeApi(deps: ApiDeps) {
  const { store, clock } = deps;

  /** An action on a run: the body parsed, the run named, the operation called with the token's name. */
  const action =
    (name: RunAction): RouteHandler =>
    async ({ request, params, by, logger }) => {
      const body = parseActionBody(request.body);
      const runId = await resolveRunId(store, params.id!);
      const operations = {
        ...makeRunOperations({ ...deps, logger }),
        redeploy: makeRedeploy({ ...deps, logger }),
      };
      return {
        statusCode: 200,
        body: await performRunAction(operations, name, runId, by, body, clock.now()),
      };
    };

  const routes: Record<ApiRouteName, RouteHandler> = {
    list: async ({ request }) => ({
      statusCode: 200,
      body: await listRuns(store, parseRunQuery(request.query), clock.now()),
    }),
    show: async ({ params }) => {
      const detail = await describeRun(store, params.id!, clock.now());
      if (!detail) throw new NotFoundError(`run ${params.id} does not exist`);
      return { statusCode: 200, body: { ...detail } };
    },
    approve: action('approve'),
    reject: action('reject'),
    retry: action('retry'),
    cancel: action('cancel'),
    redeploy: action('redeploy'),
    pipelines: async ({ logger }) => ({
      statusCode: 200,
      body: { pipelines: await makePipelineOperations({ ...deps, logger }).list() },
    }),
    freeze: async ({ request, params, by, logger }) => {
      const body = parseActionBody(request.body);
      const reason = body.reason ?? body.comment;
      const pipeline = await makePipelineOperations({ ...deps, logger }).freeze(params.name!, {
        by,
        ...(reason ? { reason } : {}),
      });
      return { statusCode: 200, body: { pipeline } };
    },
    'manual-run': async ({ request, params, by }) => {
      const body = parseManualRunBody(request.body);
      if (body.repository) {
        throw new ValidationError(
          'repository is a local-mode field: on AWS the pipeline file names the repository (source)',
        );
      }
      const run = await deps.manualRun.start(params.name!, { ref: body.ref, by });
      return { statusCode: 201, body: { run: summariseRun(run, clock.now()) } };
    },
    unfreeze: async ({ request, params, by, logger }) => {
      parseActionBody(request.body);
      const pipeline = await makePipelineOperations({ ...deps, logger }).unfreeze(params.name!, { by });
      return { statusCode: 200, body: { pipeline } };
    },
  };

  return async function api(request: ApiRequest, logger: Logger): Promise<WebhookResponse> {
    const match = matchRoute(API_ROUTES, request.method, request.path);
    const route = match ? `${match.route.method} ${match.route.path}` : request.method.toUpperCase();
    const runId = match?.params.id;
    let by: string | undefined;
    let response: WebhookResponse;
    try {
      // Who asks, before anything else: no token, no read (not even of the tokens).
      const authorization = request.headers.authorization;
      by = authenticate(authorization, authorization ? await deps.tokens() : []);
      if (!match) throw new NotFoundError(`no route ${request.method.toUpperCase()} ${request.path}`);
      response = await routes[match.route.name]({ request, params: match.params, by, logger });
    } catch (error) {
      response = errorResponse(error);
      // An ambiguous short id lists its candidates, so a client can offer them.
      if (error instanceof AmbiguousRunIdError) response.body.candidates = error.candidates;
      // A refused freeze or unfreeze says what the pipeline's state is.
      const pipeline = conflictingPipeline(error);
      if (pipeline) response.body.pipeline = pipeline;
      if (response.statusCode >= 500)
        logger.error('api request failed', { route, runId, by, error: describeError(error) });
    }
    logger.info('api request', {
      route,
      ...(runId ? { runId } : {}),
      ...(match?.params.name ? { pipeline: match.params.name } : {}),
      ...(by ? { by } : {}),
      statusCode: response.statusCode,
    });
    return response;
  };
}

export type Api = ReturnType<typeof makeApi>;
