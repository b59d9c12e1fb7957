import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { jest } from '@jest/globals';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { startLocalDynamo } from '../contract/aws/support/dynalite-server.ts';
import { createPushlineTable, localClient } from '../contract/aws/support/pushline-table.ts';

type Result = { statusCode: number; headers: Record<string, string>; body: string };

/**
 * The api function's real handler export, configured as the stack configures it — its
 * environment, `pipelines` as the packaged pipeline file, the run store on a fresh table in
 * dynalite — with what it logs captured (`logs`, emptied by the caller as it likes). Call it in a
 * `beforeAll`; `close()` in the `afterAll`.
 */
export async function startApiFunction(pipelineFile: object, tableName: string) {
  const dynamo = await startLocalDynamo();
  const table = await createPushlineTable(localClient(dynamo.endpoint), tableName);
  const store = new DynamoRunStore({ client: localClient(dynamo.endpoint), tableName: table });
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    PUSHLINE_TABLE: table,
    PUSHLINE_STAGE: 'test',
    PUSHLINE_SECRETS_PREFIX: '/pushline/test/',
    PUSHLINE_PIPELINES: JSON.stringify(pipelineFile),
  });
  const logs: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logs.push(String(chunk));
    return true;
  });
  const { handler } = (await import('../../functions/api/handler.ts')) as unknown as {
    handler: (event: unknown, context: unknown) => Promise<Result>;
  };
  return {
    handler,
    store,
    dynamo,
    logs,
    async close() {
      jest.restoreAllMocks();
      await dynamo.close();
    },
  };
}

/** The SSM parameter the api function reads its tokens from, answering `tokens` (name → token). */
export function answerTokens(ssm: AwsClientStub<SSMClient>, tokens: Record<string, string>): void {
  const name = '/pushline/test/api-tokens';
  ssm.on(GetParameterCommand, { Name: name }).resolves({
    Parameter: { Name: name, Type: 'SecureString', Value: JSON.stringify(tokens), Version: 1 },
  });
}
