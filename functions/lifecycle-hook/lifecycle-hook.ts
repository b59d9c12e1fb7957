import type { DeploymentGroupRef } from '../../shared/aws/codedeploy-lifecycle.ts';
import type { SmokeCheck } from '../../shared/aws/codedeploy-smoke-checks.ts';
import { type Logger, silentLogger } from '../../shared/ports/logger.ts';
import { type Fetch, runSmokeChecks, type SmokeResult } from './run-smoke-checks.ts';

export type { Fetch, SmokeResult } from './run-smoke-checks.ts';

/** What CodeDeploy sends a lifecycle hook function. */
export interface LifecycleHookEvent {
  DeploymentId: string;
  LifecycleEventHookExecutionId: string;
}

/** The CodeDeploy calls the hook makes (`CodeDeployLifecycle`). */
export interface LifecycleHookCodeDeploy {
  deploymentGroupOf(deploymentId: string): Promise<DeploymentGroupRef | undefined>;
  putStatus(input: {
    deploymentId: string;
    lifecycleEventHookExecutionId: string;
    status: 'Succeeded' | 'Failed';
  }): Promise<void>;
}

export interface LifecycleHookDeps {
  codedeploy: LifecycleHookCodeDeploy;
  fetch: Fetch;
  /** The smoke checks of the pipeline target deployed to a group; `undefined`: no pipeline targets it. */
  smokeChecks: (group: DeploymentGroupRef) => readonly SmokeCheck[] | undefined;
  logger?: Logger;
  now?: () => number;
}

export interface LifecycleHookResult {
  status: 'Succeeded' | 'Failed';
  reason: string;
  results: SmokeResult[];
}

/** Time kept back from the deadline to send the answer itself. */
const ANSWER_MS = 3_000;

/**
 * lifecycle-hook: CodeDeploy waits (up to an hour) for this function's answer before it goes on
 * with a deployment. It runs the smoke checks of the pipeline target deployed to the deployment's
 * group and answers `PutLifecycleEventHookExecutionStatus`: `Succeeded` when every check answered
 * its expected status, otherwise `Failed` (CodeDeploy then fails the deployment, and rolls it back
 * when the group says so).
 *
 * It ALWAYS answers — when a check throws or times out, when the deployment cannot be read, when
 * no pipeline targets the group — and it answers before `deadlineMs` (well under the Lambda
 * timeout), so a deployment never hangs on it. Only a failure to send the answer itself is thrown,
 * so that Lambda retries the function.
 */
export function makeLifecycleHook(
  deps: LifecycleHookDeps,
): (event: LifecycleHookEvent, options?: { deadlineMs?: number }) => Promise<LifecycleHookResult> {
  const log = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;

  async function decide(
    event: LifecycleHookEvent,
    deadline: number,
  ): Promise<Omit<LifecycleHookResult, 'status'> & { ok: boolean }> {
    const group = await beforeDeadline(deps.codedeploy.deploymentGroupOf(event.DeploymentId), deadline, now);
    if (!group) return { ok: false, reason: `deployment ${event.DeploymentId} was not found`, results: [] };
    const checks = deps.smokeChecks(group);
    const where = `${group.application}/${group.deploymentGroup}`;
    if (!checks) return { ok: false, reason: `no pipeline deploys to ${where}`, results: [] };
    if (checks.length === 0) return { ok: true, reason: `${where} declares no smoke checks`, results: [] };
    const results = await runSmokeChecks(checks, deps.fetch, deadline, now);
    const failed = results.filter((r) => !r.ok);
    const reason =
      failed.length === 0
        ? `${results.length} smoke check${results.length === 1 ? '' : 's'} passed`
        : failed.map((r) => `${r.url}: ${r.detail}`).join('; ');
    return { ok: failed.length === 0, reason, results };
  }

  return async (event, options = {}) => {
    const deadline = now() + Math.max(0, (options.deadlineMs ?? 60_000) - ANSWER_MS);
    let outcome: Omit<LifecycleHookResult, 'status'> & { ok: boolean };
    try {
      outcome = await decide(event, deadline);
    } catch (error) {
      outcome = { ok: false, reason: error instanceof Error ? error.message : String(error), results: [] };
    }
    const status = outcome.ok ? 'Succeeded' : 'Failed';
    const context = {
      deploymentId: event.DeploymentId,
      status,
      reason: outcome.reason,
      results: outcome.results,
    };
    (outcome.ok ? log.info : log.warn).call(log, 'answering the CodeDeploy lifecycle hook', context);
    await deps.codedeploy.putStatus({
      deploymentId: event.DeploymentId,
      lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
      status,
    });
    return { status, reason: outcome.reason, results: outcome.results };
  };
}

/** `work`, or a rejection when it has not settled by `deadline`. */
async function beforeDeadline<T>(work: Promise<T>, deadline: number, now: () => number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('timed out reading the deployment')),
      Math.max(0, deadline - now()),
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
