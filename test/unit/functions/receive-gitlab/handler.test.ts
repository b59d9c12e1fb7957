import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { fixture } from '../../shared/sources/fixtures.ts';
import { GITLAB_TOKEN } from '../receive-github/support.ts';

const ssm = mockClient(SSMClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const context = { awsRequestId: 'req-1', functionName: 'pushline-test-receive-gitlab' } as never;
let handler: (event: unknown, context: never) => Promise<{ statusCode: number; body: string }>;
const written: string[] = [];

Object.assign(process.env, {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  PUSHLINE_TABLE: 'pushline-test',
  PUSHLINE_STAGE: 'test',
  PUSHLINE_PIPELINES: JSON.stringify({
    pipelines: [{ name: 'diaspora', source: { gitlab: 'mike/diaspora' } }],
  }),
  GITLAB_WEBHOOK_TOKEN_PARAMETER: '/team/gitlab-token',
  POWERTOOLS_LOGGER_LOG_EVENT: 'true',
});

function apiEvent(token: string) {
  return {
    version: '2.0',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-event-uuid': 'uuid-1',
      'x-gitlab-token': token,
    },
    body: JSON.stringify(fixture('gitlab/push-hook.json')),
    isBase64Encoded: false,
  };
}

describe('receive-gitlab handler', () => {
  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    }
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: GITLAB_TOKEN } });
    dynamo.on(TransactWriteCommand).resolves({});
    ({ handler } = (await import('../../../../functions/receive-gitlab/handler.ts')) as never);
  });
  afterAll(() => {
    jest.restoreAllMocks();
  });

  it('reads the token from the parameter the environment names and starts the run', async () => {
    const result = await handler(apiEvent(GITLAB_TOKEN), context);

    expect(result.statusCode).toBe(202);
    expect(JSON.parse(result.body).runs).toEqual([{ runId: expect.any(String), pipeline: 'diaspora' }]);
    expect(ssm.commandCalls(GetParameterCommand)[0]!.args[0].input.Name).toBe('/team/gitlab-token');
  });

  it('answers 401 to a wrong token and never logs a token, even with POWERTOOLS_LOGGER_LOG_EVENT=true', async () => {
    const result = await handler(apiEvent('not-the-token-but-still-private'), context);

    expect(result.statusCode).toBe(401);
    const logs = written.join('');
    expect(logs).toContain('gitlab webhook refused');
    expect(logs).not.toContain(GITLAB_TOKEN);
    expect(logs).not.toContain('not-the-token-but-still-private');
  });
});
