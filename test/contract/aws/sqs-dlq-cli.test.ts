import { readFileSync } from 'node:fs';
import {
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { explain } from '../../../cli/commands/dlq.ts';
import { main } from '../../../cli/main.ts';

const sqs = mockClient(SQSClient);
const QUEUE =
  'https://sqs.us-east-1.amazonaws.com/123456789012/pushline-prod-DeployStagingDeadLetterQueue-4RZ3JQ0S9T1P';
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/aws/sqs-receive-message-dead-letters.json', import.meta.url), 'utf8'),
);

/** Runs `pushline …` and returns its exit code and what it printed. */
async function pushline(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  const error = jest
    .spyOn(console, 'error')
    .mockImplementation((line: unknown) => void err.push(String(line)));
  try {
    const code = await main(['node', 'pushline', ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('pushline dlq', () => {
  beforeEach(() => {
    sqs.reset();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it("lists a function's dead letters: when, what, which run, why", async () => {
    sqs.on(ListQueuesCommand).resolves({ QueueUrls: [QUEUE] });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2' } });
    sqs.on(ReceiveMessageCommand).resolvesOnce(fixture).resolves({});

    const { code, out, err } = await pushline(
      'dlq',
      'list',
      '--function',
      'deploy-staging',
      '--stage',
      'prod',
      '--region',
      'us-east-1',
    );

    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(sqs.commandCalls(ListQueuesCommand)[0]!.args[0].input).toEqual({
      QueueNamePrefix: 'pushline-prod-DeployStagingDeadLetterQueue',
    });
    expect(out.split('\n')).toEqual([
      '2025-03-14T09:41:07.913Z  Tests Passed  run 01JP9ZMQ6R7C0VV1EG6MGAF6HH  → pushline-prod-deploy-staging  RetriesExhausted  error: TransientError: deployment group AppECS-web/DgpECS-web-staging has another deployment in progress  (2f3b7c1e-0b1d-4f5e-9a8b-7c6d5e4f3a2b)',
      '2025-03-14T09:40:10.000Z  CodeDeploy Deployment State-change Notification  → pushline-prod-finish-deployment  MaximumRetryAttempts  error: SDK_CLIENT_ERROR: Lambda returned 429: Rate Exceeded.  (8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f)',
    ]);
  });

  it('lists every dead-letter queue of the stack and its depth when no queue is named', async () => {
    sqs.on(ListQueuesCommand).resolves({ QueueUrls: [QUEUE] });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2' } });

    const { code, out } = await pushline('dlq', 'list', '--stage', 'prod', '--region', 'us-east-1');

    expect(code).toBe(0);
    expect(out).toBe('    2  pushline-prod-DeployStagingDeadLetterQueue-4RZ3JQ0S9T1P');
  });

  it('says clearly when there are no credentials or no region, and exits 1', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .rejectsOnce(
        Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        }),
      )
      .rejectsOnce(new Error('Region is missing'));

    const noCredentials = await pushline('dlq', 'list', '--queue-url', QUEUE, '--region', 'us-east-1');
    const noRegion = await pushline('dlq', 'list', '--queue-url', QUEUE);

    expect(noCredentials).toMatchObject({
      code: 1,
      err: expect.stringContaining('pushline dlq: no AWS credentials found'),
    });
    expect(noRegion).toMatchObject({
      code: 1,
      err: expect.stringContaining('pushline dlq: no AWS region: pass --region'),
    });
  });

  it('refuses a redrive that names no queue, and a --max that is not a count, before calling AWS', async () => {
    const unnamed = await pushline('dlq', 'redrive');
    const badMax = await pushline('dlq', 'list', '--queue-url', QUEUE, '--max', 'lots');

    expect(unnamed).toMatchObject({
      code: 1,
      err: expect.stringContaining('name the queue: --queue-url <url> or --function <name>'),
    });
    expect(badMax).toMatchObject({
      code: 1,
      err: expect.stringContaining('--max must be a whole number from 1, not "lots"'),
    });
    expect(sqs.calls()).toHaveLength(0);
  });

  it('explains access denied and a missing queue in a sentence', () => {
    expect(
      explain(
        Object.assign(new Error('User is not authorized to perform: sqs:receivemessage'), {
          name: 'AccessDenied',
        }),
      ),
    ).toBe('not allowed: User is not authorized to perform: sqs:receivemessage');
    expect(
      explain(Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' })),
    ).toBe('no such queue: The specified queue does not exist.');
  });
});
