import { type CodeDeployClient, type DeploymentInfo, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { asTransientAws } from './aws-errors.ts';
import { type DeploymentMarker, parseMarker } from './codedeploy-marker.ts';

// GetDeployment alone, in its own file: the functions that only read a deployment (judge-canary,
// lifecycle-hook) import it without the deployer's other calls (their roles grant what they import).

/** A deployment's details, or `undefined` when CodeDeploy does not know it. */
export async function getDeployment(
  client: CodeDeployClient,
  deploymentId: string,
): Promise<DeploymentInfo | undefined> {
  try {
    const { deploymentInfo } = await client.send(new GetDeploymentCommand({ deploymentId }));
    return deploymentInfo;
  } catch (error) {
    if (error instanceof Error && error.name === 'DeploymentDoesNotExistException') return undefined;
    throw asTransientAws(error, 'CodeDeploy GetDeployment');
  }
}

/** The marker of a deployment, read once per id (a deployment's description never changes). */
export class DeploymentMarkers {
  private readonly cache = new Map<string, Promise<DeploymentMarker | undefined>>();

  constructor(private readonly client: CodeDeployClient) {}

  of(deploymentId: string): Promise<DeploymentMarker | undefined> {
    let cached = this.cache.get(deploymentId);
    if (!cached) {
      cached = getDeployment(this.client, deploymentId).then((info) => parseMarker(info?.description));
      // A failed read is not remembered: the next check tries again.
      cached.catch(() => this.cache.delete(deploymentId));
      this.cache.set(deploymentId, cached);
    }
    return cached;
  }
}
