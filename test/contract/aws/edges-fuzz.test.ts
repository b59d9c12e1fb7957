import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { API_ROUTES } from '../../../functions/api/routes.ts';
import { DynamoRunStore } from '../../../shared/aws/dynamo-run-store.ts';
import { type FuzzSecrets, generate, random, type Sent } from '../../support/hostile-requests.ts';
import { githubExamples } from '../../unit/shared/sources/github-examples.ts';
import { type LocalDynamo, startLocalDynamo } from './support/dynalite-server.ts';
import { createPushlineTable, localClient } from './support/pushline-table.ts';

/**
 * Issue 14, hostile input at the AWS edges: the same generated requests as the local server's fuzz
 * (test/support/hostile-requests.ts), as API Gateway hands them to the functions behind the HTTP
 * API — receive-github, receive-gitlab, slack-interactions and the api — with their real handler
 * exports, secrets from SSM (mocked) and the run store on dynalite. Never a throw, never a 5xx,
 * never a run from an unsigned request, no secret or stack frame in an answer or a log line.
 * Requests API Gateway itself would refuse (no such route for that method) are not sent.
 * `PUSHLINE_FUZZ_REQUESTS` sets the count (default 2,000 here).
 */

const REQUESTS = Number(process.env.PUSHLINE_FUZZ_REQUESTS ?? 2000);
const SEED = Number(process.env.PUSHLINE_FUZZ_SEED ?? 20261203);
const SECRETS: FuzzSecrets = {
  github: 'aws-fuzz-github',
  slack: 'aws-fuzz-slack',
  gitlab: 'aws-fuzz-gitlab',
};
const API_TOKEN = 'aws-fuzz-api-token-0123456789';
const PREFIX = '/pushline/fuzz/';

type Result = { statusCode: number; body?: string };
type Handler = (event: unknown, context: unknown) => Promise<Result>;

/** The HTTP API's routes, as API Gateway matches them: method, a pattern, the function. */
const ROUTES = [
  { method: 'POST', path: '/webhooks/github', fn: 'receive-github' },
  { method: 'POST', path: '/webhooks/gitlab', fn: 'receive-gitlab' },
  { method: 'POST', path: '/slack/interactions', fn: 'slack-interactions' },
  ...API_ROUTES.map((route) => ({
    method: route.method,
    path: route.path.replace(/\{(\w+)\}/g, ':$1'),
    fn: 'api',
  })),
];

/** The function API Gateway would invoke for `sent`, and the route's key, or undefined (404 at the gateway). */
function routeOf(sent: Sent) {
  const path = sent.path.split('?')[0]!;
  return ROUTES.find((route) => {
    if (route.method !== sent.method) return false;
    const pattern = new RegExp(`^${route.path.replace(/:(\w+)/g, '[^/]+')}/?$`);
    return pattern.test(path);
  });
}

/** An HTTP API payload 2.0 event for `sent`: headers lower-cased, a body that is not UTF-8 in base64. */
function apiEvent(sent: Sent, routeKey: string) {
  const [rawPath, rawQueryString = ''] = sent.path.split('?') as [string, string?];
  const body = sent.body ?? Buffer.alloc(0);
  const text = body.toString('utf8');
  const binary = !Buffer.from(text, 'utf8').equals(body);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers: Object.fromEntries(Object.entries(sent.headers).map(([k, v]) => [k.toLowerCase(), v])),
    ...(body.length ? { body: binary ? body.toString('base64') : text, isBase64Encoded: binary } : {}),
    requestContext: { requestId: 'r-1', http: { method: sent.method, path: rawPath, sourceIp: '192.0.2.7' } },
  };
}

describe('hostile input at the AWS edges', () => {
  let dynamo: LocalDynamo;
  let store: DynamoRunStore;
  const handlers: Record<string, Handler> = {};
  const logs: string[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    const table = await createPushlineTable(localClient(dynamo.endpoint), 'pushline-fuzz');
    store = new DynamoRunStore({ client: localClient(dynamo.endpoint), tableName: table });
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      PUSHLINE_TABLE: table,
      PUSHLINE_STAGE: 'fuzz',
      PUSHLINE_SECRETS_PREFIX: PREFIX,
      PUSHLINE_PIPELINES: JSON.stringify({
        pipelines: [
          {
            name: 'hello',
            source: { github: 'Codertocat/Hello-World' },
            build: { codebuild: { project: 'hello' } },
          },
        ],
      }),
    });
    const values: Record<string, string> = {
      [`${PREFIX}github-webhook-secret`]: SECRETS.github,
      [`${PREFIX}gitlab-webhook-token`]: SECRETS.gitlab,
      [`${PREFIX}SLACK_SIGNING_SECRET`]: SECRETS.slack,
      [`${PREFIX}api-tokens`]: JSON.stringify({ fuzz: API_TOKEN }),
    };
    mockClient(SSMClient)
      .on(GetParameterCommand)
      .callsFake(({ Name }: { Name: string }) => {
        if (!(Name in values)) throw new ParameterNotFound({ message: `${Name} not found`, $metadata: {} });
        return { Parameter: { Name, Type: 'SecureString', Value: values[Name], Version: 1 } };
      });
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logs.push(String(chunk));
        return true;
      });
    }
    for (const name of ['receive-github', 'receive-gitlab', 'slack-interactions', 'api']) {
      handlers[name] = (
        (await import(`../../../functions/${name}/handler.ts`)) as { handler: Handler }
      ).handler;
    }
  }, 60_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    process.env = saved;
    await dynamo?.close();
  });

  it(`answers ${REQUESTS} generated requests with no throw, no 5xx, no leak and no run that was not signed`, async () => {
    const rnd = random(SEED);
    const pushes = githubExamples('push').map((example) => Buffer.from(JSON.stringify(example.payload)));
    const failures: string[] = [];
    const signed = new Set<string>();
    let sentCount = 0;
    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS * 3 && sentCount < REQUESTS; i++) {
      const sent = generate(rnd, ROUTES, pushes, [], SECRETS);
      // The API's actions, with the token sometimes, so they meet more than the 401.
      if (sent.path.startsWith('/api/') && rnd.chance(0.5))
        sent.headers.authorization = `Bearer ${API_TOKEN}`;
      const route = routeOf(sent);
      if (!route) continue;
      sentCount++;
      if (sent.signedDelivery !== undefined) signed.add(sent.signedDelivery);
      let result: Result;
      try {
        result = await handlers[route.fn]!(
          apiEvent(sent, `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`),
          {
            awsRequestId: `req-${i}`,
            functionName: route.fn,
            getRemainingTimeInMillis: () => 10_000,
          },
        );
      } catch (error) {
        failures.push(`threw ${sent.what}: ${String(error)}`);
        continue;
      }
      statuses.set(result.statusCode, (statuses.get(result.statusCode) ?? 0) + 1);
      if (result.statusCode >= 500)
        failures.push(`${result.statusCode} ${sent.what}: ${result.body?.slice(0, 200)}`);
      const body = result.body ?? '';
      if (
        /\bat .*:\d+:\d+\)?/.test(body) ||
        Object.values(SECRETS).some((s) => body.includes(s)) ||
        body.includes(API_TOKEN)
      ) {
        failures.push(`leak ${sent.what}: ${body.slice(0, 200)}`);
      }
    }
    if (process.env.PUSHLINE_FUZZ_REQUESTS) {
      console.log(`${sentCount} requests, seed ${SEED}: ${JSON.stringify(Object.fromEntries(statuses))}`);
    }

    expect(failures.slice(0, 10)).toEqual([]);
    expect(sentCount).toBe(REQUESTS);
    const leaked = logs.filter((line) =>
      [...Object.values(SECRETS), API_TOKEN].some((s) => line.includes(s)),
    );
    expect(leaked).toEqual([]);
    const { runs } = await store.list({ limit: 1000 });
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(signed.has(run.source.deliveryId ?? '')).toBe(true);
  }, 600_000);
});
