import { CodeCommitClient, GetCommitCommand } from '@aws-sdk/client-codecommit';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { ValidationError } from '../../../../shared/domain/errors.ts';
import { fixture } from '../../shared/sources/fixtures.ts';

const codecommit = mockClient(CodeCommitClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const context = { awsRequestId: 'req-1', functionName: 'pushline-test-receive-codecommit' } as never;
let handler: (event: unknown, context: never) => Promise<unknown>;

Object.assign(process.env, {
  AWS_REGION: 'us-east-2',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  PUSHLINE_TABLE: 'pushline-test',
  PUSHLINE_STAGE: 'test',
  PUSHLINE_PIPELINES: JSON.stringify({ pipelines: [{ name: 'demo', source: { codecommit: 'MyDemoRepo' } }] }),
});

describe('receive-codecommit handler', () => {
  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation(() => true);
    }
    codecommit.on(GetCommitCommand).resolves({ commit: { message: 'New branch', author: { name: 'Ada' } } });
    dynamo.on(TransactWriteCommand).resolves({});
    ({ handler } = (await import('../../../../functions/receive-codecommit/handler.ts')) as never);
  });
  afterAll(() => {
    jest.restoreAllMocks();
  });

  it('starts the run for a created branch and reports the outcome', async () => {
    const event = fixture('codecommit/reference-created.json');
    event.detail.commitId = 'c'.repeat(40);

    await expect(handler(event, context)).resolves.toEqual({ outcome: 'started' });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('ignores a deletion', async () => {
    await expect(handler(fixture('codecommit/reference-deleted.json'), context)).resolves.toEqual({
      outcome: 'ignored',
      reason: 'refs/heads/myBranch was deleted; a deletion starts no run',
    });
  });

  it('throws for a malformed event, so that it lands in the dead-letter queue', async () => {
    await expect(handler({ 'detail-type': 'CodeCommit Repository State Change' }, context)).rejects.toThrow(
      ValidationError,
    );
  });
});
