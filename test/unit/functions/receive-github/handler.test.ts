import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { sign } from '@octokit/webhooks-methods';
import { mockClient } from 'aws-sdk-client-mock';
import { githubExamples } from '../../shared/sources/github-examples.ts';
import { GITHUB_SECRET } from './support.ts';

const ssm = mockClient(SSMClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const push = githubExamples('push').find((e) => e.payload.ref === 'refs/heads/master')!.payload;
const context = { awsRequestId: 'req-1', functionName: 'pushline-test-receive-github' } as never;
let handler: (
  event: unknown,
  context: never,
) => Promise<{ statusCode: number; headers: object; body: string }>;
let written: string[] = [];

Object.assign(process.env, {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  PUSHLINE_TABLE: 'pushline-test',
  PUSHLINE_STAGE: 'test',
  PUSHLINE_SECRETS_PREFIX: '/pushline/test/',
  PUSHLINE_PIPELINES: JSON.stringify({
    pipelines: [{ name: 'hello', source: { github: 'Codertocat/Hello-World' } }],
  }),
  POWERTOOLS_LOGGER_LOG_EVENT: 'true',
});

async function apiEvent(payload: unknown, { event = 'push', base64 = false, secret = GITHUB_SECRET } = {}) {
  const body = JSON.stringify(payload);
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/github',
    rawPath: '/webhooks/github',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': 'd-42',
      'x-hub-signature-256': await sign(secret, body),
    },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
    requestContext: { requestId: 'r', http: { method: 'POST', path: '/webhooks/github' } },
  };
}

describe('receive-github handler', () => {
  beforeAll(async () => {
    // Powertools writes info to stdout and warnings and errors to stderr.
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    }
    ({ handler } = (await import('../../../../functions/receive-github/handler.ts')) as never);
  });
  afterAll(() => {
    jest.restoreAllMocks();
  });
  beforeEach(() => {
    ssm.reset();
    dynamo.reset();
    written = [];
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: GITHUB_SECRET } });
  });

  it("verifies a base64-encoded body with the secret from the stage's SSM parameter and starts the run", async () => {
    dynamo.on(TransactWriteCommand).resolves({});

    const result = await handler(await apiEvent(push, { base64: true }), context);

    expect(result.statusCode).toBe(202);
    expect(result.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(result.body).runs).toEqual([{ runId: expect.any(String), pipeline: 'hello' }]);
    expect(ssm.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({
      Name: '/pushline/test/github-webhook-secret',
      WithDecryption: true,
    });
    const items = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items.every((item) => item.Put?.TableName === 'pushline-test')).toBe(true);
  });

  it('answers 401 to a wrong signature without touching the table', async () => {
    const result = await handler(await apiEvent(push, { secret: 'guess' }), context);

    expect(result.statusCode).toBe(401);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers a failing table with a 5xx response rather than a throw', async () => {
    dynamo.on(TransactWriteCommand).rejects(new Error('ProvisionedThroughputExceededException'));

    const result = await handler(await apiEvent(push), context);

    expect(result.statusCode).toBeGreaterThanOrEqual(500);
  });

  it('never logs the event, the signature or the secret, even with POWERTOOLS_LOGGER_LOG_EVENT=true', async () => {
    const event = await apiEvent(push, { secret: 'guess' });

    await handler(event, context);
    await handler(await apiEvent({ zen: 'x' }, { event: 'ping' }), context);

    const logs = written.join('');
    expect(logs).toContain('github webhook refused');
    expect(logs).not.toContain(GITHUB_SECRET);
    expect(logs).not.toContain(event.headers['x-hub-signature-256']);
    expect(logs).not.toContain('Initial commit');
  });
});
