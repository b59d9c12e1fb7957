import { describe, expect, it } from '@jest/globals';
import type { RouteRequest } from '../../../../shared/local/http-server.ts';
import { operationRoutes } from '../../../../shared/local/operation-routes.ts';
import { createChoreography } from '../../../support/choreography.ts';
import { pipelineConfig } from '../../../support/runs.ts';

type Access = Parameters<typeof operationRoutes>[0]['access'];

/** A failed run (its build failed) and the operation routes over it, with `access`. */
async function setUp(access: Access) {
  const flow = createChoreography({ pipelines: [pipelineConfig()], build: () => ({ status: 'FAILED' }) });
  const runId = await flow.push();
  await flow.settle();
  const routes = operationRoutes({
    store: flow.store,
    clock: flow.clock,
    operations: flow.operations,
    access,
    defaultActor: 'server-user',
  });
  const retry = routes.find((route) => route.path === '/api/runs/:id/retry')!;
  const send = (headers: Record<string, string>, body: unknown = {}) =>
    retry.handle({
      method: 'POST',
      path: `/api/runs/${runId}/retry`,
      query: new URLSearchParams(),
      params: { id: runId },
      headers,
      body: Buffer.from(JSON.stringify(body)),
    } as RouteRequest);
  return { flow, runId, send };
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe('operationRoutes', () => {
  it('acts on loopback as the body names, or as the user running the server', async () => {
    // Prepare
    const { flow, runId, send } = await setUp({ kind: 'loopback' });

    // Act
    const answer = await send(JSON_TYPE, {});

    // Assess
    expect(answer).toMatchObject({
      statusCode: 200,
      json: { run: { id: runId, status: 'running', attempt: 2 } },
    });
    expect((await flow.store.log(runId)).at(-1)?.detail).toMatchObject({ data: { by: 'server-user' } });
  });

  it('refuses what a web page in the browser could send: not JSON, or from another site', async () => {
    // Prepare
    const { flow, runId, send } = await setUp({ kind: 'loopback' });

    // Act / Assess
    await expect(send({ 'content-type': 'text/plain' })).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'an action is sent as JSON: Content-Type: application/json',
    });
    await expect(send({ ...JSON_TYPE, 'sec-fetch-site': 'cross-site' })).rejects.toMatchObject({
      name: 'ForbiddenError',
    });
    expect((await flow.run(runId)).status).toBe('failed');
  });

  it('asks for the token when the server has one, and never acts without it', async () => {
    // Prepare
    const { flow, runId, send } = await setUp({ kind: 'token', token: 's3cret-token' });

    // Act / Assess
    await expect(send(JSON_TYPE)).rejects.toMatchObject({ name: 'WebhookSignatureError' });
    await expect(send({ ...JSON_TYPE, authorization: 'Bearer wrong' })).rejects.toThrow(
      'the token is not valid',
    );
    expect((await flow.run(runId)).status).toBe('failed');
    expect(await send({ ...JSON_TYPE, authorization: 'Bearer s3cret-token' }, { by: 'Priya' })).toMatchObject(
      {
        statusCode: 200,
      },
    );
  });

  it('refuses every action on a server that listens beyond this machine without a token', async () => {
    // Prepare
    const { send } = await setUp({ kind: 'closed' });

    // Act / Assess
    await expect(send(JSON_TYPE)).rejects.toThrow(
      'this server listens beyond this machine and has no PUSHLINE_TOKEN: set one to act through it',
    );
  });
});
