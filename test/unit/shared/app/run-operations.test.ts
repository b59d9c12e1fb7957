import { describe, expect, it } from '@jest/globals';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../../../shared/domain/errors.ts';
import { createChoreography } from '../../../support/choreography.ts';
import { commitOf, pipelineConfig } from '../../../support/runs.ts';

const PEOPLE = {
  'Priya Natarajan': { slack: 'U024BE7LH', github: 'priya-n' },
  'Tomás Ferreira': { github: 'tferreira' },
};

function gated(approvers: string[] = ['Priya Natarajan']) {
  return createChoreography({
    pipelines: [
      pipelineConfig({
        production: {
          local: { start: 'node server.js', port: 4000 },
          approval: { approvers, timeout: '2h' },
          canary: { traffic: 10, interval: '60s', bake: '3m', minRequests: 10 },
        },
      }),
    ],
    people: PEOPLE,
  });
}

/** A run pushed and taken as far as it goes by itself: to the gate. */
async function atTheGate(flow: ReturnType<typeof gated>) {
  const runId = await flow.push();
  await flow.settle();
  return runId;
}

describe('the approval gate in the choreography', () => {
  it('stops a run at the gate after staging: approval running, the canary not started', async () => {
    // Prepare
    const flow = gated();

    // Act
    const runId = await atTheGate(flow);

    // Assess
    const run = await flow.run(runId);
    expect(run.status).toBe('running');
    expect(run.stages.approval.status).toBe('running');
    expect(run.approval).toEqual({ approvers: ['Priya Natarajan'], timeoutSeconds: 7200 });
    expect(flow.deployer.distinct('startCanary')).toEqual([]);
    const requested = flow.dispatched.find((e) => e.detailType === 'Approval Requested');
    expect(requested?.detail.data).toMatchObject({ stagingUrl: 'http://localhost:4100' });
  });

  it('goes on to production once approved, with who approved by name (a Slack id maps to its person)', async () => {
    // Prepare
    const flow = gated();
    const runId = await atTheGate(flow);

    // Act
    await flow.operations.approve(runId, { by: 'U024BE7LH', comment: 'looks good on staging' });
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(run.status).toBe('succeeded');
    expect(run.stages.approval.status).toBe('succeeded');
    expect(run.approval?.decision).toMatchObject({
      verdict: 'approved',
      by: 'Priya Natarajan',
      comment: 'looks good on staging',
    });
    expect(await flow.history(runId)).toEqual([
      'Run Started',
      'Build Started',
      'Tests Passed',
      'Staging Started',
      'Staging Deployed',
      'Approval Requested',
      'Approved',
      'Canary Started',
      'Canary Healthy',
      'Production Deployed',
      'Run Finished',
    ]);
  });

  it('ends the run failed on a rejection, saying who and why; production is never touched', async () => {
    // Prepare
    const flow = gated();
    const runId = await atTheGate(flow);

    // Act
    await flow.operations.reject(runId, { by: 'Priya Natarajan', reason: 'the banner is wrong' });
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(run.status).toBe('failed');
    expect(run.reason).toBe('rejected by Priya Natarajan: the banner is wrong');
    expect(run.stages.approval).toMatchObject({ status: 'failed' });
    expect(run.stages.canary.status).toBe('skipped');
    expect(flow.deployer.distinct('startCanary')).toEqual([]);
  });

  it('refuses a decision from someone who is not an approver, and leaves the gate waiting', async () => {
    // Prepare
    const flow = gated();
    const runId = await atTheGate(flow);

    // Act
    const refused = flow.operations.approve(runId, { by: 'tferreira' });

    // Assess
    await expect(refused).rejects.toBeInstanceOf(ForbiddenError);
    await expect(refused).rejects.toThrow(
      `Tomás Ferreira may not decide on run ${runId}: the approvers are Priya Natarajan`,
    );
    expect((await flow.run(runId)).stages.approval.status).toBe('running');
  });

  it('lets anyone decide when the gate names no approvers', async () => {
    // Prepare
    const flow = gated([]);
    const runId = await atTheGate(flow);

    // Act
    const run = await flow.operations.approve(runId, { by: 'someone-else' });

    // Assess
    expect(run.approval?.decision?.by).toBe('someone-else');
  });

  it('refuses with the run state what does not fit: a second decision, a run that has ended', async () => {
    // Prepare
    const flow = gated();
    const runId = await atTheGate(flow);
    await flow.operations.approve(runId, { by: 'Priya Natarajan' });

    // Act
    const again = flow.operations.reject(runId, { by: 'Priya Natarajan', reason: 'changed my mind' });

    // Assess
    await expect(again).rejects.toBeInstanceOf(ConflictError);
    await expect(again).rejects.toMatchObject({
      message: `run ${runId} is not waiting for approval (approval is succeeded)`,
      context: { run: { id: runId, status: 'running', stages: { approval: 'succeeded' } } },
    });
    await flow.settle();
    await expect(flow.operations.approve(runId, { by: 'Priya Natarajan' })).rejects.toThrow(
      `run ${runId} has ended (succeeded); there is nothing to decide`,
    );
  });

  it('refuses a rejection without a reason, and an unknown run', async () => {
    // Prepare
    const flow = gated();
    const runId = await atTheGate(flow);

    // Act / Assess
    await expect(flow.operations.reject(runId, { by: 'Priya Natarajan', reason: '  ' })).rejects.toThrow(
      new ValidationError('a reason is required'),
    );
    await expect(flow.operations.approve('01NOSUCHRUN', { by: 'Priya Natarajan' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('times the gate out through the watchdog: the run ends timed_out', async () => {
    // Prepare
    const flow = gated();
    const runId = await atTheGate(flow);

    // Act
    flow.clock.advance(2 * 3600 * 1000 + 1000);
    const report = await flow.watchdog();
    await flow.settle();

    // Assess
    expect(report.timedOut).toEqual([{ runId, stage: 'approval' }]);
    const run = await flow.run(runId);
    expect(run.status).toBe('timed_out');
    expect(run.stages.approval.status).toBe('timed_out');
  });

  it('supersedes the run waiting at the gate when a newer one reaches it', async () => {
    // Prepare
    const flow = gated();
    const older = await atTheGate(flow);

    // Act
    const newer = await atTheGate(flow);

    // Assess
    expect((await flow.run(older)).status).toBe('superseded');
    expect((await flow.run(older)).reason).toContain(`superseded by run ${newer}`);
    expect((await flow.run(newer)).stages.approval.status).toBe('running');
  });
});

describe('the gate under queue', () => {
  it('keeps the next run waiting behind the one at the gate, and builds it once that one is done', async () => {
    // Prepare: a pipeline that queues its runs, with a gate
    const flow = createChoreography({
      pipelines: [
        pipelineConfig({
          concurrency: 'queue',
          production: {
            local: { start: 'node server.js', port: 4000 },
            approval: { approvers: [] },
            canary: { traffic: 10, interval: '60s', bake: '3m', minRequests: 10 },
          },
        }),
      ],
    });
    const first = await atTheGate(flow as ReturnType<typeof gated>);

    // Act: a second push while the first waits at the gate
    const second = await flow.push('web', commitOf(2));
    await flow.settle();

    // Assess: the second waits its turn; approving the first lets it build and reach the gate
    expect((await flow.run(first)).stages.approval.status).toBe('running');
    expect((await flow.run(second)).stages.build.status).toBe('pending');
    expect(flow.builder.started).toEqual([`build-${first}-1`]);

    await flow.operations.approve(first, { by: 'Priya' });
    await flow.settle();

    expect((await flow.run(first)).status).toBe('succeeded');
    expect((await flow.run(second)).stages.approval.status).toBe('running');
    expect(flow.builder.started).toEqual([`build-${first}-1`, `build-${second}-1`]);
  });
});

describe('cancel', () => {
  it('cancels a run waiting at the gate: who and why, nothing to stop', async () => {
    // Prepare
    const flow = gated();
    const runId = await atTheGate(flow);

    // Act
    const result = await flow.operations.cancel(runId, { by: 'priya-n', reason: 'wrong branch' });

    // Assess
    expect(result.stopped).toEqual([]);
    expect(result.run.status).toBe('cancelled');
    expect(result.run.reason).toBe('cancelled by Priya Natarajan: wrong branch');
    expect(result.run.stages.approval.status).toBe('skipped');
  });

  it('stops the build of a run cancelled while it builds', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig()], build: () => 'hang' });
    const runId = await flow.push();
    await flow.settle();

    // Act
    const result = await flow.operations.cancel(runId, { by: 'Priya Natarajan' });

    // Assess
    const buildId = (await flow.run(runId)).build!.buildId;
    expect(result.stopped).toEqual([buildId]);
    expect(flow.builder.stops).toEqual([{ buildId, reason: 'cancelled by Priya Natarajan' }]);
    expect(result.run).toMatchObject({ status: 'cancelled', reason: 'cancelled by Priya Natarajan' });
  });

  it('rolls back the canary of a run cancelled during it; what the rollback reports later changes nothing', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig()] });
    const runId = await flow.push();
    await flow.until(async () => (await flow.run(runId)).stages.canary.status === 'running');
    const canary = (await flow.run(runId)).canary!.deploymentId;

    // Act
    await flow.operations.cancel(runId, { by: 'Priya Natarajan', reason: 'bad timing' });
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(flow.deployer.distinct('rollback')).toEqual([canary]);
    expect(run.status).toBe('cancelled');
    expect(run.stages.canary.status).toBe('skipped');
    expect(flow.deployer.completions).toEqual([]);
    expect(await flow.history(runId)).not.toContain('Rolled Back');
    expect(run.reason).toBe('cancelled by Priya Natarajan: bad timing');
  });

  it('refuses to cancel a run that has ended, with its state', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig()] });
    const runId = await flow.push();
    await flow.settle();

    // Act / Assess
    await expect(flow.operations.cancel(runId, { by: 'Priya Natarajan' })).rejects.toMatchObject({
      name: 'ConflictError',
      message: `run ${runId} has already ended (succeeded)`,
    });
  });
});

describe('retry', () => {
  it('retries a build that failed for a passing reason: attempt 2 builds again and goes to production', async () => {
    // Prepare: the first build fails (the registry timed out), the second passes
    let builds = 0;
    const flow = createChoreography({
      pipelines: [pipelineConfig()],
      build: () => (++builds === 1 ? { status: 'FAILED', reason: 'npm ERR! network timeout' } : {}),
    });
    const runId = await flow.push();
    await flow.settle();

    // Act
    const retried = await flow.operations.retry(runId, { by: 'priya-n', reason: 'the registry was down' });
    await flow.settle();

    // Assess
    expect(retried).toMatchObject({ status: 'running', attempt: 2 });
    const run = await flow.run(runId);
    expect(run).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(flow.builder.started).toEqual([`build-${runId}-1`, `build-${runId}-2`]);
    const history = await flow.history(runId);
    expect(history.slice(0, 6)).toEqual([
      'Run Started',
      'Build Started',
      'Build Failed',
      'Run Finished',
      'Run Retried',
      'Build Started',
    ]);
    expect(history.at(-1)).toBe('Run Finished');
  });

  it('retries a failed staging deployment without building again, reusing the build', async () => {
    // Prepare: staging fails once
    let deployments = 0;
    const flow = createChoreography({
      pipelines: [pipelineConfig()],
      deploy: () => (++deployments === 1 ? { status: 'FAILED', reason: 'port 4100 in use' } : {}),
    });
    const runId = await flow.push();
    await flow.settle();
    const failed = await flow.run(runId);

    // Act
    await flow.operations.retry(runId, { by: 'Priya Natarajan' });
    await flow.settle();

    // Assess
    expect(failed.status).toBe('failed');
    const run = await flow.run(runId);
    expect(run.status).toBe('succeeded');
    expect(flow.builder.started).toEqual([`build-${runId}-1`]);
    expect(flow.deployer.distinct('deploy')).toEqual([`staging-${runId}-1`, `staging-${runId}-2`]);
  });

  it('refuses to retry a run that succeeded or is still running, with its state', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig()], build: () => 'hang' });
    const running = await flow.push();
    await flow.settle();

    // Act / Assess
    await expect(flow.operations.retry(running, { by: 'Priya Natarajan' })).rejects.toMatchObject({
      name: 'ConflictError',
      message: `run ${running} is running; only a failed or timed-out run can be retried`,
      context: { run: { status: 'running' } },
    });
  });

  it('retries a gate that timed out: the new attempt asks for approval again', async () => {
    // Prepare
    const flow = gated();
    const runId = await atTheGate(flow);
    flow.clock.advance(2 * 3600 * 1000 + 1000);
    await flow.watchdog();
    await flow.settle();

    // Act
    await flow.operations.retry(runId, { by: 'Priya Natarajan' });
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(run).toMatchObject({ status: 'running', attempt: 2 });
    expect(run.stages.approval.status).toBe('running');
    expect(flow.deployer.distinct('deploy')).toEqual([`staging-${runId}-1`]);
  });
});

describe('redeploy', () => {
  it("takes an earlier run's release back to production as a new run, without building again", async () => {
    // Prepare: two releases in production
    const flow = createChoreography({ pipelines: [pipelineConfig()] });
    const first = await flow.push('web', commitOf(1));
    await flow.settle();
    await flow.push('web', commitOf(2));
    await flow.settle();

    // Act
    const redeployed = await flow.operations.redeploy(first, { by: 'priya-n' });
    await flow.settle();

    // Assess
    const run = await flow.run(redeployed.id);
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'redeploy', redeployOf: first, by: 'priya-n' });
    expect(run.source.commit).toBe(commitOf(1));
    expect(run.build?.buildId).toBe(`build-${first}-1`);
    expect(flow.builder.started).toHaveLength(2);
    expect(await flow.history(redeployed.id)).toEqual([
      'Run Started',
      'Staging Started',
      'Staging Deployed',
      'Canary Started',
      'Canary Healthy',
      'Production Deployed',
      'Run Finished',
    ]);
  });

  it('refuses a run whose build did not pass, and an unknown run', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig()], build: () => ({ status: 'FAILED' }) });
    const failed = await flow.push();
    await flow.settle();

    // Act / Assess
    await expect(flow.operations.redeploy(failed, { by: 'Priya' })).rejects.toMatchObject({
      name: 'ConflictError',
      message: `run ${failed} has no build to deploy (its build did not pass)`,
    });
    await expect(flow.operations.redeploy('01NOSUCHRUN', { by: 'Priya' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('an emergency redeploy (--skip-canary)', () => {
  it('goes to production all at once, staging and the canary skipped, and says so in the log', async () => {
    // Prepare: two releases in production
    const flow = createChoreography({ pipelines: [pipelineConfig()] });
    const first = await flow.push('web', commitOf(1));
    await flow.settle();
    await flow.push('web', commitOf(2));
    await flow.settle();

    // Act
    const redeployed = await flow.operations.redeploy(first, { by: 'Priya Natarajan', skipCanary: true });
    await flow.settle();

    // Assess
    const run = await flow.run(redeployed.id);
    expect(run).toMatchObject({ status: 'succeeded', skipCanary: true });
    expect(run.stages.staging).toMatchObject({
      status: 'skipped',
      reason: 'an emergency redeploy by Priya Natarajan (--skip-canary) skips staging',
    });
    expect(run.stages.canary).toMatchObject({
      status: 'skipped',
      reason:
        'canary skipped: an emergency redeploy by Priya Natarajan (--skip-canary) takes all traffic at once',
    });
    expect(flow.deployer.canaries.at(-1)).toEqual({
      id: `canary-${redeployed.id}-1`,
      trafficPercent: 100,
      allAtOnce: true,
    });
    expect(await flow.history(redeployed.id)).toEqual([
      'Run Started',
      'Staging Deployed',
      'Canary Started',
      'Canary Healthy',
      'Production Deployed',
      'Run Finished',
    ]);
  });

  it('still waits at a required approval gate: an emergency is decided by a person too', async () => {
    // Prepare
    const flow = gated();
    const first = await atTheGate(flow);
    await flow.operations.approve(first, { by: 'Priya Natarajan' });
    await flow.settle();

    // Act
    const redeployed = await flow.operations.redeploy(first, { by: 'Priya Natarajan', skipCanary: true });
    await flow.settle();

    // Assess
    expect((await flow.run(redeployed.id)).stages.approval.status).toBe('running');
  });
});
