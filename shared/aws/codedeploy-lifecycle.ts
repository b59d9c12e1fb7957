import {
  type CodeDeployClient,
  type LifecycleEventStatus,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { asTransientAws } from './aws-errors.ts';
import { getDeployment } from './codedeploy-get.ts';

/** A deployment's application and deployment group, which name the pipeline target it deploys. */
export interface DeploymentGroupRef {
  application: string;
  deploymentGroup: string;
}

/**
 * What the lifecycle-hook function asks of CodeDeploy: which deployment group a deployment
 * belongs to (`GetDeployment`), and the hook's answer (`PutLifecycleEventHookExecutionStatus`).
 */
export class CodeDeployLifecycle {
  private readonly client: CodeDeployClient;

  constructor({ client }: { client: CodeDeployClient }) {
    this.client = client;
  }

  async deploymentGroupOf(deploymentId: string): Promise<DeploymentGroupRef | undefined> {
    const info = await getDeployment(this.client, deploymentId);
    if (!info?.applicationName || !info.deploymentGroupName) return undefined;
    return { application: info.applicationName, deploymentGroup: info.deploymentGroupName };
  }

  /**
   * Answers the hook. An answer CodeDeploy no longer wants (the lifecycle event already ended,
   * for instance after a retry of this function) is not an error.
   */
  async putStatus(input: {
    deploymentId: string;
    lifecycleEventHookExecutionId: string;
    status: Extract<LifecycleEventStatus, 'Succeeded' | 'Failed'>;
  }): Promise<void> {
    try {
      await this.client.send(new PutLifecycleEventHookExecutionStatusCommand(input));
    } catch (error) {
      if (error instanceof Error && error.name === 'LifecycleEventAlreadyCompletedException') return;
      throw asTransientAws(error, 'CodeDeploy PutLifecycleEventHookExecutionStatus');
    }
  }
}
