import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { PRODUCTION_HOLD } from '../../../../shared/app/pipeline-operations.ts';
import type { DynamoRunStore } from '../../../../shared/aws/dynamo-run-store.ts';
import { answerTokens, startApiFunction } from '../../../support/api-function.ts';
import { seedRun } from '../../../support/runs.ts';

/**
 * The api function's pipeline routes through its real handler export, configured as the stack
 * configures it, on a Pushline table in dynalite, with SSM answering through aws-sdk-client-mock.
 */
const TOKENS = { 'Priya Natarajan': 'tok-priya-4f0c1a9e7b3d5e62' };
const _PARAMETER = '/pushline/test/api-tokens';
const ssm = mockClient(SSMClient);
const context = { awsRequestId: 'req-1', functionName: 'pushline-test-api' };
type Result = { statusCode: number; headers: Record<string, string>; body: string };
let handler: (event: unknown, context: unknown) => Promise<Result>;
let api: Awaited<ReturnType<typeof startApiFunction>>;
let store: DynamoRunStore;
let logs: string[] = [];

async function call(
  method: 'GET' | 'POST',
  path: string,
  { token, body }: { token?: string; body?: unknown } = {},
) {
  const event = {
    version: '2.0',
    routeKey: `${method} ${path.replace(/^\/api\/pipelines\/[^/]+/, '/api/pipelines/{name}')}`,
    rawPath: path,
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    isBase64Encoded: false,
    requestContext: { requestId: 'r-1', http: { method, path } },
  };
  const result = await handler(event, context);
  return { status: result.statusCode, json: JSON.parse(result.body) as Record<string, unknown> };
}

const PRIYA = TOKENS['Priya Natarajan'];

describe('the api function’s pipeline routes (handler)', () => {
  beforeAll(async () => {
    api = await startApiFunction(
      {
        pipelines: [
          {
            name: 'web',
            source: { github: 'acme/web' },
            build: { codebuild: { project: 'web-build' } },
            // Always open, so the real clock cannot make the test depend on the hour.
            production: { windows: ['daily 00:00-24:00 UTC'] },
          },
        ],
      },
      'pushline-api-pipelines',
    );
    ({ handler, store, logs } = api);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
  });

  beforeEach(() => {
    ssm.reset();
    answerTokens(ssm, TOKENS);
    logs.length = 0;
  });

  it('answers 401 without a token, before reading anything', async () => {
    const { status } = await call('POST', '/api/pipelines/web/freeze', { body: { reason: 'x' } });

    expect(status).toBe(401);
    expect((await store.getPipelineState('web')).version).toBe(0);
  });

  it('lists the pipelines with their freeze and windows', async () => {
    const { status, json } = await call('GET', '/api/pipelines', { token: PRIYA });

    expect(status).toBe(200);
    expect(json).toEqual({
      pipelines: [{ name: 'web', windows: ['daily 00:00-24:00 UTC'], windowsOpen: true }],
    });
  });

  it('refuses a freeze without a reason (400) and of an unknown pipeline (404)', async () => {
    expect((await call('POST', '/api/pipelines/web/freeze', { token: PRIYA, body: {} })).status).toBe(400);
    expect(
      (await call('POST', '/api/pipelines/nope/freeze', { token: PRIYA, body: { reason: 'x' } })).status,
    ).toBe(404);
  });

  it('freezes as the token names (a body’s by is ignored), then answers 409 with the state', async () => {
    // Act
    const frozen = await call('POST', '/api/pipelines/web/freeze', {
      token: PRIYA,
      body: { by: 'someone else', reason: 'payment provider release' },
    });
    const again = await call('POST', '/api/pipelines/web/freeze', {
      token: PRIYA,
      body: { reason: 'again' },
    });

    // Assess
    expect(frozen.status).toBe(200);
    expect(frozen.json.pipeline).toMatchObject({
      name: 'web',
      frozen: { by: 'Priya Natarajan', reason: 'payment provider release' },
    });
    expect((await store.getPipelineState('web')).state.frozen?.by).toBe('Priya Natarajan');
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({
      error: 'pipeline web is already frozen by Priya Natarajan: payment provider release',
      pipeline: { frozen: { by: 'Priya Natarajan' } },
    });
    const line = logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.message === 'api request');
    expect(line).toMatchObject({
      route: 'POST /api/pipelines/{name}/freeze',
      pipeline: 'web',
      by: 'Priya Natarajan',
    });
    expect(logs.join('')).not.toContain(PRIYA);
  });

  it('unfreezes and wakes the runs the freeze held with Production Released', async () => {
    // Prepare: a run start-canary held before production
    const run = await seedRun(store, 'staged');
    await store.setAttribute(run.id, PRODUCTION_HOLD, 'frozen@2025-03-14T09:27:00.000Z');

    // Act
    const { status, json } = await call('POST', '/api/pipelines/web/unfreeze', { token: PRIYA, body: {} });

    // Assess
    expect(status).toBe(200);
    expect(json.pipeline).toMatchObject({ name: 'web', released: [run.id] });
    expect(json.pipeline).not.toHaveProperty('frozen');
    const released = (await store.log(run.id)).at(-1)!;
    expect(released.detailType).toBe('Production Released');
    expect(released.detail.data).toEqual({ reason: 'unfrozen by Priya Natarajan', by: 'Priya Natarajan' });
  });
});
