import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import * as z from '../../events/zod-mini.ts';
import { CodeDeployLifecycle, type DeploymentGroupRef } from '../../shared/aws/codedeploy-lifecycle.ts';
import { smokeChecksOf } from '../../shared/aws/codedeploy-smoke-checks.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { lambdaHandler } from '../../shared/aws/lambda/lambda-handler.ts';
import { parseWith } from '../../shared/aws/lambda/lambda-inputs.ts';
import { type Fetch, makeLifecycleHook } from './lifecycle-hook.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const logger = new JsonLogger({ function: 'lifecycle-hook', stage: env.PUSHLINE_STAGE });
const targets = pipelineFileFromEnv(env).pipelines.flatMap((p) =>
  [p.staging.codedeploy, p.production.codedeploy].flatMap((t) => (t ? [t] : [])),
);

/** The smoke checks of the target deployed to `group`; `undefined` when no pipeline deploys there. */
function smokeChecks(group: DeploymentGroupRef) {
  const target = targets.find(
    (t) => t.application === group.application && t.deploymentGroup === group.deploymentGroup,
  );
  return target ? smokeChecksOf(target) : undefined;
}

const hook = makeLifecycleHook({
  codedeploy: new CodeDeployLifecycle({ client: new CodeDeployClient({}) }),
  fetch: fetch as unknown as Fetch,
  smokeChecks,
  logger,
});

/** Keeps the answer well inside the Lambda's own timeout. */
const MARGIN_MS = 5_000;
const MAX_DEADLINE_MS = 60_000;

/**
 * lifecycle-hook on AWS: CodeDeploy invokes it at the AppSpec hook the deployer named (smoke checks
 * of the target), and waits for its answer. See makeLifecycleHook: it always answers.
 */
/** What CodeDeploy invokes a lifecycle hook with: the deployment and the hook execution to answer. */
const LifecycleHookInvocation = z.looseObject({
  DeploymentId: z.string().check(z.minLength(1)),
  LifecycleEventHookExecutionId: z.string().check(z.minLength(1)),
});

export const handler = lambdaHandler(
  logger,
  parseWith(LifecycleHookInvocation, 'CodeDeploy lifecycle hook invocation'),
  async (event, context) => {
    const remaining = context.getRemainingTimeInMillis?.() ?? MAX_DEADLINE_MS + MARGIN_MS;
    return hook(event, { deadlineMs: Math.min(MAX_DEADLINE_MS, remaining - MARGIN_MS) });
  },
  (event) => ({ deploymentId: event.DeploymentId }),
);
