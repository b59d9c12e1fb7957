import {
  CodeDeployClient,
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';

const codedeploy = mockClient(CodeDeployClient);
const saved = { ...process.env };

/** The pipeline file as serverless.yml hands it over (its schema has no smokeChecks key yet). */
const PIPELINES = {
  pipelines: [
    {
      name: 'web',
      source: { github: 'acme/web' },
      staging: {
        codedeploy: {
          application: 'AppECS-web',
          deploymentGroup: 'DgpECS-web-staging',
          platform: 'ECS',
          container: 'web',
          containerPort: 8080,
        },
      },
    },
  ],
};

describe('lifecycle-hook handler', () => {
  let handler: (event: unknown, context: unknown) => Promise<{ status: string; reason: string }>;

  beforeAll(async () => {
    Object.assign(process.env, {
      PUSHLINE_TABLE: 'pushline-test',
      PUSHLINE_PIPELINES: JSON.stringify(PIPELINES),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    ({ handler } = (await import('../../../../functions/lifecycle-hook/handler.ts')) as never);
  });

  afterAll(() => {
    process.env = saved;
  });

  it('answers CodeDeploy for the deployment it was invoked for, within the Lambda time left', async () => {
    codedeploy.on(GetDeploymentCommand).resolves({
      deploymentInfo: { applicationName: 'AppECS-web', deploymentGroupName: 'DgpECS-web-staging' },
    });
    codedeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .resolves({ lifecycleEventHookExecutionId: 'exec-1' });

    const result = await handler(
      { DeploymentId: 'd-7K2B0V5WX', LifecycleEventHookExecutionId: 'exec-1' },
      { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'req-1' },
    );

    expect(result).toMatchObject({
      status: 'Succeeded',
      reason: 'AppECS-web/DgpECS-web-staging declares no smoke checks',
    });
    expect(codedeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand)[0]!.args[0].input).toEqual({
      deploymentId: 'd-7K2B0V5WX',
      lifecycleEventHookExecutionId: 'exec-1',
      status: 'Succeeded',
    });
  });
});
