import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { makeManualRun } from '../../../../shared/app/manual-run.ts';
import type { RunSummary } from '../../../../shared/http/run-views.ts';
import { GitRefResolver } from '../../../../shared/local/git-ref-resolver.ts';
import { LocalHttpServer } from '../../../../shared/local/http-server.ts';
import { manualRunRoutes } from '../../../../shared/local/manual-run-routes.ts';
import { createChoreography } from '../../../support/choreography.ts';
import { pipelineConfig } from '../../../support/runs.ts';
import { type GitFixture, makeGitFixture } from './buildspec/git-fixture.ts';

type Access = Parameters<typeof manualRunRoutes>[0]['access'];

describe('POST /api/pipelines/:name/runs', () => {
  let repo: GitFixture;
  let tip: string;
  let server: LocalHttpServer | undefined;

  beforeAll(async () => {
    repo = await makeGitFixture();
    tip = await repo.commit({ 'app.txt': 'one\n' }, 'Version 1');
  });
  afterEach(async () => {
    await server?.close();
  });
  afterAll(() => repo.cleanup());

  /** A real local HTTP server with the manual-run route over the choreography's store. */
  async function serve(access: Access = { kind: 'loopback' }) {
    const flow = createChoreography({ pipelines: [pipelineConfig()] });
    const manualRun = makeManualRun({
      store: flow.store,
      clock: flow.clock,
      pipelines: flow.deps.pipelines,
      people: () => ({}),
      resolver: new GitRefResolver({ store: flow.store }),
    });
    server = new LocalHttpServer({
      routes: manualRunRoutes({ clock: flow.clock, manualRun, access, defaultActor: 'server-user' }),
    });
    const { url } = await server.listen(0);
    const post = async (pipeline: string, body: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${url}/api/pipelines/${pipeline}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return {
        status: response.status,
        json: (await response.json()) as { error?: string; run: RunSummary },
      };
    };
    return { flow, post };
  }

  it('starts a run for the ref and answers 201 with it, acting as the server user when the body does not say', async () => {
    // Prepare
    const { flow, post } = await serve();

    // Act
    const answer = await post('web', { ref: 'main', repository: repo.bare });

    // Assess
    expect(answer).toMatchObject({
      status: 201,
      json: {
        run: {
          pipeline: 'web',
          status: 'running',
          trigger: 'manual',
          source: { branch: 'main', commit: tip, message: 'Version 1' },
        },
      },
    });
    expect((await flow.run(answer.json.run.id)).by).toBe('server-user');
  });

  it('answers 404 for an unknown pipeline and for a ref the repository does not have', async () => {
    // Prepare
    const { post } = await serve();

    // Act
    const pipeline = await post('nope', { ref: 'main', repository: repo.bare });
    const ref = await post('web', { ref: 'no-such-branch', by: 'Priya', repository: repo.bare });

    // Assess
    expect(pipeline).toEqual({ status: 404, json: { error: 'pipeline nope is not in the pipeline file' } });
    expect(ref).toEqual({
      status: 404,
      json: { error: 'no branch, tag or commit "no-such-branch" in acme/web' },
    });
  });

  it('answers 400 without a ref, with a malformed one, with an unknown field, and without a known repository', async () => {
    // Prepare
    const { post } = await serve();

    // Act
    const answers = await Promise.all([
      post('web', { by: 'Priya' }),
      post('web', { ref: 'main..dev', repository: repo.bare }),
      post('web', { ref: 'main', branch: 'main' }),
      post('web', '{ not json'),
      post('web', { ref: 'main' }),
    ]);

    // Assess
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400, 400]);
    expect(answers[0]!.json.error).toContain('ref');
    expect(answers[4]!.json.error).toContain('push to it once, or name it');
  });

  it('refuses what a web page could send, and asks for the token when the server has one', async () => {
    // Prepare
    const { flow, post } = await serve({ kind: 'token', token: 's3cret-token' });

    // Act
    const crossSite = await post('web', { ref: 'main' }, { 'sec-fetch-site': 'cross-site' });
    const noToken = await post('web', { ref: 'main', repository: repo.bare });
    const withToken = await post(
      'web',
      { ref: 'main', repository: repo.bare },
      { authorization: 'Bearer s3cret-token' },
    );

    // Assess
    expect(crossSite.status).toBe(403);
    expect(noToken.status).toBe(401);
    expect(withToken.status).toBe(201);
    expect((await flow.store.list()).runs).toHaveLength(1);
  });
});
