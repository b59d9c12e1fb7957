import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  ContinueDeploymentCommand,
  type ContinueDeploymentCommandInput,
  CreateDeploymentCommand,
  type CreateDeploymentCommandInput,
  DeploymentDoesNotExistException,
  type DeploymentInfo,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  type ListDeploymentsCommandInput,
  PutLifecycleEventHookExecutionStatusCommand,
  type PutLifecycleEventHookExecutionStatusCommandInput,
  StopDeploymentCommand,
  type StopDeploymentCommandInput,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { awsFixture, awsResponse } from '../../../contract/aws/support/aws-shapes.ts';
import { ACCOUNT, REGION } from './template-values.ts';

/** An AppSpec as the deployer writes it (AppSpec content, JSON). */
export interface AppSpec {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>[];
  Hooks?: Record<string, string>[];
}

/** A `CodeDeploy Deployment State-change Notification` as EventBridge delivers it. */
export type StateChangeEvent = {
  'detail-type': string;
  source: string;
  detail: Record<string, unknown>;
} & Record<string, unknown>;

/** The states of a `CodeDeploy Deployment State-change Notification`, with the status each leaves. */
const STATUS_AFTER = { SUCCESS: 'Succeeded', FAILURE: 'Failed', STOP: 'Stopped' } as const;

/**
 * CodeDeploy for the AWS-mode simulation: a mocked `CodeDeployClient` that keeps the deployments
 * it was asked to create and answers with AWS's documented response shapes (the deployment info
 * of `codedeploy-get-deployment-*.json`, never the AppSpec content, as GetDeployment does). A
 * `StopDeployment` with `autoRollbackEnabled` starts a rollback deployment that names the one it
 * replaces, as CodeDeploy does. The test decides when a deployment ends (`stateChange`).
 */
export class SimulatedCodeDeploy {
  readonly mock = mockClient(CodeDeployClient);
  readonly deployments = new Map<string, DeploymentInfo>();
  readonly appSpecs = new Map<string, AppSpec>();
  readonly created: CreateDeploymentCommandInput[] = [];
  readonly stopped: StopDeploymentCommandInput[] = [];
  readonly continued: ContinueDeploymentCommandInput[] = [];
  readonly hookAnswers: PutLifecycleEventHookExecutionStatusCommandInput[] = [];

  constructor() {
    this.mock.on(CreateDeploymentCommand).callsFake((input: CreateDeploymentCommandInput) => {
      this.created.push(input);
      const content = input.revision?.appSpecContent?.content;
      const appSpec = content ? (JSON.parse(content) as AppSpec) : undefined;
      const type = appSpec ? Object.values(appSpec.Resources[0] ?? {})[0]?.Type : undefined;
      const deploymentId = this.add({
        applicationName: input.applicationName,
        deploymentGroupName: input.deploymentGroupName,
        deploymentConfigName: input.deploymentConfigName ?? 'CodeDeployDefault.AllAtOnce',
        description: input.description,
        creator: 'user',
        computePlatform: type === 'AWS::ECS::Service' ? 'ECS' : type ? 'Lambda' : 'Server',
      });
      if (appSpec) this.appSpecs.set(deploymentId, appSpec);
      return { deploymentId };
    });
    this.mock.on(ListDeploymentsCommand).callsFake((input: ListDeploymentsCommandInput) => ({
      deployments: [...this.deployments.values()]
        .filter(
          (d) =>
            d.applicationName === input.applicationName &&
            d.deploymentGroupName === input.deploymentGroupName &&
            (!input.createTimeRange?.start || d.createTime! >= input.createTimeRange.start),
        )
        .map((d) => d.deploymentId!),
    }));
    this.mock.on(BatchGetDeploymentsCommand).callsFake(({ deploymentIds = [] }) => ({
      deploymentsInfo: deploymentIds.flatMap((id: string) => {
        const info = this.deployments.get(id);
        return info ? [structuredClone(info)] : [];
      }),
    }));
    this.mock.on(GetDeploymentCommand).callsFake(({ deploymentId }) => {
      const info = this.deployments.get(deploymentId);
      if (!info) {
        throw new DeploymentDoesNotExistException({
          message: `${deploymentId} does not exist`,
          $metadata: {},
        });
      }
      return { deploymentInfo: structuredClone(info) };
    });
    this.mock.on(StopDeploymentCommand).callsFake((input: StopDeploymentCommandInput) => {
      this.stopped.push(input);
      const original = this.deployments.get(input.deploymentId!)!;
      original.status = 'Stopped';
      if (input.autoRollbackEnabled) {
        const rollbackDeploymentId = this.add({
          applicationName: original.applicationName,
          deploymentGroupName: original.deploymentGroupName,
          deploymentConfigName: original.deploymentConfigName,
          computePlatform: original.computePlatform,
          creator: 'codeDeployRollback',
          rollbackInfo: {
            rollbackTriggeringDeploymentId: original.deploymentId,
            rollbackMessage: `Automatic rollback triggered by ${original.deploymentId}`,
          },
        });
        original.rollbackInfo = {
          rollbackDeploymentId,
          rollbackMessage: `Deployment stopped; rolled back by ${rollbackDeploymentId}`,
        };
      }
      return { status: 'Pending', statusMessage: 'Stop deployment request is pending' };
    });
    this.mock.on(ContinueDeploymentCommand).callsFake((input: ContinueDeploymentCommandInput) => {
      this.continued.push(input);
      return {};
    });
    this.mock
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .callsFake((input: PutLifecycleEventHookExecutionStatusCommandInput) => {
        this.hookAnswers.push(input);
        return { lifecycleEventHookExecutionId: input.lifecycleEventHookExecutionId };
      });
  }

  /** The last deployment created for a deployment group. */
  lastIn(deploymentGroupName: string): DeploymentInfo | undefined {
    return [...this.deployments.values()].filter((d) => d.deploymentGroupName === deploymentGroupName).at(-1);
  }

  /** The AppSpec hooks of a deployment: the lifecycle event and the function CodeDeploy invokes. */
  hooksOf(deploymentId: string): { event: string; functionArn: string }[] {
    return (this.appSpecs.get(deploymentId)?.Hooks ?? []).flatMap((hook) =>
      Object.entries(hook).map(([event, functionArn]) => ({ event, functionArn })),
    );
  }

  /** The deployment reaches `state`: its status changes and CodeDeploy's event (default bus) is returned. */
  stateChange(deploymentId: string, state: keyof typeof STATUS_AFTER | 'START'): StateChangeEvent {
    const info = this.deployments.get(deploymentId)!;
    if (state !== 'START') {
      info.status = STATUS_AFTER[state];
      info.completeTime = new Date();
    }
    const event = awsFixture<StateChangeEvent>('codedeploy-deployment-state-change');
    const application = info.applicationName!;
    return {
      ...event,
      id: `sim-codedeploy-${deploymentId}-${state}`,
      time: new Date().toISOString(),
      region: REGION,
      account: ACCOUNT,
      resources: [
        `arn:aws:codedeploy:${REGION}:${ACCOUNT}:application:${application}`,
        `arn:aws:codedeploy:${REGION}:${ACCOUNT}:deploymentgroup:${application}/${info.deploymentGroupName}`,
      ],
      detail: {
        ...event.detail,
        region: REGION,
        application,
        deploymentGroup: info.deploymentGroupName,
        deploymentId,
        state,
      },
    };
  }

  /** A deployment in the shape of AWS's documented GetDeployment answer, in progress. */
  private add(fields: Partial<DeploymentInfo>): string {
    const deploymentId = `d-SIM${String(this.deployments.size + 1).padStart(6, '0')}`;
    const { deploymentInfo: documented } = awsResponse<{ deploymentInfo: DeploymentInfo }>(
      'codedeploy-get-deployment-lambda-succeeded',
    );
    const { description: _none, completeTime: _notYet, ...base } = documented;
    this.deployments.set(deploymentId, {
      ...base,
      ...fields,
      deploymentId,
      status: 'InProgress',
      createTime: new Date(),
      startTime: new Date(),
      deploymentOverview: { Pending: 0, InProgress: 1, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 },
    });
    return deploymentId;
  }
}
