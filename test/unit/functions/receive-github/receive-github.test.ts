import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  makeReceiveGithub,
  type ReceiveGithubDeps,
} from '../../../../functions/receive-github/receive-github.ts';
import { AwsSecretSource } from '../../../../shared/aws/secret-source.ts';
import { TransientError } from '../../../../shared/domain/errors.ts';
import { MAX_EVENT_PATHS } from '../../../../shared/sources/start-push-runs.ts';
import type { Payload } from '../../shared/sources/fixtures.ts';
import { copy, githubExamples } from '../../shared/sources/github-examples.ts';
import { fixedClock, GITHUB_SECRET, githubRequest, newStore, secretsOf, testFile } from './support.ts';

const examples = githubExamples('push');
const branchCreation = examples.find(
  (e) => e.payload.ref === 'refs/heads/master' && e.payload.created,
)!.payload;
const tagCreation = examples.find(
  (e) => e.payload.ref === 'refs/tags/simple-tag' && e.payload.created,
)!.payload;
const deletion = examples.find((e) => e.payload.deleted)!.payload;
const ssm = mockClient(SSMClient);

function setup(overrides: Partial<ReceiveGithubDeps> = {}) {
  const clock = fixedClock();
  const store = newStore(clock);
  const receive = makeReceiveGithub({
    store,
    file: () => testFile,
    secrets: secretsOf({ 'github-webhook-secret': GITHUB_SECRET }),
    clock,
    ...overrides,
  });
  return { receive, store, clock };
}

function pushTo(paths: string[], extra: Record<string, unknown> = {}) {
  const payload = copy(branchCreation) as Payload;
  payload.commits[0].added = paths;
  return Object.assign(payload, { created: false, before: 'b'.repeat(40) }, extra);
}

describe('makeReceiveGithub', () => {
  it('starts one run per matching pipeline and answers 202 with the runs and the skipped pipelines', async () => {
    const { receive, store } = setup();

    const response = await receive(await githubRequest(branchCreation, { delivery: 'd-1' }));

    expect(response.statusCode).toBe(202);
    expect(response.body).toEqual({
      runs: [{ runId: expect.any(String), pipeline: 'hello' }],
      skipped: expect.arrayContaining([
        { pipeline: 'hello-docs', reason: expect.stringContaining('does not match paths') },
        { pipeline: 'diaspora', reason: expect.stringContaining('is not the pushed repository') },
      ]),
    });
    const [entry] = store.appended;
    const runId = (response.body.runs as { runId: string }[])[0]!.runId;
    expect(store.appended).toHaveLength(1);
    expect(entry).toMatchObject({
      detailType: 'Run Started',
      detail: { runId, pipeline: 'hello', stage: 'source' },
    });
    expect(entry!.eventId).not.toBe(runId);
    expect(entry!.detail.source).toMatchObject({
      deliveryId: 'd-1',
      commit: branchCreation.after,
      branch: 'master',
    });
  });

  it('answers a repeated delivery with 200 and the original run ids, starting nothing', async () => {
    const { receive, store } = setup();
    const first = await receive(await githubRequest(branchCreation, { delivery: 'd-1' }));

    const again = await receive(await githubRequest(branchCreation, { delivery: 'd-1' }));

    expect(again).toEqual({ statusCode: 200, body: { duplicate: true, runs: first.body.runs } });
    expect(store.appended).toHaveLength(1);
  });

  it('starts runs for a tag push', async () => {
    const { receive } = setup();

    const response = await receive(await githubRequest(tagCreation));

    expect(response.statusCode).toBe(202);
    expect(response.body.runs).toEqual([
      { runId: expect.any(String), pipeline: 'hello' },
      { runId: expect.any(String), pipeline: 'hello-docs' },
    ]);
  });

  it('carries why the path filters could not be applied into the run', async () => {
    const { receive, store } = setup();

    await receive(await githubRequest(pushTo(['src/a.ts'], { forced: true })));

    const docs = store.appended.find((e) => e.detail.pipeline === 'hello-docs');
    expect(docs?.detail.data).toEqual({
      trigger: 'push',
      pathsUnknownReason: expect.stringContaining('forced push'),
    });
  });

  it('keeps at most MAX_EVENT_PATHS paths in the event and says how many there were', async () => {
    const { receive, store } = setup();
    const paths = Array.from({ length: MAX_EVENT_PATHS + 20 }, (_, i) => `docs/page-${i}.md`);

    await receive(await githubRequest(pushTo(paths)));

    const source = store.appended[0]!.detail.source;
    expect(source.changedPaths).toHaveLength(MAX_EVENT_PATHS);
    expect(source.changedPathsTotal).toBe(MAX_EVENT_PATHS + 20);
  });

  it('answers 202 with the reason and the skipped pipelines when no pipeline matches', async () => {
    const { receive, store } = setup();
    const payload = copy(branchCreation) as Payload;
    payload.repository.full_name = 'someone/else';

    const response = await receive(await githubRequest(payload));

    expect(response.statusCode).toBe(202);
    expect(response.body.ignored).toBe(
      'no pipeline matches the push to github someone/else refs/heads/master',
    );
    expect(response.body.skipped).toHaveLength(testFile.pipelines.length);
    expect(store.appended).toHaveLength(0);
  });

  it('ignores a deleted ref with 202', async () => {
    const { receive, store } = setup();

    const response = await receive(await githubRequest(deletion));

    expect(response).toEqual({ statusCode: 202, body: { ignored: expect.stringContaining('was deleted') } });
    expect(store.appended).toHaveLength(0);
  });

  it('answers a ping with 200', async () => {
    const { receive } = setup();

    const response = await receive(
      await githubRequest({ zen: 'Design for failure.', hook_id: 1 }, { event: 'ping' }),
    );

    expect(response).toEqual({ statusCode: 200, body: { ok: true, event: 'ping' } });
  });

  it('answers an event it does not handle with 202 and the reason', async () => {
    const { receive } = setup();

    const response = await receive(await githubRequest({ action: 'opened' }, { event: 'issues' }));

    expect(response).toEqual({ statusCode: 202, body: { ignored: 'event issues is not handled' } });
  });

  it('answers 503 naming the SSM parameter when the webhook secret is not configured on AWS', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    const secrets = new AwsSecretSource({
      ssmClient: new SSMClient({ region: 'eu-west-1' }),
      names: { 'github-webhook-secret': '/pushline/prod/github-webhook-secret' },
    });
    const { receive } = setup({ secrets });

    const response = await receive(await githubRequest(branchCreation));

    expect(response).toEqual({
      statusCode: 503,
      body: {
        error:
          'the GitHub webhook secret is not configured: set the SSM parameter /pushline/prod/github-webhook-secret',
      },
    });
  });

  it('names the secret when its source cannot say where it is set', async () => {
    const { receive } = setup({ secrets: secretsOf({}) });

    const response = await receive(await githubRequest(branchCreation));

    expect(response).toEqual({
      statusCode: 503,
      body: { error: 'the GitHub webhook secret is not configured: set the secret "github-webhook-secret"' },
    });
  });

  it('answers 503 when the secret store cannot be reached', async () => {
    const secrets = { get: async () => Promise.reject(new TransientError('SSM is down')) };
    const { receive } = setup({ secrets });

    const response = await receive(await githubRequest(branchCreation));

    expect(response.statusCode).toBe(503);
  });

  it('answers 500 without internals and does not throw when the store fails', async () => {
    const { receive, store } = setup();
    store.startRuns = async () => Promise.reject(new Error('disk on fire at /var/lib/secret-path'));

    const response = await receive(await githubRequest(branchCreation));

    expect(response).toEqual({ statusCode: 500, body: { error: 'internal error' } });
  });
});
