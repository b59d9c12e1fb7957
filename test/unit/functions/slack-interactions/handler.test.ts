import { createHmac } from 'node:crypto';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { newEvent } from '../../../../shared/app/new-event.ts';
import { DynamoRunStore } from '../../../../shared/aws/dynamo-run-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../../../contract/aws/support/dynalite-server.ts';
import { createPushlineTable, localClient } from '../../../contract/aws/support/pushline-table.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { RecordingServer } from '../../../support/recording-server.ts';
import { runEvents } from '../../../support/runs.ts';

/**
 * The slack-interactions function's real handler export, configured as the stack configures it
 * (its Slack parameters under PUSHLINE_SECRETS_PREFIX), on a Pushline table in dynalite, with SSM
 * answering through aws-sdk-client-mock and Slack's Web API and `response_url` played by a
 * recording server. Requests are API Gateway HTTP API payload 2.0 events carrying a form body
 * signed as Slack signs it, base64-encoded as API Gateway passes a form body on.
 */
const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const PREFIX = '/pushline/test/';
const PRIYA = 'U024BE7LH';
const MALLORY = 'U0MALLORY';
const ssm = mockClient(SSMClient);
const context = { awsRequestId: 'req-slack-1', functionName: 'pushline-test-slack-interactions' };
type Result = { statusCode: number; headers: Record<string, string>; body: string };
let handler: (event: unknown, context: unknown) => Promise<Result>;
let dynamo: LocalDynamo;
let store: DynamoRunStore;
let slack: RecordingServer;
let logs: string[] = [];

/** A form body `payload=<json>`, signed: `v0=` HMAC-SHA256 of `v0:<timestamp>:<body>` (Slack's docs). */
function slackRequest(payload: object, { secret = SIGNING_SECRET, at = new Date(), base64 = true } = {}) {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    version: '2.0',
    routeKey: 'POST /slack/interactions',
    rawPath: '/slack/interactions',
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
    requestContext: {
      requestId: 'r-slack-1',
      http: { method: 'POST', path: '/slack/interactions', sourceIp: '54.209.0.1' },
    },
  };
}

/** Slack's `block_actions` payload for a click on Approve or Reject in the run's message. */
function click(actionId: 'pushline.approve' | 'pushline.reject', runId: string, user = PRIYA) {
  return {
    type: 'block_actions',
    user: { id: user, username: 'priya', name: 'priya', team_id: 'T9TK3CUKW' },
    api_app_id: 'A0PUSHLINE',
    token: 'Shh_its_a_seekrit',
    container: {
      type: 'message',
      message_ts: '1700000001.000100',
      channel_id: 'C0DEPLOYS',
      is_ephemeral: false,
    },
    trigger_id: '12466734323.1395872398.3b4d3b0f9c4b3a8e7f5d6c5b4a3f2e1d',
    team: { id: 'T9TK3CUKW', domain: 'acme' },
    channel: { id: 'C0DEPLOYS', name: 'deploys' },
    message: { type: 'message', ts: '1700000001.000100', text: 'web waiting for approval' },
    response_url: `${slack.url}/actions/T9TK3CUKW/1232321423432/D09sSasdasdAS9091209`,
    actions: [
      {
        action_id: actionId,
        block_id: 'pushline.approval',
        text: {
          type: 'plain_text',
          text: actionId === 'pushline.approve' ? 'Approve' : 'Reject',
          emoji: true,
        },
        value: runId,
        type: 'button',
        action_ts: '1700000100.000200',
      },
    ],
  };
}

/** Slack's `view_submission` of the reject form, with `reason`. */
function submission(runId: string, reason: string, user = PRIYA) {
  return {
    type: 'view_submission',
    team: { id: 'T9TK3CUKW', domain: 'acme' },
    user: { id: user, username: 'priya', name: 'priya', team_id: 'T9TK3CUKW' },
    api_app_id: 'A0PUSHLINE',
    trigger_id: '12345.98765.abcd2358fdea',
    view: {
      id: 'V0REJECT',
      type: 'modal',
      callback_id: 'pushline.reject',
      private_metadata: runId,
      title: { type: 'plain_text', text: 'Reject the run' },
      blocks: [],
      state: { values: { reason: { reason: { type: 'plain_text_input', value: reason } } } },
    },
    response_urls: [],
  };
}

/** A run of `web` waiting at its gate, which only Priya Natarajan may decide. */
async function runAtTheGate(n: number): Promise<string> {
  const [first, ...rest] = runEvents('staged', { createdAt: new Date(Date.UTC(2025, 2, 14, 9, n)) });
  const { runIds } = await store.startRuns({ id: `delivery-slack-${n}`, provider: 'github' }, [first!]);
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

function parameters(values: Record<string, string>) {
  ssm.reset();
  ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
  for (const [name, value] of Object.entries(values)) {
    ssm.on(GetParameterCommand, { Name: `${PREFIX}${name}` }).resolves({
      Parameter: { Name: `${PREFIX}${name}`, Type: 'SecureString', Value: value, Version: 1 },
    });
  }
}

describe('the slack-interactions function (handler)', () => {
  beforeAll(async () => {
    [dynamo, slack] = await Promise.all([startLocalDynamo(), RecordingServer.start()]);
    const table = await createPushlineTable(localClient(dynamo.endpoint), 'pushline-slack');
    store = new DynamoRunStore({ client: localClient(dynamo.endpoint), tableName: table });
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      PUSHLINE_TABLE: table,
      PUSHLINE_STAGE: 'test',
      PUSHLINE_SECRETS_PREFIX: PREFIX,
      PUSHLINE_PIPELINES: JSON.stringify({
        people: { 'Priya Natarajan': { github: 'priya-n', slack: PRIYA } },
        pipelines: [
          {
            name: 'web',
            source: { github: 'acme/web' },
            build: { codebuild: { project: 'web-build' } },
            production: { approval: { required: true, approvers: ['Priya Natarajan'] } },
            notifications: { slack: { channel: '#deploys' } },
          },
        ],
      }),
    });
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logs.push(String(chunk));
      return true;
    });
    ({ handler } = (await import('../../../../functions/slack-interactions/handler.ts')) as unknown as {
      handler: typeof handler;
    });
  }, 60_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await Promise.all([dynamo?.close(), slack?.close()]);
  });

  beforeEach(() => {
    parameters({
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: `${slack.url}/api/`,
    });
    slack.reset();
    slack.on(
      { method: 'POST', path: '/api/views.open' },
      { status: 200, body: { ok: true, view: { id: 'V0REJECT' } } },
    );
    slack.on({ method: 'POST', path: /^\/actions\// }, { status: 200, body: { ok: true } });
    logs = [];
  });

  // First: a parameter that is not found is asked again next time, one that is found is cached.
  it('answers 503 naming the SSM parameter to set when the signing secret does not exist', async () => {
    parameters({ SLACK_BOT_TOKEN: 'xoxb-test-token' });

    const result = await handler(slackRequest(click('pushline.approve', 'run-unknown')), context);

    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body).error).toContain(`the SSM parameter ${PREFIX}SLACK_SIGNING_SECRET`);
  });

  it('records Approved by the approver a signed click names, from the base64 body API Gateway passes on', async () => {
    // Prepare
    const runId = await runAtTheGate(1);

    // Act
    const result = await handler(slackRequest(click('pushline.approve', runId)), context);

    // Assess
    expect(result).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(result.body)).toEqual({});
    const run = (await store.get(runId))!.run;
    expect(run.approval?.decision).toMatchObject({ verdict: 'approved', by: 'Priya Natarajan' });
    expect((await store.log(runId)).at(-1)?.detailType).toBe('Approved');
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: `${PREFIX}SLACK_SIGNING_SECRET`,
      WithDecryption: true,
    });
  });

  it('accepts a body API Gateway did not encode as well', async () => {
    const runId = await runAtTheGate(2);

    const result = await handler(slackRequest(click('pushline.approve', runId), { base64: false }), context);

    expect(result.statusCode).toBe(200);
    expect((await store.get(runId))!.run.stages.approval.status).toBe('succeeded');
  });

  it('opens the reject form with the bot token, then records Rejected with the reason submitted', async () => {
    // Prepare
    const runId = await runAtTheGate(3);

    // Act: the click opens the form; its submission rejects
    const opened = await handler(slackRequest(click('pushline.reject', runId)), context);
    const submitted = await handler(
      slackRequest(submission(runId, 'the checkout is broken on staging')),
      context,
    );

    // Assess
    expect(opened.statusCode).toBe(200);
    const [open] = slack.requestsTo('/api/views.open');
    expect(open!.headers.authorization).toBe('Bearer xoxb-test-token');
    expect(JSON.parse((open!.parsed as { view: string }).view)).toMatchObject({
      callback_id: 'pushline.reject',
      private_metadata: runId,
    });
    expect(submitted.statusCode).toBe(200);
    expect(JSON.parse(submitted.body)).toEqual({ response_action: 'clear' });
    const run = (await store.get(runId))!.run;
    expect(run.status).toBe('failed');
    expect(run.reason).toBe('rejected by Priya Natarajan: the checkout is broken on staging');
    expect((await store.log(runId)).map((e) => e.detailType).slice(-2)).toEqual(['Rejected', 'Run Finished']);
  });

  it('tells someone who is not an approver, only them, and changes nothing', async () => {
    const runId = await runAtTheGate(4);

    const result = await handler(slackRequest(click('pushline.approve', runId, MALLORY)), context);

    expect(result.statusCode).toBe(200);
    expect((await store.get(runId))!.run.stages.approval.status).toBe('running');
    const [told] = slack.requestsTo(/^\/actions\//);
    expect(told?.parsed).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringMatching(/Not approved: .*may not decide/),
    });
  });

  it('answers 401 to a request signed with another secret, before reading the table', async () => {
    const runId = await runAtTheGate(5);
    const before = dynamo.calls.length;

    const result = await handler(
      slackRequest(click('pushline.approve', runId), { secret: 'guessed' }),
      context,
    );

    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body)).toEqual({ error: 'X-Slack-Signature does not match the body' });
    expect(dynamo.calls.length).toBe(before);
  });

  it('answers 401 to a request signed more than five minutes ago, as a replay', async () => {
    const runId = await runAtTheGate(6);

    const result = await handler(
      slackRequest(click('pushline.approve', runId), { at: new Date(Date.now() - 6 * 60_000) }),
      context,
    );

    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error).toMatch(/possible replay/);
    expect((await store.get(runId))!.run.stages.approval.status).toBe('running');
  });

  it('never logs the signing secret, the signature or the bot token', async () => {
    // Prepare: a decision, a forged request and a refusal all write log lines
    const runId = await runAtTheGate(7);
    const request = slackRequest(click('pushline.approve', runId));

    // Act
    await handler(slackRequest(click('pushline.approve', runId), { secret: 'guessed' }), context);
    await handler(request, context);
    await handler(slackRequest(click('pushline.approve', runId)), context);

    // Assess
    const written = logs.join('');
    expect(written).toContain('approved from slack');
    expect(written).toContain(context.awsRequestId);
    expect(written).not.toContain(SIGNING_SECRET);
    expect(written).not.toContain(request.headers['x-slack-signature'].slice(3));
    expect(written).not.toContain('xoxb-test-token');
  });
});
