import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { newEvent } from '../../../../shared/app/new-event.ts';
import type { WebhookRequest } from '../../../../shared/http/webhook.ts';
import { apiRoutes, type RunDetail, type RunSummary } from '../../../../shared/local/api-routes.ts';
import { buildDir } from '../../../../shared/local/buildspec/build-record.ts';
import { LocalHttpServer } from '../../../../shared/local/http-server.ts';
import { SqliteRunStore } from '../../../../shared/local/sqlite-run-store.ts';
import { ContractClock, runStarted } from '../../../contract/run-store.contract.ts';

/** Posts a body in chunks without a Content-Length (chunked), as a streaming sender would. */
function postChunked(
  url: string,
  chunks: number,
  chunkSize: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(chunkSize, 0x61);
    let sent = 0;
    const write = () => {
      while (sent < chunks) {
        sent++;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

type RunList = { runs: RunSummary[]; cursor?: string };
const json = async <T>(response: Response | Promise<Response>) => (await (await response).json()) as T;

const BUILD_ID = 'web:4f8a3c2e-9d1b-4e6f-8a7c-2b5d9e0f1a3c';

describe('LocalHttpServer', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pushline-http-'));
  const clock = new ContractClock();
  const store = new SqliteRunStore({ file: ':memory:', clock });
  const received: WebhookRequest[] = [];
  const server = new LocalHttpServer({ routes: apiRoutes({ store, dataDir, clock }), maxBodyBytes: 1024 });
  server.webhook('/webhooks/github', async (request) => {
    received.push(request);
    return { statusCode: 202, body: { runs: ['r1'] } };
  });
  let url = '';
  let older = '';
  let newer = '';

  beforeAll(async () => {
    ({ url } = await server.listen(0));
    const first = runStarted(clock, 'web');
    clock.advance(60);
    const second = runStarted(clock, 'api');
    await store.startRuns({ provider: 'github', id: 'd1' }, [first, second]);
    older = first.detail.runId;
    newer = second.detail.runId;
    const run = (await store.get(older))!.run;
    clock.advance(5);
    await store.append(older, 1, [
      newEvent('Build Started', run, 'build', { buildId: BUILD_ID }, clock),
      newEvent('Production Deployed', run, 'production', { deploymentId: 'p1' }, clock),
    ]);
    await store.addNote(older, {
      at: clock.now().toISOString(),
      kind: 'dead-letter',
      message: 'notify failed',
    });
    // Where the local builder writes it: build ids carry a colon, the directory an underscore.
    mkdirSync(buildDir(dataDir, BUILD_ID), { recursive: true });
    writeFileSync(join(buildDir(dataDir, BUILD_ID), 'build.log'), '[Container] Entering phase BUILD\nok\n');
    clock.advance(30);
  });
  afterAll(async () => {
    await server.close();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers /healthz', async () => {
    const response = await fetch(`${url}/healthz`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('hands a webhook its lower-case headers and raw body and sends back its answer', async () => {
    const body = '{"ref":"refs/heads/main"}';

    const response = await fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: { 'X-GitHub-Delivery': 'abc', 'Content-Type': 'application/json' },
      body,
    });

    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ runs: ['r1'] });
    const last = received[received.length - 1]!;
    expect(last.headers['x-github-delivery']).toBe('abc');
    expect(last.body.toString('utf8')).toBe(body);
  });

  it('refuses a body declared too large with 413 before reading it', async () => {
    const before = received.length;

    const response = await fetch(`${url}/webhooks/github`, { method: 'POST', body: 'x'.repeat(5000) });

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/limit is 1024/) });
    expect(received.length).toBe(before);
  });

  it("takes a route's own larger limit over the server's (a push webhook's over the API's)", async () => {
    // Prepare: the server's limit is 1 KiB; this route allows 8 KiB
    const bodies: number[] = [];
    server.webhook(
      '/webhooks/large',
      async (request) => {
        bodies.push(request.body.length);
        return { statusCode: 202, body: {} };
      },
      { maxBodyBytes: 8192 },
    );

    // Act
    const fits = await fetch(`${url}/webhooks/large`, { method: 'POST', body: 'x'.repeat(5000) });
    const over = await fetch(`${url}/webhooks/large`, { method: 'POST', body: 'x'.repeat(9000) });

    // Assess
    expect(fits.status).toBe(202);
    expect(bodies).toEqual([5000]);
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({ error: expect.stringMatching(/limit is 8192/) });
  });

  it('refuses a streamed body with 413 as soon as it passes the limit', async () => {
    const before = received.length;

    const response = await postChunked(`${url}/webhooks/github`, 64, 512);

    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).error).toMatch(/over the limit/);
    expect(received.length).toBe(before);
  });

  it('answers an unknown path with 404 and another method with 405 and Allow', async () => {
    const missing = await fetch(`${url}/nope`);
    const wrongMethod = await fetch(`${url}/webhooks/github`);

    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no such resource: /nope' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('lists runs newest first with their stages, durations and push', async () => {
    const response = await fetch(`${url}/api/runs`);
    const { runs, cursor } = await json<RunList>(response);

    expect(runs.map((r) => r.id)).toEqual([newer, older]);
    expect(cursor).toBeUndefined();
    const run = runs[1]!;
    expect(run).toMatchObject({
      pipeline: 'web',
      status: 'running',
      source: { branch: 'main', commit: expect.any(String) },
    });
    expect(run.stages.map((s: { name: string }) => s.name)).toEqual([
      'source',
      'build',
      'staging',
      'approval',
      'canary',
      'production',
    ]);
    expect(run.stages[1]).toMatchObject({ status: 'running', durationSeconds: 30 });
  });

  it('filters and pages the list', async () => {
    const web = await json<RunList>(fetch(`${url}/api/runs?pipeline=web`));
    const first = (await (await fetch(`${url}/api/runs?limit=1`)).json()) as {
      runs: { id: string }[];
      cursor: string;
    };
    const second = await json<RunList>(fetch(`${url}/api/runs?limit=1&cursor=${first.cursor}`));
    const none = await json<RunList>(fetch(`${url}/api/runs?status=failed,cancelled`));

    expect(web.runs.map((r: { id: string }) => r.id)).toEqual([older]);
    expect(first.runs.map((r) => r.id)).toEqual([newer]);
    expect(second.runs.map((r: { id: string }) => r.id)).toEqual([older]);
    expect(none.runs).toEqual([]);
  });

  it.each([
    ['limit=0', /limit must be a whole number/],
    ['limit=abc', /limit must be a whole number/],
    ['status=done', /status done is not one of/],
    ['cursor=bogus', /not a cursor/],
  ])('answers 400 for a bad query (%s)', async (query, message) => {
    const response = await fetch(`${url}/api/runs?${query}`);

    expect(response.status).toBe(400);
    expect((await json<{ error: string }>(response)).error).toMatch(message);
  });

  it('shows one run with its log (ignored entries with their reasons) and its notes', async () => {
    const response = await fetch(`${url}/api/runs/${older}`);
    const detail = await json<RunDetail>(response);

    expect(response.status).toBe(200);
    expect(
      detail.events.map((e: { detailType: string; disposition: string }) => [e.detailType, e.disposition]),
    ).toEqual([
      ['Run Started', 'applied'],
      ['Build Started', 'applied'],
      ['Production Deployed', 'ignored'],
    ]);
    expect(detail.events[2]?.reason).toMatch(/production is pending/);
    expect(detail.notes).toEqual([
      expect.objectContaining({ kind: 'dead-letter', message: 'notify failed' }),
    ]);
    expect(detail.build).toEqual({ buildId: BUILD_ID });
    expect(detail.version).toBe(3);
  });

  it('answers 404 for a run that does not exist and 400 for a broken path or an id that is no run id', async () => {
    const missing = await fetch(`${url}/api/runs/01JNQPE`);
    const broken = await fetch(`${url}/api/runs/%E0%A4%A`);
    const notAnId = await fetch(`${url}/api/runs/01JNOPE`);

    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'run 01JNQPE does not exist' });
    expect(broken.status).toBe(400);
    expect(notAnId.status).toBe(400);
    expect((await json<{ error: string }>(notAnId)).error).toMatch(/"01JNOPE" is not a run id/);
  });

  it('finds a run and its build log by the short id (the last 8 characters), in any case', async () => {
    const short = older.slice(-8);

    const detail = await fetch(`${url}/api/runs/${short.toLowerCase()}`);
    const log = await fetch(`${url}/api/runs/${short}/logs/build`);

    expect(detail.status).toBe(200);
    expect((await json<RunDetail>(detail)).id).toBe(older);
    expect(log.status).toBe(200);
    expect(await log.text()).toBe('[Container] Entering phase BUILD\nok\n');
  });

  it('serves the build log as text, and 404 when there is none', async () => {
    const log = await fetch(`${url}/api/runs/${older}/logs/build`);
    const noBuild = await fetch(`${url}/api/runs/${newer}/logs/build`);

    expect(log.status).toBe(200);
    expect(log.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await log.text()).toBe('[Container] Entering phase BUILD\nok\n');
    expect(noBuild.status).toBe(404);
    expect(await noBuild.json()).toEqual({ error: `run ${newer} has no build yet` });
  });

  it('never answers a 5xx to any method, path or query', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'),
        fc.array(
          fc.oneof(fc.constantFrom('api', 'runs', 'logs', 'build', '%', '%zz', '..', older), fc.string()),
          {
            maxLength: 5,
          },
        ),
        fc.string(),
        async (method, segments, query) => {
          const path = `/${segments.map((s) => s.replace(/[?#]/g, '')).join('/')}`;
          const response = await fetch(`${url}${path}?${encodeURIComponent(query)}`, { method });
          await response.arrayBuffer();
          return response.status < 500;
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('LocalHttpServer run ids shared by several runs', () => {
  const clock = new ContractClock();
  const store = new SqliteRunStore({ file: ':memory:', clock });
  const server = new LocalHttpServer({ routes: apiRoutes({ store, dataDir: tmpdir(), clock }) });
  const first = '01JQ10000000000000AB6747SE';
  const second = '01JQ20000000000000CD6747SE';
  let url = '';

  beforeAll(async () => {
    ({ url } = await server.listen(0));
    const events = [first, second].map((runId) => {
      const event = runStarted(clock);
      event.detail.runId = runId;
      return event;
    });
    await store.startRuns({ provider: 'github', id: 'd1' }, events);
  });
  afterAll(async () => {
    await server.close();
    store.close();
  });

  it.each(['', '/logs/build'])(
    'answers 400 with the candidates, newest first, for a tail two runs share (%s)',
    async (tail) => {
      const response = await fetch(`${url}/api/runs/6747SE${tail}`);

      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: `run id 6747SE is ambiguous: it matches 2 runs: CD6747SE (${second}), AB6747SE (${first}); give more characters`,
        candidates: [second, first],
      });
    },
  );

  it('finds each run by a longer tail', async () => {
    const response = await fetch(`${url}/api/runs/AB6747SE`);

    expect((await json<RunDetail>(response)).id).toBe(first);
  });
});

describe('LocalHttpServer.close', () => {
  it('cuts a request still in progress once the grace period is over', async () => {
    const server = new LocalHttpServer({
      routes: [{ method: 'GET', path: '/slow', handle: () => new Promise(() => {}) }],
    });
    const { url } = await server.listen(0);
    const pending = fetch(`${url}/slow`).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = Date.now();
    await server.close({ graceMs: 100 });

    expect(Date.now() - started).toBeLessThan(2000);
    expect(String(await pending)).toMatch(/fetch failed/);
  });
});
