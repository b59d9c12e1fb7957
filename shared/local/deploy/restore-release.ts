import { ValidationError } from '../../domain/errors.ts';
import type { DeployRequest, Environment } from '../../ports/deployer.ts';
import { type Deployment, deploymentIdOf } from './deployment.ts';
import { advance, DeploymentState } from './deployment-state.ts';
import type { SlotContext } from './slot-context.ts';
import { artifactsProblem } from './start-problems.ts';

/** A slot that can serve a release again after a restart (staging and production both can). */
export interface RestorableSlot {
  readonly environment: Environment;
  /** The state a restored release is in once it serves: asking for it again answers from it. */
  readonly servingState: DeploymentState;
  /** Why the slot cannot take the release now (no local target, it serves another), if it cannot. */
  refuseRestore(request: DeployRequest): string | undefined;
  /** Starts the registered release from artifacts that exist, and makes it the one the slot serves. */
  bringBack(d: Deployment, request: DeployRequest): Promise<void>;
  /** After a failed restore: lets go of whatever the slot set up for it and serves nothing with. */
  abandon(d: Deployment): Promise<void>;
}

/**
 * After a restart: starts a release that a slot served when the previous server stopped, under
 * the deployment id it had, without events and without `onFinished`. Both restores take this one
 * path: the release is registered before the first await, so a second call for it waits for this
 * one instead of starting it twice, and answers the same (idempotent); `stopAll` waits for it like
 * for any other start. Throws `ValidationError` (refused by the slot, no artifacts) or what the
 * start threw; then nothing of it is left running.
 */
export async function restoreRelease(
  ctx: SlotContext,
  slot: RestorableSlot,
  request: DeployRequest,
): Promise<{ deploymentId: string; url: string }> {
  const ofSlot = { ...request, environment: slot.environment };
  const id = deploymentIdOf(ofSlot);
  const existing = ctx.deployments.get(id);
  if (existing) {
    await existing.ready;
    if (existing.state !== slot.servingState) {
      throw new ValidationError(`release ${id} is ${existing.state}, not ${slot.servingState}`);
    }
    return { deploymentId: id, url: existing.url! };
  }
  const refusal = slot.refuseRestore(ofSlot);
  if (refusal) throw new ValidationError(refusal);

  const d = ctx.deployments.register(ofSlot, id);
  const work = (async () => {
    const problem = await artifactsProblem(ofSlot);
    if (problem) throw new ValidationError(problem);
    await slot.bringBack(d, ofSlot);
  })();
  d.ready = ctx.tasks.settle(work);
  try {
    await work;
    return { deploymentId: id, url: d.url! };
  } catch (error) {
    advance(d, DeploymentState.Failed);
    await ctx.apps.stop(id);
    await slot.abandon(d);
    throw error;
  }
}
