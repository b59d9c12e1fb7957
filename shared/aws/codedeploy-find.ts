import {
  BatchGetDeploymentsCommand,
  type CodeDeployClient,
  type DeploymentInfo,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { asTransientAws } from './aws-errors.ts';
import { type DeploymentMarker, parseMarker, sameRequest } from './codedeploy-marker.ts';

/**
 * How far back the idempotency guard looks for a deployment of the same request. A retried
 * `Tests Passed` / `Staging Deployed` reaches the deployer within Lambda's maximum event age (6 h)
 * or EventBridge's retry window (24 h); the older deployments of a group cannot be the same request.
 */
export const LOOKBACK_HOURS = 24;

/** BatchGetDeployments takes at most 25 ids. */
const BATCH = 25;

/**
 * CodeDeploy's `CreateDeployment` has no idempotency token. This is the guard instead: before
 * creating a deployment, list the deployment group's deployments of the last day and look for one
 * whose description carries the same run, attempt and environment (`codedeploy-marker.ts`).
 * The store cannot be the guard, because the handler links the deployment id to the run only
 * after `CreateDeployment` returns: a crash (or a timeout) in between would leave a deployment the
 * store does not know, and the retry would deploy twice.
 */
export async function findDeployment(
  client: CodeDeployClient,
  group: { applicationName: string; deploymentGroupName: string },
  marker: DeploymentMarker,
  since: Date,
): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    let page: { deployments?: string[]; nextToken?: string };
    try {
      page = await client.send(
        new ListDeploymentsCommand({
          ...group,
          createTimeRange: { start: since },
          ...(nextToken ? { nextToken } : {}),
        }),
      );
    } catch (error) {
      throw asTransientAws(error, 'CodeDeploy ListDeployments');
    }
    const ids = page.deployments ?? [];
    for (let i = 0; i < ids.length; i += BATCH) {
      for (const info of await batchGet(client, ids.slice(i, i + BATCH))) {
        const found = parseMarker(info.description);
        if (found && sameRequest(found, marker) && info.deploymentId) return info.deploymentId;
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

async function batchGet(client: CodeDeployClient, deploymentIds: string[]): Promise<DeploymentInfo[]> {
  try {
    const { deploymentsInfo = [] } = await client.send(new BatchGetDeploymentsCommand({ deploymentIds }));
    return deploymentsInfo;
  } catch (error) {
    throw asTransientAws(error, 'CodeDeploy BatchGetDeployments');
  }
}
