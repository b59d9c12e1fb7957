import type { makeRedeploy } from '../app/redeploy.ts';
import type { RunOperations } from '../app/run-operations.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { ActionBody } from './operation-requests.ts';
import { summariseRun } from './run-views.ts';

/** The actions on one run, as both modes' APIs route them: `POST /api/runs/:id/<action>`. */
export const RUN_ACTIONS = ['approve', 'reject', 'retry', 'cancel', 'redeploy'] as const;
export type RunAction = (typeof RUN_ACTIONS)[number];
type Redeploy = ReturnType<typeof makeRedeploy>;

/**
 * Carries out `action` on `runId` as `by`, with what the body says (a comment for an approval, a
 * reason otherwise — either field is taken), and answers as both APIs do: `{ run }`, for a
 * cancel what it stopped and what it could not, for a redeploy the NEW run. The one place the answer's shape is decided.
 */
export async function performRunAction(
  operations: RunOperations & { redeploy?: Redeploy },
  action: RunAction,
  runId: string,
  by: string,
  body: ActionBody,
  now: Date,
): Promise<Record<string, unknown>> {
  const comment = body.comment ?? body.reason;
  const reason = body.reason ?? body.comment;
  switch (action) {
    case 'approve':
      return {
        run: summariseRun(await operations.approve(runId, { by, ...(comment ? { comment } : {}) }), now),
      };
    case 'reject':
      return {
        run: summariseRun(await operations.reject(runId, { by, ...(reason ? { reason } : {}) }), now),
      };
    case 'retry':
      return { run: summariseRun(await operations.retry(runId, { by, ...(reason ? { reason } : {}) }), now) };
    case 'cancel': {
      const result = await operations.cancel(runId, { by, ...(reason ? { reason } : {}) });
      return { run: summariseRun(result.run, now), stopped: result.stopped, notStopped: result.notStopped };
    }
    case 'redeploy': {
      if (!operations.redeploy) throw new NotFoundError('redeploy is not served here');
      // The answer is the new run; `redeployOf` names the run whose release it takes back.
      const redeployed = await operations.redeploy(runId, {
        by,
        ...(reason ? { reason } : {}),
        ...(body.skipCanary ? { skipCanary: true } : {}),
      });
      return { run: summariseRun(redeployed, now), redeployOf: runId };
    }
  }
}
