import { describe, expect, it } from '@jest/globals';
import {
  makeReceiveGitlab,
  type ReceiveGitlabDeps,
} from '../../../../functions/receive-gitlab/receive-gitlab.ts';
import type { WebhookRequest } from '../../../../shared/http/webhook.ts';
import { EnvSecretSource } from '../../../../shared/local/env-secret-source.ts';
import { fixture, type Payload } from '../../shared/sources/fixtures.ts';
import {
  fixedClock,
  GITLAB_TOKEN,
  gitlabRequest,
  newStore,
  recordingLogger,
  secretsOf,
  testFile,
} from '../receive-github/support.ts';

function setup(overrides: Partial<ReceiveGitlabDeps> = {}) {
  const clock = fixedClock();
  const store = newStore(clock);
  const logger = recordingLogger();
  const receive = makeReceiveGitlab({
    store,
    file: () => testFile,
    secrets: secretsOf({ 'gitlab-webhook-token': GITLAB_TOKEN }),
    clock,
    logger,
    ...overrides,
  });
  return { receive, store, logger };
}

const without = (request: WebhookRequest, name: string): WebhookRequest => ({
  ...request,
  headers: { ...request.headers, [name]: undefined },
});

describe('makeReceiveGitlab', () => {
  it('starts the matching pipeline for the documented Push Hook and answers 202', async () => {
    const { receive, store } = setup();

    const response = await receive(gitlabRequest(fixture('gitlab/push-hook.json')));

    expect(response.statusCode).toBe(202);
    expect(response.body.runs).toEqual([{ runId: expect.any(String), pipeline: 'diaspora' }]);
    expect(store.appended[0]!.detail.source).toMatchObject({
      provider: 'gitlab',
      repo: 'mike/diaspora',
      deliveryId: 'event-uuid-1',
      pushedAt: '2026-03-01T12:00:00.000Z',
    });
  });

  it('starts the tag pipeline for the documented Tag Push Hook', async () => {
    const { receive } = setup();

    const response = await receive(
      gitlabRequest(fixture('gitlab/tag-push-hook.json'), { event: 'Tag Push Hook' }),
    );

    expect(response.body.runs).toEqual([{ runId: expect.any(String), pipeline: 'example-releases' }]);
  });

  it('answers a repeated event with 200 and the original run ids', async () => {
    const { receive, store } = setup();
    const first = await receive(gitlabRequest(fixture('gitlab/push-hook.json')));

    const again = await receive(gitlabRequest(fixture('gitlab/push-hook.json')));

    expect(again).toEqual({ statusCode: 200, body: { duplicate: true, runs: first.body.runs } });
    expect(store.appended).toHaveLength(1);
  });

  it('takes Idempotency-Key as the delivery id when X-Gitlab-Event-UUID is absent', async () => {
    const { receive, store } = setup();
    const request = gitlabRequest(fixture('gitlab/push-hook.json'), {
      headers: { 'idempotency-key': 'idem-7' },
    });

    await receive(without(request, 'x-gitlab-event-uuid'));

    expect(store.appended[0]!.detail.source.deliveryId).toBe('idem-7');
  });

  it('ignores a deleted branch and events it does not handle with 202', async () => {
    const { receive, store } = setup();
    const deleted = fixture('gitlab/push-hook.json');
    Object.assign(deleted, {
      after: '0'.repeat(40),
      checkout_sha: null,
      commits: [],
      total_commits_count: 0,
    });

    const deletion = await receive(gitlabRequest(deleted));
    const issue = await receive(gitlabRequest({ object_kind: 'issue' }, { event: 'Issue Hook' }));

    expect(deletion).toEqual({ statusCode: 202, body: { ignored: expect.stringContaining('was deleted') } });
    expect(issue).toEqual({ statusCode: 202, body: { ignored: 'event Issue Hook is not handled' } });
    expect(store.appended).toHaveLength(0);
  });

  it.each([
    ['no token', () => without(gitlabRequest(fixture('gitlab/push-hook.json')), 'x-gitlab-token'), 401],
    ['a wrong token', () => gitlabRequest(fixture('gitlab/push-hook.json'), { token: 'guess' }), 401],
    ['a wrong token and a body that is not JSON', () => gitlabRequest('{', { token: 'guess' }), 401],
    [
      'no delivery id',
      () => without(gitlabRequest(fixture('gitlab/push-hook.json')), 'x-gitlab-event-uuid'),
      400,
    ],
    [
      'no X-Gitlab-Event',
      () => without(gitlabRequest(fixture('gitlab/push-hook.json')), 'x-gitlab-event'),
      400,
    ],
    ['a body that is not JSON', () => gitlabRequest('{"object_kind":'), 400],
    [
      'a push without its project',
      () => gitlabRequest({ ...fixture<Payload>('gitlab/push-hook.json'), project: null }),
      400,
    ],
  ])('answers a request with %s with %p and stores nothing', async (_, request, statusCode) => {
    const { receive, store } = setup();

    const response = await receive(request());

    expect(response).toEqual({ statusCode, body: { error: expect.any(String) } });
    expect(store.appended).toHaveLength(0);
  });

  it('answers 413 to a body over the limit', async () => {
    const { receive } = setup({ maxBodyBytes: 100 });

    expect((await receive(gitlabRequest(fixture('gitlab/push-hook.json')))).statusCode).toBe(413);
  });

  it('answers 503 naming GITLAB_WEBHOOK_TOKEN when local mode has no token', async () => {
    const { receive, store } = setup({ secrets: new EnvSecretSource({ env: {} }) });

    const response = await receive(gitlabRequest(fixture('gitlab/push-hook.json')));

    expect(response).toEqual({
      statusCode: 503,
      body: {
        error:
          'the GitLab webhook token is not configured: set GITLAB_WEBHOOK_TOKEN in the environment of `pushline up` (or in the .env file beside the pipeline file) and restart it',
      },
    });
    expect(store.appended).toHaveLength(0);
  });

  it('never logs the token', async () => {
    const { receive, logger } = setup();

    await receive(gitlabRequest(fixture('gitlab/push-hook.json')));
    await receive(gitlabRequest(fixture('gitlab/push-hook.json'), { token: `${GITLAB_TOKEN}x` }));
    await receive(gitlabRequest('nope'));

    expect(logger.calls.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(logger.calls)).not.toContain(GITLAB_TOKEN);
  });
});
