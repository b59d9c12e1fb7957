import { describe, expect, it } from '@jest/globals';
import { parsePipelineEvent } from '../../../../events/parse.ts';
import { makeDeployStaging } from '../../../../functions/deploy-staging/deploy-staging.ts';
import { newEvent } from '../../../../shared/app/new-event.ts';
import { lastEvent, testDeps } from '../../../support/deps.ts';
import { commitOf, pipelineConfig, seedRun, T0 } from '../../../support/runs.ts';

const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe('makeDeployStaging', () => {
  it('deploys the build to staging, links the deployment and announces Staging Started', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'built');

    // Act
    await makeDeployStaging(deps)(await lastEvent(deps.store, run.id, 'Tests Passed'));

    // Assess
    const deploymentId = `staging-${run.id}-1`;
    expect(deps.deployer.calls).toEqual([{ method: 'deploy', id: deploymentId }]);
    expect(await deps.store.findByRef({ kind: 'deployment', id: deploymentId })).toBe(run.id);
    const started = await lastEvent(deps.store, run.id, 'Staging Started');
    expect(started.detail.data).toEqual({ deploymentId, url: 'http://localhost:4100' });
  });

  it('ends the run superseded when a newer run of the pipeline is running', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'built', { createdAt: T0, commit: commitOf(1) });
    const newer = await seedRun(deps.store, 'building', { createdAt: later(30), commit: commitOf(2) });

    // Act
    await makeDeployStaging(deps)(await lastEvent(deps.store, run.id, 'Tests Passed'));

    // Assess
    const after = (await deps.store.get(run.id))!.run;
    expect(after.status).toBe('superseded');
    expect(after.reason).toBe(`superseded by run ${newer.id} (commit ${commitOf(2).slice(0, 7)})`);
    expect(after.stages.staging.status).toBe('skipped');
    expect(deps.deployer.calls).toEqual([]);
  });

  it.each(['queue', 'parallel'] as const)('does not supersede under %s', async (concurrency) => {
    // Prepare
    const deps = testDeps({ pipelines: [pipelineConfig({ concurrency })] });
    const run = await seedRun(deps.store, 'built', { createdAt: T0 });
    await seedRun(deps.store, 'building', { createdAt: later(30) });

    // Act
    await makeDeployStaging(deps)(await lastEvent(deps.store, run.id, 'Tests Passed'));

    // Assess
    expect((await deps.store.get(run.id))!.run.stages.staging.status).toBe('running');
  });

  it('skips staging for a pipeline without a staging target', async () => {
    // Prepare
    const deps = testDeps({ pipelines: [pipelineConfig({ staging: {} })] });
    const run = await seedRun(deps.store, 'built');

    // Act
    await makeDeployStaging(deps)(await lastEvent(deps.store, run.id, 'Tests Passed'));

    // Assess
    const deployed = await lastEvent(deps.store, run.id, 'Staging Deployed');
    expect(deployed.detail.data).toEqual({ skipped: true, reason: 'pipeline "web" has no staging target' });
    const after = (await deps.store.get(run.id))!.run;
    expect(after.stages.staging).toMatchObject({
      status: 'skipped',
      reason: 'pipeline "web" has no staging target',
    });
    expect(deps.deployer.calls).toEqual([]);
  });

  it('skips staging when only another platform’s target is configured', async () => {
    // Prepare
    const deps = { ...testDeps(), platform: 'aws' as const };
    const run = await seedRun(deps.store, 'built');

    // Act
    await makeDeployStaging(deps)(await lastEvent(deps.store, run.id, 'Tests Passed'));

    // Assess
    expect((await deps.store.get(run.id))!.run.stages.staging.status).toBe('skipped');
  });

  it('does nothing for a redelivered Tests Passed', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'staging');

    // Act
    await makeDeployStaging(deps)(await lastEvent(deps.store, run.id, 'Tests Passed'));

    // Assess
    expect(deps.deployer.calls).toEqual([]);
  });

  it('rolls back the deployment it started when the run ended before it was recorded', async () => {
    // Prepare
    const deps = testDeps();
    const run = await seedRun(deps.store, 'built');
    const deploy = deps.deployer.deploy.bind(deps.deployer);
    deps.deployer.deploy = async (request) => {
      const version = (await deps.store.get(run.id))!.version;
      await deps.store.append(run.id, version, [
        newEvent('Run Finished', run, 'build', { outcome: 'cancelled' }, deps.clock),
      ]);
      return deploy(request);
    };

    // Act
    await makeDeployStaging(deps)(await lastEvent(deps.store, run.id, 'Tests Passed'));

    // Assess
    expect(deps.deployer.calls.at(-1)).toEqual({
      method: 'rollback',
      id: `staging-${run.id}-1`,
      reason: `run ${run.id} ended (cancelled) before staging was recorded`,
    });
  });

  it('announces a skipped staging in a form the event catalogue accepts, and no deployment id otherwise', async () => {
    // Prepare
    const deps = testDeps({ pipelines: [pipelineConfig({ staging: {} })] });
    const run = await seedRun(deps.store, 'built');
    await makeDeployStaging(deps)(await lastEvent(deps.store, run.id, 'Tests Passed'));
    const { detail } = await lastEvent(deps.store, run.id, 'Staging Deployed');

    // Act
    const parse = (data: object) => () => parsePipelineEvent('Staging Deployed', { ...detail, data });

    // Assess
    expect(parse(detail.data)).not.toThrow();
    expect(parse({ url: 'http://localhost:4100' })).toThrow(
      'data.deploymentId: deploymentId is required unless staging was skipped',
    );
  });
});
