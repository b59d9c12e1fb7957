import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_PIPELINE, DEMO_REPO } from '../../cli/demo/scaffold.ts';
import type { LocalApp } from '../../cli/local/create-local-app.ts';
import { shortRunId } from '../../shared/domain/run-id.ts';
import {
  bumpVersion,
  type LocalDemo,
  logProblems,
  makeLocalDemo,
  runOfCommit,
  waitForRun,
} from '../support/local-demo.ts';
import { type DemoServer, startDemoServer } from '../support/local-server.ts';

/**
 * Issue 12's local "done means" for a manual run: a real server (`createLocalApp`), a real git
 * origin with the post-receive hook, real builds and app processes behind the real blue/green
 * proxy. After one push, `pushline run <pipeline> --ref <an older commit>` builds that commit and
 * takes it to production — checked with requests to production.
 */
describe('starting a run by hand, locally', () => {
  let demo: LocalDemo;
  let app: LocalApp;
  let server: DemoServer;
  let pushline: DemoServer['pushline'];
  let versionsServed: DemoServer['versionsServed'];
  let version1: string;
  let version2: string;

  const finished = (run: { status: string }) => run.status !== 'running';

  beforeAll(async () => {
    demo = await makeLocalDemo();
    server = await startDemoServer(demo);
    ({ app, pushline, versionsServed } = server);
    // Two pushes: 1.0.0, then 2.0.0 in production.
    version1 = await demo.push('Version 1', bumpVersion('1.0.0'));
    const first = await runOfCommit(app.url, version1);
    await waitForRun(app.url, first, 'to finish', finished, 60_000);
    version2 = await demo.push('Version 2', bumpVersion('2.0.0'));
    const second = await runOfCommit(app.url, version2);
    expect(await waitForRun(app.url, second, 'to finish', finished, 60_000)).toMatchObject({
      status: 'succeeded',
    });
  }, 150_000);

  afterAll(async () => {
    await server?.close();
    demo?.cleanup();
  }, 30_000);

  it('builds an older commit named by its short id and takes it to production', async () => {
    // Prepare
    expect(await versionsServed()).toEqual(['2.0.0']);

    // Act
    const started = await pushline('run', DEMO_PIPELINE, '--ref', version1.slice(0, 7), '--as', 'Priya');

    // Assess
    expect(started).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`commit ${version1.slice(0, 7)} "Version 1"`),
    });
    const runId = /started run (\w+)/.exec(started.stdout)![1]!;
    const runs = (await (await fetch(`${app.url}/api/runs?pipeline=${DEMO_PIPELINE}`)).json()) as {
      runs: { id: string }[];
    };
    const id = runs.runs.find((r) => shortRunId(r.id) === runId)!.id;
    const run = await waitForRun(app.url, id, 'to finish', finished, 90_000);
    expect(run).toMatchObject({
      status: 'succeeded',
      trigger: 'manual',
      source: { repo: DEMO_REPO, commit: version1, ref: `refs/commits/${version1}`, message: 'Version 1' },
    });
    expect(run.events[0]).toMatchObject({
      detailType: 'Run Started',
      data: { trigger: 'manual', by: 'Priya' },
    });
    expect(logProblems(run.events)).toEqual([]);
    expect(await versionsServed()).toEqual(['1.0.0']);
  }, 120_000);

  it('runs a branch by name through the API: its tip, 2.0.0, back in production', async () => {
    // Act
    const response = await fetch(`${app.url}/api/pipelines/${DEMO_PIPELINE}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'main', by: 'Tomás' }),
    });
    const answer = (await response.json()) as {
      run: { id: string; source: { branch?: string; commit: string } };
    };

    // Assess
    expect(response.status).toBe(201);
    expect(answer.run.source).toMatchObject({ branch: 'main', commit: version2 });
    const run = await waitForRun(app.url, answer.run.id, 'to finish', finished, 90_000);
    expect(run.status).toBe('succeeded');
    expect(await versionsServed()).toEqual(['2.0.0']);
  }, 120_000);

  it('says why on the command line when the ref or the pipeline does not exist, starting nothing', async () => {
    // Prepare
    const before = ((await (await fetch(`${app.url}/api/runs`)).json()) as { runs: unknown[] }).runs.length;

    // Act
    const noRef = await pushline('run', DEMO_PIPELINE, '--ref', 'no-such-branch');
    const noPipeline = await pushline('run', 'nope', '--ref', 'main');
    const badRef = await pushline('run', DEMO_PIPELINE, '--ref', 'main..other');

    // Assess
    expect(noRef.code).toBe(1);
    expect(noRef.stderr).toContain(`pushline run: no branch, tag or commit "no-such-branch" in ${DEMO_REPO}`);
    expect(noPipeline.code).toBe(1);
    expect(noPipeline.stderr).toContain('pipeline nope is not in the pipeline file');
    expect(badRef.code).toBe(1);
    expect(badRef.stderr).toContain('is not a branch, tag or commit id');
    expect(((await (await fetch(`${app.url}/api/runs`)).json()) as { runs: unknown[] }).runs).toHaveLength(
      before,
    );
  }, 30_000);
});
