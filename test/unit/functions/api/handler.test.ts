import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { newEvent } from '../../../../shared/app/new-event.ts';
import type { DynamoRunStore } from '../../../../shared/aws/dynamo-run-store.ts';
import { shortRunId } from '../../../../shared/domain/run-id.ts';
import type { RunDetail, RunSummary } from '../../../../shared/http/run-views.ts';
import type { LocalDynamo } from '../../../contract/aws/support/dynalite-server.ts';
import { answerTokens, startApiFunction } from '../../../support/api-function.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { runEvents, seedRun } from '../../../support/runs.ts';

/**
 * The api function's real handler export, configured as the stack configures it (environment,
 * the token parameter under PUSHLINE_SECRETS_PREFIX), on a Pushline table in dynalite, with SSM
 * answering through aws-sdk-client-mock. Requests are API Gateway HTTP API payload 2.0 events.
 */
const TOKENS = { 'Priya Natarajan': 'tok-priya-4f0c1a9e7b3d5e62', 'deploy-bot': 'tok-bot-9d3e1f7a2c5b8e04' };
const PARAMETER = '/pushline/test/api-tokens';
const ssm = mockClient(SSMClient);
const context = { awsRequestId: 'req-1', functionName: 'pushline-test-api' };
type Result = { statusCode: number; headers: Record<string, string>; body: string };
let handler: (event: unknown, context: unknown) => Promise<Result>;
let api: Awaited<ReturnType<typeof startApiFunction>>;
let dynamo: LocalDynamo;
let store: DynamoRunStore;
let logs: string[] = [];

function request(
  method: 'GET' | 'POST',
  path: string,
  { token, body, query = '' }: { token?: string; body?: string; query?: string } = {},
) {
  const route = path.replace(/^\/api\/runs\/[^/]+/, '/api/runs/{id}');
  return {
    version: '2.0',
    routeKey: `${method} ${route}`,
    rawPath: path,
    rawQueryString: query,
    headers: {
      'content-type': 'application/json',
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body, isBase64Encoded: false } : { isBase64Encoded: false }),
    requestContext: { requestId: 'r-1', http: { method, path } },
  };
}

async function call(...args: Parameters<typeof request>) {
  const result = await handler(request(...args), context);
  return { status: result.statusCode, json: JSON.parse(result.body) as Record<string, unknown> };
}

/** A run of `web` waiting at its gate, which only Priya may decide. */
async function runAtTheGate(n: number) {
  const [first, ...rest] = runEvents('staged', { createdAt: new Date(Date.UTC(2025, 2, 14, 9, n)) });
  const { runIds } = await store.startRuns({ id: `delivery-gate-${n}`, provider: 'github' }, [first!]);
  const base = { id: runIds[0]!, pipeline: 'web', attempt: 1, source: first!.detail.source };
  const requested = newEvent(
    'Approval Requested',
    base,
    'approval',
    { approvers: ['Priya Natarajan'], timeoutSeconds: 7200 },
    new FakeClock(first!.detail.at),
  );
  await store.append(runIds[0]!, 1, [...rest, requested]);
  return runIds[0]!;
}

describe('the api function (handler)', () => {
  beforeAll(async () => {
    api = await startApiFunction(
      {
        people: { 'Priya Natarajan': { github: 'priya-n' } },
        pipelines: [
          {
            name: 'web',
            source: { github: 'acme/web' },
            build: { codebuild: { project: 'web-build' } },
            production: { approval: { required: true, approvers: ['Priya Natarajan'] } },
          },
        ],
      },
      'pushline-api',
    );
    ({ handler, store, dynamo, logs } = api);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
  });

  beforeEach(() => {
    ssm.reset();
    answerTokens(ssm, TOKENS);
    logs.length = 0;
  });

  describe('authentication', () => {
    // First: a parameter that is not found is asked again next time, one that is found is cached.
    it('answers 503 naming the parameter to set when it does not exist', async () => {
      ssm.reset();
      ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));

      const result = await handler(request('GET', '/api/runs', { token: 'tok-any-0000000000000' }), context);

      expect(result.statusCode).toBe(503);
      expect(JSON.parse(result.body).error).toContain(`the SSM parameter ${PARAMETER}`);
    });
    it('answers 401 to a request without a token, reading neither the tokens nor the table', async () => {
      const before = dynamo.calls.length;

      const { status, json } = await call('GET', '/api/runs');

      expect(status).toBe(401);
      expect(json.error).toMatch(/Authorization: Bearer/);
      expect(ssm.calls()).toHaveLength(0);
      expect(dynamo.calls.length).toBe(before);
    });

    it('reads the tokens from the SSM parameter under the stage prefix, with decryption', async () => {
      await call('GET', '/api/runs', { token: TOKENS['deploy-bot'] });

      expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
        Name: PARAMETER,
        WithDecryption: true,
      });
    });

    it('answers 401 to a wrong token without reading the table', async () => {
      const before = dynamo.calls.length;

      const { status, json } = await call('POST', '/api/runs/01JP9ZMQ6R7C0VV1EG6MGAF6HH/cancel', {
        token: 'tok-guess-000000000000',
        body: '{"reason":"x"}',
      });

      expect(status).toBe(401);
      expect(json).toEqual({ error: 'the token is not valid' });
      expect(dynamo.calls.length).toBe(before);
    });

    it('never writes a token or the Authorization header to the log, and says who acted', async () => {
      const runId = await runAtTheGate(1);

      await call('GET', '/api/runs', { token: 'tok-guess-000000000000' });
      await call('GET', '/api/runs');
      await call('POST', `/api/runs/${runId}/approve`, {
        token: TOKENS['Priya Natarajan'],
        body: '{"comment":"checked staging"}',
      });

      const text = logs.join('');
      for (const secret of [...Object.values(TOKENS), 'tok-guess-000000000000'])
        expect(text).not.toContain(secret);
      expect(text.toLowerCase()).not.toContain('authorization');
      expect(text).not.toContain('Bearer');
      const lines = logs.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ message: 'api request', route: 'GET /api/runs', statusCode: 401 }),
          expect.objectContaining({ message: 'approved', runId, by: 'Priya Natarajan', requestId: 'req-1' }),
          expect.objectContaining({
            message: 'api request',
            route: 'POST /api/runs/{id}/approve',
            by: 'Priya Natarajan',
            statusCode: 200,
          }),
        ]),
      );
    });
  });

  describe('routes', () => {
    it('lists runs as local mode does, filtered by status', async () => {
      const failed = await seedRun(store, 'failed', { createdAt: new Date('2025-03-14T10:00:00Z') });

      const all = await call('GET', '/api/runs', { token: TOKENS['deploy-bot'] });
      const onlyFailed = await call('GET', '/api/runs', {
        token: TOKENS['deploy-bot'],
        query: 'status=failed',
      });

      expect(all.status).toBe(200);
      expect((all.json.runs as RunSummary[]).map((r) => r.id)).toContain(failed.id);
      expect(onlyFailed.json.runs).toEqual([
        expect.objectContaining({ id: failed.id, pipeline: 'web', status: 'failed', reason: 'build FAILED' }),
      ]);
      expect((onlyFailed.json.runs as RunSummary[])[0]!.stages.map((s) => s.name)).toContain('approval');
    });

    it('answers 400 to a query it cannot read', async () => {
      const { status, json } = await call('GET', '/api/runs', {
        token: TOKENS['deploy-bot'],
        query: 'status=lost',
      });

      expect(status).toBe(400);
      expect(json.error).toMatch(/^status lost is not one of running/);
    });

    it('shows one run by its short id, with its log', async () => {
      const runId = await runAtTheGate(2);

      const { status, json } = await call('GET', `/api/runs/${shortRunId(runId)}`, {
        token: TOKENS['deploy-bot'],
      });

      expect(status).toBe(200);
      const detail = json as unknown as RunDetail;
      expect(detail.id).toBe(runId);
      expect(detail.approval).toEqual({ approvers: ['Priya Natarajan'], timeoutSeconds: 7200 });
      expect(detail.events.map((e) => e.detailType).at(-1)).toBe('Approval Requested');
    });

    it('answers 404 to a run that does not exist', async () => {
      const { status, json } = await call('GET', '/api/runs/01JP9ZMQ6R7C0VV1EG6MGAF6ZZ', {
        token: TOKENS['deploy-bot'],
      });

      expect(status).toBe(404);
      expect(json).toEqual({ error: 'run 01JP9ZMQ6R7C0VV1EG6MGAF6ZZ does not exist' });
    });

    it('approves as the token names, ignoring a body that names someone else', async () => {
      const runId = await runAtTheGate(3);

      const { status, json } = await call('POST', `/api/runs/${runId}/approve`, {
        token: TOKENS['Priya Natarajan'],
        body: JSON.stringify({ by: 'deploy-bot', comment: 'checked staging' }),
      });

      expect(status).toBe(200);
      expect((json.run as RunSummary).approval?.decision).toMatchObject({
        verdict: 'approved',
        by: 'Priya Natarajan',
        comment: 'checked staging',
      });
    });

    it('refuses with 403 a token whose name is not an approver, whatever the body says', async () => {
      const runId = await runAtTheGate(4);

      const { status, json } = await call('POST', `/api/runs/${runId}/approve`, {
        token: TOKENS['deploy-bot'],
        body: JSON.stringify({ by: 'Priya Natarajan' }),
      });

      expect(status).toBe(403);
      expect(json.error).toBe(`deploy-bot may not decide on run ${runId}: the approvers are Priya Natarajan`);
    });

    it('answers 409 with the run state to an approval of a finished run', async () => {
      const failed = await seedRun(store, 'failed', { createdAt: new Date('2025-03-14T11:00:00Z') });

      const { status, json } = await call('POST', `/api/runs/${failed.id}/approve`, {
        token: TOKENS['Priya Natarajan'],
      });

      expect(status).toBe(409);
      expect(json).toMatchObject({
        error: expect.stringContaining('has ended (failed)'),
        run: { id: failed.id, status: 'failed', stages: { build: 'failed' } },
      });
    });

    it('answers 400 to a body that is not JSON, and to a reject without a reason', async () => {
      const runId = await runAtTheGate(5);

      const notJson = await call('POST', `/api/runs/${runId}/reject`, {
        token: TOKENS['Priya Natarajan'],
        body: 'reason=no',
      });
      const noReason = await call('POST', `/api/runs/${runId}/reject`, {
        token: TOKENS['Priya Natarajan'],
        body: '{}',
      });

      expect(notJson.status).toBe(400);
      expect(notJson.json.error).toMatch(/^the body is not JSON/);
      expect(noReason).toEqual({ status: 400, json: { error: 'a reason is required' } });
      expect((await store.get(runId))!.run.stages.approval.status).toBe('running');
    });

    it('rejects at the gate with the reason: the run ends failed', async () => {
      const runId = await runAtTheGate(6);

      const { status, json } = await call('POST', `/api/runs/${runId}/reject`, {
        token: TOKENS['Priya Natarajan'],
        body: JSON.stringify({ reason: 'the checkout page is broken on staging' }),
      });

      expect(status).toBe(200);
      expect(json.run).toMatchObject({
        status: 'failed',
        reason: 'rejected by Priya Natarajan: the checkout page is broken on staging',
      });
    });
  });
});
