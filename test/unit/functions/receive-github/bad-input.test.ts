import { describe, expect, it } from '@jest/globals';
import { makeReceiveGithub } from '../../../../functions/receive-github/receive-github.ts';
import type { WebhookRequest } from '../../../../shared/http/webhook.ts';
import { copy, githubExamples } from '../../shared/sources/github-examples.ts';
import {
  fixedClock,
  GITHUB_SECRET,
  githubRequest,
  newStore,
  recordingLogger,
  secretsOf,
  testFile,
} from './support.ts';

const push = githubExamples('push').find((e) => e.payload.ref === 'refs/heads/master')!.payload;

function setup(maxBodyBytes?: number) {
  const clock = fixedClock();
  const store = newStore(clock);
  const logger = recordingLogger();
  const receive = makeReceiveGithub({
    store,
    file: () => testFile,
    secrets: secretsOf({ 'github-webhook-secret': GITHUB_SECRET }),
    clock,
    logger,
    ...(maxBodyBytes ? { maxBodyBytes } : {}),
  });
  return { receive, store, logger };
}

const without = (request: WebhookRequest, name: string): WebhookRequest => ({
  ...request,
  headers: { ...request.headers, [name]: undefined },
});

describe('makeReceiveGithub with bad input', () => {
  it.each([
    [
      'has no signature',
      async () => without(await githubRequest(push), 'x-hub-signature-256'),
      'missing X-Hub-Signature-256',
    ],
    ['is signed with another secret', () => githubRequest(push, { secret: 'guess' }), 'does not match'],
    [
      'has a signature that is not sha256=<hex>',
      () => githubRequest(push, { headers: { 'x-hub-signature-256': 'sha256=zz' } }),
      'not of the form',
    ],
    [
      'is not JSON and not signed',
      async () => ({ ...(await githubRequest('{not json')), headers: { 'x-github-event': 'push' } }),
      'missing X-Hub-Signature-256',
    ],
  ])('answers 401 to a body that %s, stores nothing', async (_, request, message) => {
    const { receive, store } = setup();

    const response = await receive(await request());

    expect(response).toEqual({ statusCode: 401, body: { error: expect.stringContaining(message) } });
    expect(store.appended).toHaveLength(0);
  });

  it.each([
    ['10 KB long', 'x'.repeat(10_240)],
    ['made of spaces and control characters', 'a b\tc'],
  ])('answers 400 to a signed push whose delivery id is %s, stores nothing', async (_, id) => {
    const { receive, store } = setup();

    const response = await receive(await githubRequest(push, { headers: { 'x-github-delivery': id } }));

    expect(response).toEqual({
      statusCode: 400,
      body: {
        error: `the delivery id header must be at most 200 visible ASCII characters (it has ${id.length})`,
      },
    });
    expect(store.appended).toHaveLength(0);
  });

  it('answers 401 to a body changed after it was signed', async () => {
    const { receive } = setup();
    const request = await githubRequest(push);
    const tampered = Buffer.from(request.body.toString().replace('Initial commit', 'Initial c0mmit'));

    expect((await receive({ ...request, body: tampered })).statusCode).toBe(401);
  });

  it('answers 413 to a body over the limit before looking at the signature', async () => {
    const { receive } = setup(1024);
    const request = without(await githubRequest(push), 'x-hub-signature-256');

    const response = await receive(request);

    expect(response).toEqual({
      statusCode: 413,
      body: { error: expect.stringMatching(/bytes; the limit is 1024$/) },
    });
  });

  it.each([
    [
      'no X-GitHub-Delivery',
      async () => without(await githubRequest(push), 'x-github-delivery'),
      'missing X-GitHub-Delivery',
    ],
    [
      'no X-GitHub-Event',
      async () => without(await githubRequest(push), 'x-github-event'),
      'missing X-GitHub-Event',
    ],
    ['a body that is not JSON', () => githubRequest('{"ref": '), 'body is not JSON'],
    [
      'a form-encoded body',
      () =>
        githubRequest(`payload=${encodeURIComponent(JSON.stringify(push))}`, {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      'application/json',
    ],
    ['a JSON array', () => githubRequest('[]'), 'not an object'],
    [
      'a push without a repository',
      () => githubRequest({ ...copy(push), repository: undefined }),
      'repository',
    ],
    ['a push whose after is not a commit id', () => githubRequest({ ...copy(push), after: 'HEAD' }), 'after'],
  ])('answers 400 to %s, saying what is wrong', async (_, request, message) => {
    const { receive, store } = setup();

    const response = await receive(await request());

    expect(response).toEqual({ statusCode: 400, body: { error: expect.stringContaining(message) } });
    expect(store.appended).toHaveLength(0);
  });

  it('never logs the secret, the signature or the body', async () => {
    const { receive, logger } = setup();
    const requests = [
      await githubRequest(push),
      await githubRequest(push, { secret: 'wrong' }),
      await githubRequest('{"broken"'),
      without(await githubRequest(push), 'x-github-delivery'),
    ];

    for (const request of requests) await receive(request);

    const logged = JSON.stringify(logger.calls);
    expect(logger.calls.length).toBeGreaterThanOrEqual(requests.length);
    expect(logged).not.toContain(GITHUB_SECRET);
    expect(logged).not.toContain(requests[0]!.headers['x-hub-signature-256']);
    expect(logged).not.toContain('Initial commit');
  });
});
