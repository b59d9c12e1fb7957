import { describe, expect, it } from '@jest/globals';
import { makePipelineOperations } from '../../../../shared/app/pipeline-operations.ts';
import type { RouteRequest } from '../../../../shared/local/http-server.ts';
import { pipelineRoutes } from '../../../../shared/local/pipeline-routes.ts';
import { testDeps } from '../../../support/deps.ts';
import { pipelineConfig } from '../../../support/runs.ts';

type Access = Parameters<typeof pipelineRoutes>[0]['access'];
const JSON_TYPE = { 'content-type': 'application/json' };

/** The pipeline routes over one pipeline `web` (windows on weekdays, 11:00-17:00 UTC), with `access`. */
function setUp(access: Access = { kind: 'loopback' }) {
  const pipeline = pipelineConfig({
    production: { local: { start: 'node server.js', port: 4000 }, windows: ['mon-fri 11:00-17:00 UTC'] },
  });
  const deps = testDeps({ pipelines: [pipeline] });
  const operations = makePipelineOperations({ ...deps, file: () => ({ pipelines: [pipeline] }) });
  const routes = pipelineRoutes({ operations, access, defaultActor: 'server-user' });
  const route = (path: string) => routes.find((r) => r.path === path)!;
  const post = (
    action: 'freeze' | 'unfreeze',
    name: string,
    body: unknown,
    headers: Record<string, string> = JSON_TYPE,
  ) =>
    route(`/api/pipelines/:name/${action}`).handle({
      method: 'POST',
      path: `/api/pipelines/${name}/${action}`,
      query: new URLSearchParams(),
      params: { name },
      headers,
      body: Buffer.from(JSON.stringify(body)),
    } as RouteRequest);
  const list = () =>
    route('/api/pipelines').handle({ method: 'GET', params: {}, headers: {} } as RouteRequest);
  return { deps, post, list };
}

describe('pipelineRoutes', () => {
  it('lists each pipeline with its freeze, its windows, whether they are open and when they next open', async () => {
    // Prepare (T0 is Friday 09:27 UTC)
    const { list } = setUp();

    // Act
    const answer = await list();

    // Assess
    expect(answer).toEqual({
      statusCode: 200,
      json: {
        pipelines: [
          {
            name: 'web',
            windows: ['mon-fri 11:00-17:00 UTC'],
            windowsOpen: false,
            nextOpening: '2025-03-14T11:00:00.000Z',
            held: 'outside the deploy windows (mon-fri 11:00-17:00 UTC); next opens 2025-03-14T11:00:00Z',
          },
        ],
      },
    });
  });

  it('freezes a pipeline as the body names, with its reason, and shows it frozen', async () => {
    // Prepare
    const { post, list } = setUp();

    // Act
    const answer = await post('freeze', 'web', { by: 'Priya Natarajan', reason: 'payment provider release' });

    // Assess
    const frozen = {
      by: 'Priya Natarajan',
      reason: 'payment provider release',
      at: '2025-03-14T09:27:00.000Z',
    };
    expect(answer).toMatchObject({ statusCode: 200, json: { pipeline: { name: 'web', frozen } } });
    expect(await list()).toMatchObject({ json: { pipelines: [{ frozen }] } });
  });

  it('acts as the user running the server when the body names nobody', async () => {
    // Prepare
    const { post } = setUp();

    // Act
    const answer = await post('freeze', 'web', { reason: 'audit' });

    // Assess
    expect(answer).toMatchObject({ json: { pipeline: { frozen: { by: 'server-user' } } } });
  });

  it('answers 409 with the pipeline when it is already frozen, or not frozen', async () => {
    // Prepare
    const { post } = setUp();
    await post('freeze', 'web', { by: 'Priya', reason: 'audit' });

    // Act
    const again = await post('freeze', 'web', { by: 'Tomás', reason: 'another' });
    await post('unfreeze', 'web', { by: 'Priya' });
    const twice = await post('unfreeze', 'web', {});

    // Assess
    expect(again).toMatchObject({
      statusCode: 409,
      json: {
        error: 'pipeline web is already frozen by Priya: audit',
        pipeline: { frozen: { by: 'Priya' } },
      },
    });
    expect(twice).toMatchObject({ statusCode: 409, json: { error: 'pipeline web is not frozen' } });
  });

  it('refuses a freeze without a reason (400) and an unknown pipeline (404)', async () => {
    // Prepare
    const { post } = setUp();

    // Act / Assess
    await expect(post('freeze', 'web', { by: 'Priya' })).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'a reason is required to freeze a pipeline',
    });
    await expect(post('freeze', 'nope', { reason: 'x' })).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'pipeline nope does not exist',
    });
  });

  it('takes actions as the run actions do: JSON only, never from another site', async () => {
    // Prepare
    const { deps, post } = setUp();

    // Act / Assess
    await expect(
      post('freeze', 'web', { reason: 'x' }, { 'content-type': 'text/plain' }),
    ).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(
      post('freeze', 'web', { reason: 'x' }, { ...JSON_TYPE, 'sec-fetch-site': 'cross-site' }),
    ).rejects.toMatchObject({ name: 'ForbiddenError' });
    expect((await deps.store.getPipelineState('web')).version).toBe(0);
  });

  it('asks for the token when the server has one, and refuses all when it listens beyond the machine without one', async () => {
    // Prepare
    const withToken = setUp({ kind: 'token', token: 's3cret-token' });
    const closed = setUp({ kind: 'closed' });

    // Act / Assess
    await expect(withToken.post('freeze', 'web', { reason: 'x' })).rejects.toMatchObject({
      name: 'WebhookSignatureError',
    });
    await expect(
      withToken.post(
        'freeze',
        'web',
        { reason: 'x' },
        { ...JSON_TYPE, authorization: 'Bearer s3cret-token' },
      ),
    ).resolves.toMatchObject({ statusCode: 200 });
    await expect(closed.post('freeze', 'web', { reason: 'x' })).rejects.toMatchObject({
      name: 'ForbiddenError',
    });
  });
});
