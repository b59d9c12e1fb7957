import { readFileSync } from 'node:fs';
import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  DeploymentAlreadyCompletedException,
  DeploymentGroupDoesNotExistException,
  type DeploymentInfo,
  DeploymentIsNotInReadyStateException,
  DeploymentLimitExceededException,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CodeDeployDeployer } from '../../../shared/aws/codedeploy-deployer.ts';
import { LambdaAliasReader } from '../../../shared/aws/codedeploy-lambda-alias.ts';
import { ConfigError, NotFoundError, TransientError } from '../../../shared/domain/errors.ts';
import { PipelineConfig } from '../../../shared/domain/pipeline-config.ts';
import type { DeployRequest } from '../../../shared/ports/deployer.ts';

const codedeploy = mockClient(CodeDeployClient);
const lambda = mockClient(LambdaClient);
const client = new CodeDeployClient({ region: 'us-east-1' });
const NOW = new Date('2025-03-14T09:27:00.000Z');
const clock = { now: () => NOW };
const RUN = '01JP9ZMQ6R7C0VV1EG6MGAF6HH';
const COMMIT = '7c3f9a1e5b2d4c8f0a6e9b1d3f5a7c9e2b4d6f80';
const TASK_DEF = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:42';
const HOOK_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:CodeDeployHook_pushline-prod';

/** A documented response (test/fixtures/aws/<name>.json) with the wire's epoch seconds as `Date`s. */
function fixture<T>(name: string): T {
  const json = readFileSync(new URL(`../../fixtures/aws/${name}.json`, import.meta.url), 'utf8');
  const dates = new Set(['createTime', 'startTime', 'completeTime', 'lastUpdatedAt', 'endTime']);
  return JSON.parse(json, (key, value) =>
    dates.has(key) && typeof value === 'number' ? new Date(value * 1000) : value,
  ) as T;
}
const deploymentInfo = (name: string) => fixture<{ deploymentInfo: DeploymentInfo }>(name).deploymentInfo;

const ecs = PipelineConfig.parse({
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
  production: {
    codedeploy: {
      application: 'AppECS-web',
      deploymentGroup: 'DgpECS-web-production',
      platform: 'ECS',
      deploymentConfig: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      container: 'web',
      containerPort: 8080,
    },
    // An ECS canary reads CloudWatch and needs a request count (the pipeline-file rules).
    canary: {
      metrics: [
        {
          name: 'requests',
          cloudwatch: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCountPerTarget' },
          min: 1,
        },
      ],
    },
  },
});
const lambdaPipeline = PipelineConfig.parse({
  name: 'orders',
  source: { github: 'acme/orders' },
  production: {
    codedeploy: {
      application: 'orders-api',
      deploymentGroup: 'orders-api-production',
      platform: 'Lambda',
      deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      functionName: 'orders-api',
      alias: 'live',
    },
  },
});
const server = PipelineConfig.parse({
  name: 'legacy',
  source: { github: 'acme/legacy' },
  staging: { codedeploy: { application: 'legacy', deploymentGroup: 'legacy-staging', platform: 'Server' } },
});

function request(
  pipeline: PipelineConfig,
  environment: 'staging' | 'production',
  artifacts: Partial<DeployRequest['artifacts']> = {},
): DeployRequest {
  return {
    runId: RUN,
    attempt: 1,
    pipeline,
    environment,
    commit: COMMIT,
    artifacts: { files: [], exportedVariables: {}, ...artifacts },
  };
}
const created = () => codedeploy.commandCalls(CreateDeploymentCommand).map((c) => c.args[0].input);
const appSpecOf = (input: ReturnType<typeof created>[number]) =>
  JSON.parse(input.revision?.appSpecContent?.content ?? 'null');

describe('CodeDeployDeployer', () => {
  const deployer = new CodeDeployDeployer({
    client,
    clock,
    aliases: new LambdaAliasReader({ client: new LambdaClient({ region: 'us-east-1' }) }),
  });

  beforeEach(() => {
    codedeploy.reset();
    lambda.reset();
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    codedeploy.on(CreateDeploymentCommand).resolves(fixture('codedeploy-create-deployment'));
  });

  it('deploys an ECS build to staging all at once with the exported task definition', async () => {
    const result = await deployer.deploy(
      request(ecs, 'staging', { exportedVariables: { TASK_DEFINITION_ARN: TASK_DEF } }),
    );

    expect(result).toEqual({ deploymentId: 'd-A1B2C3D4E' });
    expect(codedeploy.commandCalls(ListDeploymentsCommand)[0]!.args[0].input).toEqual({
      applicationName: 'AppECS-web',
      deploymentGroupName: 'DgpECS-web-staging',
      createTimeRange: { start: new Date('2025-03-13T09:27:00.000Z') },
    });
    const [input] = created();
    expect({ ...input, revision: undefined }).toEqual({
      applicationName: 'AppECS-web',
      deploymentGroupName: 'DgpECS-web-staging',
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      description: `Pushline staging deployment of 7c3f9a1 [pushline run=${RUN} attempt=1 env=staging]`,
      revision: undefined,
    });
    expect(input!.revision?.revisionType).toBe('AppSpecContent');
    expect(appSpecOf(input!)).toEqual({
      version: 0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: {
              TaskDefinition: TASK_DEF,
              LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 8080 },
            },
          },
        },
      ],
    });
  });

  it('starts a production canary with the target configuration and the environment-specific variable', async () => {
    await deployer.startCanary({
      ...request(ecs, 'production', {
        exportedVariables: { TASK_DEFINITION_ARN: TASK_DEF, PRODUCTION_TASK_DEFINITION_ARN: `${TASK_DEF}0` },
      }),
      trafficPercent: 10,
    });

    const [input] = created();
    expect(input!.deploymentConfigName).toBe('CodeDeployDefault.ECSCanary10Percent5Minutes');
    expect(input!.deploymentGroupName).toBe('DgpECS-web-production');
    expect(appSpecOf(input!).Resources[0].TargetService.Properties.TaskDefinition).toBe(`${TASK_DEF}0`);
  });

  it('deploys production all at once for an emergency, whatever configuration the target names', async () => {
    await deployer.startCanary({
      ...request(ecs, 'production', { exportedVariables: { TASK_DEFINITION_ARN: TASK_DEF } }),
      trafficPercent: 100,
      allAtOnce: true,
    });

    const [input] = created();
    expect(input!.deploymentConfigName).toBe('CodeDeployDefault.ECSAllAtOnce');
    expect(input!.deploymentGroupName).toBe('DgpECS-web-production');
  });

  it('deploys a Lambda version against the alias version read with GetAlias, and marks both', async () => {
    lambda.on(GetAliasCommand).resolves({
      AliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-api:live',
      Name: 'live',
      FunctionVersion: '12',
    });

    await deployer.startCanary({
      ...request(lambdaPipeline, 'production', { exportedVariables: { FUNCTION_VERSION: '13' } }),
      trafficPercent: 10,
    });

    expect(lambda.commandCalls(GetAliasCommand)[0]!.args[0].input).toEqual({
      FunctionName: 'orders-api',
      Name: 'live',
    });
    const [input] = created();
    expect(input!.description).toBe(
      `Pushline production deployment of 7c3f9a1 [pushline run=${RUN} attempt=1 env=production current=12 target=13]`,
    );
    expect(input!.deploymentConfigName).toBe('CodeDeployDefault.LambdaCanary10Percent5Minutes');
    expect(appSpecOf(input!)).toEqual({
      version: 0,
      Resources: [
        {
          'orders-api': {
            Type: 'AWS::Lambda::Function',
            Properties: { Name: 'orders-api', Alias: 'live', CurrentVersion: '12', TargetVersion: '13' },
          },
        },
      ],
    });
  });

  it('adds the lifecycle hook to the AppSpec of a target that declares smoke checks', async () => {
    const withChecks = structuredClone(ecs);
    Object.assign(withChecks.staging.codedeploy!, {
      smokeChecks: [{ url: 'https://test.example.com/healthz' }],
    });
    const hooked = new CodeDeployDeployer({ client, clock, lifecycleHookArn: HOOK_ARN });

    await hooked.deploy(
      request(withChecks, 'staging', { exportedVariables: { TASK_DEFINITION_ARN: TASK_DEF } }),
    );
    await hooked.deploy(request(ecs, 'staging', { exportedVariables: { TASK_DEFINITION_ARN: TASK_DEF } }));

    const [first, second] = created();
    expect(appSpecOf(first!).Hooks).toEqual([{ AfterAllowTestTraffic: HOOK_ARN }]);
    expect(appSpecOf(second!).Hooks).toBeUndefined();
  });

  it('deploys a Server target from the build artifacts in S3, given as a CodeBuild ARN or a bare key', async () => {
    const bucketed = new CodeDeployDeployer({ client, clock, artifactsBucket: 'pushline-artifacts' });

    await bucketed.deploy(
      request(server, 'staging', { location: 'arn:aws:s3:::codebuild-out/legacy/7c3f9a1e.zip' }),
    );
    await bucketed.deploy(request(server, 'staging', { location: 'legacy/7c3f9a1e.tar.gz' }));

    expect(created().map((c) => c.revision)).toEqual([
      {
        revisionType: 'S3',
        s3Location: { bucket: 'codebuild-out', key: 'legacy/7c3f9a1e.zip', bundleType: 'zip' },
      },
      {
        revisionType: 'S3',
        s3Location: { bucket: 'pushline-artifacts', key: 'legacy/7c3f9a1e.tar.gz', bundleType: 'tgz' },
      },
    ]);
    expect(created()[0]!.deploymentConfigName).toBe('CodeDeployDefault.AllAtOnce');
  });

  it('returns the deployment of the same run, attempt and environment instead of creating another', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `d-${String(i).padStart(9, '0')}`);
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ids });
    const ours = {
      deploymentId: ids[27],
      description: `Pushline staging deployment of 7c3f9a1 [pushline run=${RUN} attempt=1 env=staging]`,
    };
    const otherAttempt = {
      deploymentId: ids[3],
      description: `… [pushline run=${RUN} attempt=2 env=staging]`,
    };
    codedeploy
      .on(BatchGetDeploymentsCommand)
      .resolvesOnce({ deploymentsInfo: [otherAttempt, { deploymentId: ids[4], description: 'by hand' }] })
      .resolvesOnce({ deploymentsInfo: [ours] });

    const result = await deployer.deploy(
      request(ecs, 'staging', { exportedVariables: { TASK_DEFINITION_ARN: TASK_DEF } }),
    );

    expect(result).toEqual({ deploymentId: ids[27] });
    expect(
      codedeploy.commandCalls(BatchGetDeploymentsCommand).map((c) => c.args[0].input.deploymentIds),
    ).toEqual([ids.slice(0, 25), ids.slice(25)]);
    expect(created()).toHaveLength(0);
  });

  it('finds a racing twin when the group refuses a second deployment, and retries later otherwise', async () => {
    const busy = () =>
      new DeploymentLimitExceededException({
        message: 'The Deployment Group already has an active Deployment',
        $metadata: {},
      });
    codedeploy.on(CreateDeploymentCommand).rejects(busy());
    codedeploy
      .on(ListDeploymentsCommand)
      .resolvesOnce({ deployments: [] })
      .resolvesOnce(fixture('codedeploy-list-deployments'))
      .resolves({ deployments: [] });
    codedeploy.on(BatchGetDeploymentsCommand).resolves({
      deploymentsInfo: [
        deploymentInfo('codedeploy-get-deployment-lambda-succeeded'),
        { deploymentId: 'd-8J5N2K4QW', description: `[pushline run=${RUN} attempt=1 env=staging]` },
        { deploymentId: 'd-R7T3Y6U9P', description: 'hotfix by hand' },
      ],
    });
    const staging = request(ecs, 'staging', { exportedVariables: { TASK_DEFINITION_ARN: TASK_DEF } });

    await expect(deployer.deploy(staging)).resolves.toEqual({ deploymentId: 'd-8J5N2K4QW' });
    await expect(deployer.deploy(staging)).rejects.toBeInstanceOf(TransientError);
  });

  it('refuses, before any CodeDeploy call, a build that exported no task definition or function version', async () => {
    await expect(deployer.deploy(request(ecs, 'staging'))).rejects.toThrow(
      /ECS deployments need the build to export TASK_DEFINITION_ARN \(or STAGING_TASK_DEFINITION_ARN\)/,
    );
    await expect(
      deployer.startCanary({ ...request(lambdaPipeline, 'production'), trafficPercent: 10 }),
    ).rejects.toBeInstanceOf(ConfigError);
    await expect(deployer.deploy(request(lambdaPipeline, 'staging'))).rejects.toThrow(
      /staging\.codedeploy: required/,
    );
    expect(created()).toHaveLength(0);
  });

  it('maps a missing deployment group to NotFoundError and a missing alias to NotFoundError', async () => {
    codedeploy.on(CreateDeploymentCommand).rejects(
      new DeploymentGroupDoesNotExistException({
        message: 'No Deployment Group found for name: DgpECS-web-staging',
        $metadata: {},
      }),
    );
    lambda
      .on(GetAliasCommand)
      .rejects(new ResourceNotFoundException({ message: 'Alias not found', $metadata: {}, Type: 'User' }));

    await expect(
      deployer.deploy(request(ecs, 'staging', { exportedVariables: { TASK_DEFINITION_ARN: TASK_DEF } })),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      deployer.startCanary({
        ...request(lambdaPipeline, 'production', { exportedVariables: { FUNCTION_VERSION: '13' } }),
        trafficPercent: 10,
      }),
    ).rejects.toThrow('Lambda alias orders-api:live does not exist');
  });

  it('promotes a blue/green deployment that waits, and leaves a shifting or finished one alone', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .resolvesOnce({ deploymentInfo: { deploymentId: 'd-1', status: 'Ready' } })
      .resolvesOnce({
        deploymentInfo: {
          deploymentId: 'd-2',
          status: 'InProgress',
          instanceTerminationWaitTimeStarted: true,
        },
      })
      .resolvesOnce({ deploymentInfo: { deploymentId: 'd-3', status: 'InProgress' } })
      .resolvesOnce({ deploymentInfo: deploymentInfo('codedeploy-get-deployment-lambda-succeeded') });
    codedeploy.on(ContinueDeploymentCommand).resolves({});

    for (const id of ['d-1', 'd-2', 'd-3', 'd-QA4G4F9EX']) await deployer.promote(id);

    expect(codedeploy.commandCalls(GetDeploymentCommand).map((c) => c.args[0].input)).toEqual(
      ['d-1', 'd-2', 'd-3', 'd-QA4G4F9EX'].map((deploymentId) => ({ deploymentId })),
    );
    expect(codedeploy.commandCalls(ContinueDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { deploymentId: 'd-1', deploymentWaitType: 'READY_WAIT' },
      { deploymentId: 'd-2', deploymentWaitType: 'TERMINATION_WAIT' },
    ]);
  });

  it('treats a deployment that left its wait before ContinueDeployment as promoted', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: { deploymentId: 'd-1', status: 'Ready' } });
    codedeploy
      .on(ContinueDeploymentCommand)
      .rejects(new DeploymentIsNotInReadyStateException({ message: 'not in ready state', $metadata: {} }));

    await expect(deployer.promote('d-1')).resolves.toBeUndefined();
  });

  it('rolls back with StopDeployment and automatic rollback; an ended deployment is left alone', async () => {
    codedeploy
      .on(StopDeploymentCommand)
      .resolvesOnce({
        status: 'Pending',
        statusMessage: 'Stopping Pending. Stopping to schedule commands in the deployment instances',
      })
      .rejectsOnce(
        new DeploymentAlreadyCompletedException({
          message: 'The deployment d-1 is already completed',
          $metadata: {},
        }),
      )
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await deployer.rollback('d-1', 'canary unhealthy');
    await deployer.rollback('d-1', 'canary unhealthy');
    await expect(deployer.rollback('d-1', 'canary unhealthy')).rejects.toBeInstanceOf(TransientError);

    expect(codedeploy.commandCalls(StopDeploymentCommand)[0]!.args[0].input).toEqual({
      deploymentId: 'd-1',
      autoRollbackEnabled: true,
    });
  });
});
