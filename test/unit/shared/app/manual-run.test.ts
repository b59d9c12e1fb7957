import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeManualRun } from '../../../../shared/app/manual-run.ts';
import { NotFoundError, ValidationError } from '../../../../shared/domain/errors.ts';
import { GitRefResolver } from '../../../../shared/local/git-ref-resolver.ts';
import { createChoreography } from '../../../support/choreography.ts';
import { pipelineConfig } from '../../../support/runs.ts';
import { type GitFixture, makeGitFixture } from '../local/buildspec/git-fixture.ts';

describe('makeManualRun', () => {
  let repo: GitFixture;
  let older: string;
  let tip: string;

  beforeAll(async () => {
    repo = await makeGitFixture();
    older = await repo.commit({ 'app.txt': 'one\n', 'docs/readme.md': 'docs\n' }, 'Version 1');
    tip = await repo.commit({ 'app.txt': 'two\n' }, 'Version 2');
  });
  afterAll(() => repo.cleanup());

  /** The choreography with a manual run over a real git resolver, and `people` mapping a login. */
  function setUp(pipeline = pipelineConfig()) {
    const flow = createChoreography({
      pipelines: [pipeline],
      people: { 'Priya Natarajan': { github: 'priya-n' } },
    });
    const manualRun = makeManualRun({
      store: flow.store,
      clock: flow.clock,
      pipelines: flow.deps.pipelines,
      people: () => ({ 'Priya Natarajan': { github: 'priya-n' } }),
      resolver: new GitRefResolver({ store: flow.store }),
    });
    return { flow, manualRun };
  }

  it('starts a run of an older commit by hand, which the choreography takes to production', async () => {
    // Prepare
    const { flow, manualRun } = setUp();

    // Act
    const started = await manualRun.start('web', {
      ref: older.slice(0, 7),
      by: 'priya-n',
      repository: repo.bare,
    });
    await flow.settle();

    // Assess
    const run = await flow.run(started.id);
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'manual', by: 'Priya Natarajan' });
    expect(run.source).toMatchObject({
      provider: 'github',
      repo: 'acme/web',
      commit: older,
      message: 'Version 1',
      author: 'Ada Lovelace',
      cloneUrl: repo.bare,
      deliveryId: expect.stringMatching(/^manual:/),
    });
    expect(run.source.changedPaths).toBeUndefined();
    expect(flow.builder.starts.map((build) => build.source.commit)).toEqual([older]);
    expect(await flow.history(started.id)).toEqual([
      'Run Started',
      'Build Started',
      'Tests Passed',
      'Staging Started',
      'Staging Deployed',
      'Canary Started',
      'Canary Healthy',
      'Production Deployed',
      'Run Finished',
    ]);
  });

  it('records the trigger and who in Run Started, and ignores the path filters a push would meet', async () => {
    // Prepare: a pipeline that a push touching only docs would not start
    const { flow, manualRun } = setUp(
      pipelineConfig({ on: { branches: ['release/**'], pathsIgnore: ['docs/**'] } }),
    );

    // Act
    const run = await manualRun.start('web', { ref: 'main', by: 'Tomás', repository: repo.bare });

    // Assess
    const [entry] = await flow.store.log(run.id);
    expect(entry?.detail).toMatchObject({
      stage: 'source',
      attempt: 1,
      source: { ref: 'refs/heads/main', branch: 'main', commit: tip },
      data: { trigger: 'manual', by: 'Tomás' },
    });
  });

  it('finds the repository from the last run of the pipeline when none is named', async () => {
    // Prepare
    const { flow, manualRun } = setUp();
    await manualRun.start('web', { ref: 'main', by: 'Tomás', repository: repo.bare });

    // Act
    const again = await manualRun.start('web', { ref: older, by: 'Tomás' });

    // Assess
    expect(again.source).toMatchObject({ commit: older, cloneUrl: repo.bare });
    expect((await flow.store.list({ pipeline: 'web' })).runs).toHaveLength(2);
  });

  it('refuses an unknown pipeline (404), a missing ref or actor (400), and starts nothing for an unknown ref', async () => {
    // Prepare
    const { flow, manualRun } = setUp();

    // Act / Assess
    await expect(manualRun.start('nope', { ref: 'main', by: 'Tomás' })).rejects.toThrow(
      new NotFoundError('pipeline nope is not in the pipeline file'),
    );
    await expect(manualRun.start('web', { ref: ' ', by: 'Tomás' })).rejects.toBeInstanceOf(ValidationError);
    await expect(manualRun.start('web', { ref: 'main', by: '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(
      manualRun.start('web', { ref: 'no-such-branch', by: 'Tomás', repository: repo.bare }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'no branch, tag or commit "no-such-branch" in acme/web',
    });
    expect((await flow.store.list()).runs).toEqual([]);
  });
});
