import type { DeploymentOutcome } from '../../ports/deployer.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Deployment } from './deployment.ts';
import { advance, DeploymentState } from './deployment-state.ts';

/** What an `OutcomeReporter` reports to, and when it must keep quiet. */
export interface OutcomeReporterOptions {
  /** The deployer's `onFinished`: awaited; a throw is logged, not retried. */
  onFinished: (outcome: DeploymentOutcome) => void | Promise<void>;
  /** True once the deployer is stopping: from then on nothing is reported. */
  isStopping: () => boolean;
  logger: Logger;
}

/**
 * Says how a deployment ended, through the deployer's `onFinished`. Always on a later turn of the
 * event loop, so the call that started the work (`deploy`, `startCanary`, `promote`) has returned
 * before its outcome arrives — a handler that records the start and then the end sees them in that
 * order. Never after the deployer began to stop: a shutdown is not a deployment's end.
 */
export class OutcomeReporter {
  constructor(private readonly options: OutcomeReporterOptions) {}

  /** Reports `outcome` (see above); never throws. */
  async report(outcome: DeploymentOutcome): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.options.isStopping()) return;
    try {
      await this.options.onFinished(outcome);
    } catch (error) {
      this.options.logger.error('onFinished failed for a local deployment', {
        outcome,
        error: String(error),
      });
    }
  }

  /**
   * Moves the deployment to `failed` at once (before the first await, so a caller that returns
   * right after sees it failed) and reports FAILED with the code and the reason.
   */
  fail(d: Deployment, errorCode: string, reason: string): Promise<void> {
    advance(d, DeploymentState.Failed);
    this.options.logger.warn('deployment failed', { deploymentId: d.id, errorCode, reason });
    return this.report({
      deploymentId: d.id,
      runId: d.runId,
      environment: d.environment,
      status: 'FAILED',
      errorCode,
      reason,
    });
  }
}
