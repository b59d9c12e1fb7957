import { readFileSync } from 'node:fs';
import {
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  DeploymentDoesNotExistException,
  type DeploymentInfo,
  GetDeploymentCommand,
  LifecycleEventAlreadyCompletedException,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CodeDeployDeploymentStateChange } from '../../../events/aws.ts';
import { CodeDeployLifecycle } from '../../../shared/aws/codedeploy-lifecycle.ts';
import { CodeDeployOutcomeReader } from '../../../shared/aws/codedeploy-outcome.ts';
import { TransientError } from '../../../shared/domain/errors.ts';

const codedeploy = mockClient(CodeDeployClient);
const client = new CodeDeployClient({ region: 'us-east-1' });
const RUN = '01JP9ZMQ6R7C0VV1EG6MGAF6HH';

/** A documented response (test/fixtures/aws/<name>.json) with the wire's epoch seconds as `Date`s. */
function fixture<T>(name: string): T {
  const json = readFileSync(new URL(`../../fixtures/aws/${name}.json`, import.meta.url), 'utf8');
  const dates = new Set(['createTime', 'startTime', 'completeTime', 'lastUpdatedAt', 'endTime']);
  return JSON.parse(json, (key, value) =>
    dates.has(key) && typeof value === 'number' ? new Date(value * 1000) : value,
  ) as T;
}
const info = (name: string): DeploymentInfo =>
  fixture<{ deploymentInfo: DeploymentInfo }>(name).deploymentInfo;

/** The documented state-change event, for another deployment and state. */
function stateChange(deploymentId: string, state: string) {
  const event = fixture<{ detail: Record<string, unknown> }>('codedeploy-deployment-state-change');
  return CodeDeployDeploymentStateChange.parse({
    ...event,
    detail: { ...event.detail, deploymentId, state },
  });
}

describe('CodeDeployOutcomeReader', () => {
  const reader = new CodeDeployOutcomeReader({ client });

  beforeEach(() => {
    codedeploy.reset();
  });

  it('reads a succeeded deployment of Pushline as the run, environment and SUCCEEDED', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: info('codedeploy-get-deployment-lambda-succeeded') });

    const reading = await reader.read(stateChange('d-QA4G4F9EX', 'SUCCESS'));

    expect(codedeploy.commandCalls(GetDeploymentCommand)[0]!.args[0].input).toEqual({
      deploymentId: 'd-QA4G4F9EX',
    });
    expect(reading).toEqual({
      kind: 'outcome',
      outcome: { deploymentId: 'd-QA4G4F9EX', runId: RUN, environment: 'production', status: 'SUCCEEDED' },
    });
    expect(codedeploy.commandCalls(ListDeploymentTargetsCommand)).toHaveLength(0);
  });

  it('names the failed lifecycle hook and target of a failed deployment, with the error code', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: info('codedeploy-get-deployment-ecs-failed') });
    codedeploy.on(ListDeploymentTargetsCommand).resolves(fixture('codedeploy-list-deployment-targets'));
    codedeploy
      .on(BatchGetDeploymentTargetsCommand)
      .resolves(fixture('codedeploy-batch-get-deployment-targets-ecs'));

    const reading = await reader.read(stateChange('d-7K2B0V5WX', 'FAILURE'));

    expect(codedeploy.commandCalls(ListDeploymentTargetsCommand)[0]!.args[0].input).toEqual({
      deploymentId: 'd-7K2B0V5WX',
      targetFilters: { TargetStatus: ['Failed'] },
    });
    expect(codedeploy.commandCalls(BatchGetDeploymentTargetsCommand)[0]!.args[0].input).toEqual({
      deploymentId: 'd-7K2B0V5WX',
      targetIds: ['web-cluster:web-service'],
    });
    expect(reading).toEqual({
      kind: 'outcome',
      outcome: {
        deploymentId: 'd-7K2B0V5WX',
        runId: RUN,
        environment: 'staging',
        status: 'FAILED',
        errorCode: 'HOOK_EXECUTION_FAILURE',
        reason:
          'The deployment failed because one or more of the lifecycle event hook executions failed.; ' +
          'AfterAllowTestTraffic failed on web-cluster:web-service: ScriptFailed: The lifecycle hook CodeDeployHook_pushline-prod reported Failed.',
      },
    });
  });

  it('counts the failed targets it does not name', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: info('codedeploy-get-deployment-ecs-failed') });
    codedeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['i-1', 'i-2', 'i-3', 'i-4', 'i-5'] });
    codedeploy.on(BatchGetDeploymentTargetsCommand).resolves({ deploymentTargets: [] });

    const reading = await reader.read(stateChange('d-7K2B0V5WX', 'FAILURE'));

    expect(codedeploy.commandCalls(BatchGetDeploymentTargetsCommand)[0]!.args[0].input.targetIds).toEqual([
      'i-1',
      'i-2',
      'i-3',
    ]);
    expect(reading.kind === 'outcome' && reading.outcome.reason).toMatch(/and 2 more failed targets$/);
  });

  it('waits for the rollback deployment of a failed one, then reports the original as rolled back', async () => {
    const failed = { ...info('codedeploy-get-deployment-ecs-failed'), status: 'Stopped' as const };
    failed.rollbackInfo = { rollbackDeploymentId: 'd-ROLLBACK1', rollbackMessage: 'Rollback in progress' };
    failed.errorInformation = { code: 'MANUAL_STOP', message: 'The deployment was stopped by the user.' };
    const rollback: DeploymentInfo = {
      deploymentId: 'd-ROLLBACK1',
      status: 'Succeeded',
      description: 'Rollback deployment of d-7K2B0V5WX',
      rollbackInfo: { rollbackTriggeringDeploymentId: 'd-7K2B0V5WX' },
    };
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: 'd-7K2B0V5WX' })
      .resolves({ deploymentInfo: failed })
      .on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK1' })
      .resolves({ deploymentInfo: rollback });

    const first = await reader.read(stateChange('d-7K2B0V5WX', 'STOP'));
    const second = await reader.read(stateChange('d-ROLLBACK1', 'SUCCESS'));

    expect(first).toEqual({
      kind: 'ignored',
      reason: 'rollback d-ROLLBACK1 is under way; its end decides the outcome',
    });
    expect(second).toEqual({
      kind: 'outcome',
      outcome: {
        deploymentId: 'd-7K2B0V5WX',
        runId: RUN,
        environment: 'staging',
        status: 'STOPPED',
        rolledBack: true,
        errorCode: 'MANUAL_STOP',
        reason: 'The deployment was stopped by the user.; rolled back by d-ROLLBACK1',
      },
    });
    expect(codedeploy.commandCalls(ListDeploymentTargetsCommand)).toHaveLength(0);
  });

  it('reports a rollback that failed as a failure of the original deployment, not rolled back', async () => {
    const original = { ...info('codedeploy-get-deployment-lambda-succeeded'), status: 'Failed' as const };
    original.errorInformation = { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated.' };
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: 'd-QA4G4F9EX' })
      .resolves({ deploymentInfo: original })
      .on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK2' })
      .resolves({
        deploymentInfo: {
          deploymentId: 'd-ROLLBACK2',
          status: 'Failed',
          errorInformation: { code: 'INTERNAL_ERROR', message: 'An internal error occurred.' },
          rollbackInfo: { rollbackTriggeringDeploymentId: 'd-QA4G4F9EX' },
        },
      });
    codedeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: [] });

    const reading = await reader.read(stateChange('d-ROLLBACK2', 'FAILURE'));

    expect(reading).toEqual({
      kind: 'outcome',
      outcome: {
        deploymentId: 'd-QA4G4F9EX',
        runId: RUN,
        environment: 'production',
        status: 'FAILED',
        rolledBack: false,
        errorCode: 'ALARM_ACTIVE',
        reason:
          'One or more alarms have been activated.; and its rollback d-ROLLBACK2 failed: An internal error occurred.',
      },
    });
  });

  it('ignores deployments Pushline did not start, unknown ones, and states that end nothing', async () => {
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: 'd-BYHAND000' })
      .resolves({
        deploymentInfo: { deploymentId: 'd-BYHAND000', status: 'Succeeded', description: 'hotfix' },
      })
      .on(GetDeploymentCommand, { deploymentId: 'd-GONE00000' })
      .rejects(new DeploymentDoesNotExistException({ message: 'no such deployment', $metadata: {} }));

    const readings = [
      await reader.read(stateChange('d-BYHAND000', 'SUCCESS')),
      await reader.read(stateChange('d-GONE00000', 'FAILURE')),
      await reader.read(stateChange('d-QA4G4F9EX', 'START')),
      await reader.read(stateChange('d-QA4G4F9EX', 'READY')),
    ];

    expect(readings.map((r) => r.kind)).toEqual(['ignored', 'ignored', 'ignored', 'ignored']);
    expect(codedeploy.commandCalls(GetDeploymentCommand)).toHaveLength(2);
  });

  it('throws TransientError when CodeDeploy throttles, so the event is retried', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(reader.read(stateChange('d-QA4G4F9EX', 'SUCCESS'))).rejects.toBeInstanceOf(TransientError);
  });
});

describe('CodeDeployLifecycle', () => {
  const lifecycle = new CodeDeployLifecycle({ client });

  beforeEach(() => {
    codedeploy.reset();
  });

  it('reads the deployment group of a deployment', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: info('codedeploy-get-deployment-ecs-failed') });

    await expect(lifecycle.deploymentGroupOf('d-7K2B0V5WX')).resolves.toEqual({
      application: 'AppECS-web',
      deploymentGroup: 'DgpECS-web-staging',
    });
  });

  it('answers the hook, and takes an answer to a hook that already ended as given', async () => {
    codedeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .resolvesOnce({ lifecycleEventHookExecutionId: 'exec-1' })
      .rejectsOnce(
        new LifecycleEventAlreadyCompletedException({ message: 'already completed', $metadata: {} }),
      );
    const answer = {
      deploymentId: 'd-7K2B0V5WX',
      lifecycleEventHookExecutionId: 'exec-1',
      status: 'Failed' as const,
    };

    await lifecycle.putStatus(answer);
    await lifecycle.putStatus(answer);

    expect(codedeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand)[0]!.args[0].input).toEqual(
      answer,
    );
  });
});
