import * as z from 'zod';
import { formatIssues } from '../../events/parse.ts';
import type { ManualRun } from '../app/manual-run.ts';
import { ValidationError } from '../domain/errors.ts';
import { summariseRun } from '../http/run-views.ts';
import type { Clock } from '../ports/clock.ts';
import { type ApiAccessDeps, actingAs } from './api-access.ts';
import type { Route, RouteRequest, RouteResult } from './http-server.ts';

export interface ManualRunRoutesDeps extends ApiAccessDeps {
  clock: Clock;
  manualRun: ManualRun;
}

/** `{ ref, by?, repository? }`: what to run, who starts it, and where the repository is when no run says. */
export const ManualRunBody = z.strictObject({
  ref: z.string().trim().min(1, 'a branch, a tag or a commit id is required').max(255),
  by: z.string().trim().min(1).max(200).optional(),
  repository: z.string().trim().min(1).max(2000).optional(),
});
export type ManualRunBody = z.output<typeof ManualRunBody>;

/** The body of a manual run, or a `ValidationError` saying what is wrong. */
export function parseManualRunBody(body: Buffer): ManualRunBody {
  const text = body.toString('utf8').trim();
  let json: unknown = {};
  try {
    if (text !== '') json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`the body is not JSON: ${(error as Error).message}`);
  }
  const parsed = ManualRunBody.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(`the body is not a manual run: ${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
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
