import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CodeDeployDeployer } from './codedeploy-deployer.ts';
import type { DeployEnv } from './codedeploy-env.ts';
import { LambdaAliasReader } from './codedeploy-lambda-alias.ts';

// Only the deployer is built here: a function's role grants the SDK calls its import graph makes
// (the template check), so judge-canary builds its metrics source and scheduler itself.

export { DeployEnv, readEnv, SchedulerEnv } from './codedeploy-env.ts';

/** The CodeDeploy deployer with its clients (CodeDeploy, and Lambda for aliases). */
export function codeDeployDeployer(env: DeployEnv, client = new CodeDeployClient({})): CodeDeployDeployer {
  return new CodeDeployDeployer({
    client,
    aliases: new LambdaAliasReader({ client: new LambdaClient({}) }),
    ...(env.PUSHLINE_ARTIFACTS_BUCKET ? { artifactsBucket: env.PUSHLINE_ARTIFACTS_BUCKET } : {}),
    ...(env.PUSHLINE_LIFECYCLE_HOOK_ARN ? { lifecycleHookArn: env.PUSHLINE_LIFECYCLE_HOOK_ARN } : {}),
  });
}
