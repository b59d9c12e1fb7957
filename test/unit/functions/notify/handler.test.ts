import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { EventValidationError } from '../../../../shared/domain/errors.ts';
import { RunDriver } from '../../shared/notify/run-fixtures.ts';

const ssm = mockClient(SSMClient);
const dynamo = mockClient(DynamoDBDocumentClient);

describe('notify handler (AWS)', () => {
  const saved = { ...process.env };
  const lines: string[] = [];
  let handler: (envelope: unknown, context: unknown) => Promise<unknown>;

  beforeAll(async () => {
    Object.assign(process.env, {
      PUSHLINE_TABLE: 'pushline-test',
      PUSHLINE_STAGE: 'test',
      PUSHLINE_SECRETS_PREFIX: '/pushline/test/',
      PUSHLINE_DASHBOARD_URL: 'http://localhost:8787',
      PUSHLINE_PIPELINES: JSON.stringify({
        pipelines: [
          {
            name: 'web',
            source: { github: 'acme/web' },
            notifications: { slack: { channel: '#deploys', webhook: 'DEPLOYS_WEBHOOK' } },
          },
        ],
      }),
    });
    // No secret is set: every parameter exists but is empty.
    ssm.onAnyCommand().rejects(new Error('unexpected SSM call'));
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '' } });
    dynamo.onAnyCommand().rejects(new Error('unexpected DynamoDB call'));
    dynamo.on(GetCommand).resolves({});
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    ({ handler } = (await import('../../../../functions/notify/handler.ts')) as unknown as {
      handler: typeof handler;
    });
  });

  afterAll(() => {
    process.env = saved;
    jest.restoreAllMocks();
    ssm.restore();
    dynamo.restore();
  });

  it('parses the EventBridge envelope, reads the secrets under the stage prefix and reads the run', async () => {
    // Prepare
    const started = await new RunDriver().start();
    const envelope = {
      id: 'eb-1',
      source: 'pushline',
      'detail-type': started.detailType,
      detail: started.detail,
    };

    // Act
    await handler(envelope, { awsRequestId: 'req-1' });

    // Assess
    const names = ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input.Name);
    expect(names).toEqual(
      expect.arrayContaining([
        '/pushline/test/SLACK_BOT_TOKEN',
        '/pushline/test/DEPLOYS_WEBHOOK',
        '/pushline/test/GITHUB_TOKEN',
      ]),
    );
    const key = dynamo.commandCalls(GetCommand)[0]!.args[0].input.Key;
    expect(JSON.stringify(key)).toContain(`RUN#${started.detail.runId}`);
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'event of an unknown run, nothing to announce',
        function: 'notify',
      }),
    );
  });

  it('refuses an event that is not a pipeline event', async () => {
    // Act
    const attempt = handler({ source: 'pushline', 'detail-type': 'Run Started', detail: { runId: 1 } }, {});

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(EventValidationError);
  });
});
