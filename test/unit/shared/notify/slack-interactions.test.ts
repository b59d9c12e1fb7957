import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { PipelineEvent } from '../../../../events/pipeline-events.ts';
import { makeNotify } from '../../../../functions/notify/notify.ts';
import type { WebhookRequest } from '../../../../shared/http/webhook.ts';
import { silentLogger } from '../../../../shared/notify/logger.ts';
import { slackAppClient } from '../../../../shared/notify/slack-app-client.ts';
import { SlackBotNotifier } from '../../../../shared/notify/slack-bot-notifier.ts';
import { makeSlackInteractions } from '../../../../shared/notify/slack-interactions.ts';
import type { SecretSource } from '../../../../shared/ports/secret-source.ts';
import { createChoreography } from '../../../support/choreography.ts';
import { RecordingServer } from '../../../support/recording-server.ts';
import { pipelineConfig } from '../../../support/runs.ts';
import { blockText, fakeSlack, slackCalls, slackClient } from './fake-services.ts';

const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const PRIYA = 'U024BE7LH';
const MALLORY = 'U0MALLORY';
const PEOPLE = { Priya: { slack: PRIYA, github: 'priya' } };

describe('makeSlackInteractions (POST /slack/interactions)', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await RecordingServer.start();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    fakeSlack(server);
    server.on(
      { method: 'POST', path: '/api/views.open' },
      { status: 200, body: { ok: true, view: { id: 'V0REJECT' } } },
    );
    server.on({ method: 'POST', path: /^\/actions\// }, { status: 200, body: { ok: true } });
  });

  /** A pipeline with a gate only Priya may decide, its run taken to the gate, and the handler. */
  async function atTheGate(secrets: Record<string, string> = { SLACK_SIGNING_SECRET: SIGNING_SECRET }) {
    const pipeline = pipelineConfig({
      production: {
        local: { start: 'node server.js', port: 4000 },
        approval: { approvers: ['Priya'], timeout: '24h' },
        canary: { traffic: 10, interval: '60s', bake: '3m', minRequests: 10 },
      },
      notifications: { slack: { channel: '#deploys' } },
    });
    const flow = createChoreography({ pipelines: [pipeline], people: PEOPLE });
    const runId = await flow.push();
    await flow.settle();
    const source: SecretSource = {
      get: async (name) => ({ SLACK_BOT_TOKEN: 'xoxb-test-token', ...secrets })[name],
      whereToSet: (name) => `${name} in the environment`,
    };
    const handler = makeSlackInteractions({
      secrets: source,
      operations: flow.operations,
      slack: slackAppClient({ secrets: source, slackApiUrl: `${server.url}/api/` }),
      clock: flow.clock,
      logger: silentLogger,
    });
    return { flow, runId, pipeline, handler };
  }

  /** A request signed as Slack signs it: HMAC-SHA256 of `v0:<timestamp>:<body>` with the secret. */
  function signed(
    payload: object,
    at: Date,
    { secret = SIGNING_SECRET }: { secret?: string } = {},
  ): WebhookRequest {
    const body = Buffer.from(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    const timestamp = String(Math.floor(at.getTime() / 1000));
    const hmac = createHmac('sha256', secret).update(`v0:${timestamp}:${body.toString()}`).digest('hex');
    return {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': `v0=${hmac}`,
      },
      body,
    };
  }

  /** Slack's `block_actions` payload for a click on one of the run message's buttons. */
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
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: 'C0DEPLOYS', name: 'deploys' },
      message: { type: 'message', ts: '1700000001.000100', text: 'web #01JN…Q4YD waiting for approval' },
      state: { values: {} },
      response_url: `${server.url}/actions/T9TK3CUKW/1232321423432/D09sSasdasdAS9091209`,
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
          style: actionId === 'pushline.approve' ? 'primary' : 'danger',
          type: 'button',
          action_ts: '1700000100.000200',
        },
      ],
    };
  }

  /** Slack's `view_submission` payload for the reject modal, submitted with `reason`. */
  function submission(runId: string, reason: string, user = PRIYA) {
    return {
      type: 'view_submission',
      team: { id: 'T9TK3CUKW', domain: 'acme' },
      user: { id: user, username: 'priya', name: 'priya', team_id: 'T9TK3CUKW' },
      api_app_id: 'A0PUSHLINE',
      token: 'Shh_its_a_seekrit',
      trigger_id: '12345.98765.abcd2358fdea',
      view: {
        id: 'V0REJECT',
        team_id: 'T9TK3CUKW',
        type: 'modal',
        callback_id: 'pushline.reject',
        private_metadata: runId,
        title: { type: 'plain_text', text: 'Reject the run' },
        blocks: [],
        state: { values: { reason: { reason: { type: 'plain_text_input', value: reason } } } },
        hash: '156663117.cd33ad1f',
        root_view_id: 'V0REJECT',
        app_id: 'A0PUSHLINE',
        bot_id: 'B0PUSHLINE',
      },
      response_urls: [],
    };
  }

  function ephemerals() {
    return server.requestsTo(/^\/actions\//).map((r) => r.parsed as Record<string, unknown>);
  }

  it('approves the run when an approver clicks Approve, and the run goes on to production', async () => {
    // Prepare
    const { flow, runId, handler } = await atTheGate();

    // Act
    const response = await handler(signed(click('pushline.approve', runId), flow.clock.now()));
    await flow.settle();

    // Assess
    expect(response).toEqual({ statusCode: 200, body: {} });
    const run = await flow.run(runId);
    expect(run.approval?.decision).toMatchObject({ verdict: 'approved', by: 'Priya' });
    expect(run.status).toBe('succeeded');
    expect(ephemerals()).toEqual([]);
  });

  it('refuses a request whose signature does not match (401) and changes nothing', async () => {
    // Prepare
    const { flow, runId, handler } = await atTheGate();
    const forged = signed(click('pushline.approve', runId), flow.clock.now(), { secret: 'guessed' });

    // Act
    const response = await handler(forged);

    // Assess
    expect(response).toEqual({
      statusCode: 401,
      body: { error: 'X-Slack-Signature does not match the body' },
    });
    expect((await flow.run(runId)).stages.approval.status).toBe('running');
  });

  it('refuses a correctly signed request more than five minutes old (401), as a replay', async () => {
    // Prepare
    const { flow, runId, handler } = await atTheGate();
    const recorded = signed(click('pushline.approve', runId), flow.clock.now());
    flow.clock.advance(5 * 60_000 + 1_000);

    // Act
    const response = await handler(recorded);

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.body.error).toMatch(/possible replay/);
    expect((await flow.run(runId)).stages.approval.status).toBe('running');
  });

  it('tells someone who is not an approver why, only them, and leaves the run waiting', async () => {
    // Prepare
    const { flow, runId, handler } = await atTheGate();

    // Act
    const response = await handler(signed(click('pushline.approve', runId, MALLORY), flow.clock.now()));

    // Assess
    expect(response).toEqual({ statusCode: 200, body: {} });
    expect(ephemerals()).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: `:no_entry: Not approved: ${MALLORY} may not decide on run ${runId}: the approvers are Priya`,
      },
    ]);
    expect((await flow.run(runId)).stages.approval.status).toBe('running');
  });

  it('tells the clicker when the run no longer waits (approved already) and records nothing', async () => {
    // Prepare
    const { flow, runId, handler } = await atTheGate();
    await flow.operations.approve(runId, { by: 'Priya' });
    const logLength = (await flow.history(runId)).length;

    // Act
    const response = await handler(signed(click('pushline.approve', runId), flow.clock.now()));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(ephemerals()).toHaveLength(1);
    expect(ephemerals()[0]!.text).toMatch(/^:no_entry: Not approved: run \S+ is not waiting for approval/);
    expect(await flow.history(runId)).toHaveLength(logLength);
  });

  it('opens a modal asking why when Reject is clicked, and records nothing yet', async () => {
    // Prepare
    const { flow, runId, handler } = await atTheGate();

    // Act
    const response = await handler(signed(click('pushline.reject', runId), flow.clock.now()));

    // Assess
    expect(response).toEqual({ statusCode: 200, body: {} });
    const [open] = server.requestsTo('/api/views.open');
    const form = open!.parsed as Record<string, string>;
    expect(open!.headers.authorization).toBe('Bearer xoxb-test-token');
    expect(form.trigger_id).toBe('12466734323.1395872398.3b4d3b0f9c4b3a8e7f5d6c5b4a3f2e1d');
    const view = JSON.parse(form.view!);
    expect(view).toMatchObject({ type: 'modal', callback_id: 'pushline.reject', private_metadata: runId });
    expect(view.blocks[1]).toMatchObject({
      type: 'input',
      block_id: 'reason',
      element: { type: 'plain_text_input', action_id: 'reason' },
    });
    expect((await flow.run(runId)).stages.approval.status).toBe('running');
  });

  it('rejects the run when the modal is submitted with a reason, and closes the modal', async () => {
    // Prepare
    const { flow, runId, handler } = await atTheGate();

    // Act
    const response = await handler(signed(submission(runId, '  the login page is blank '), flow.clock.now()));
    await flow.settle();

    // Assess
    expect(response).toEqual({ statusCode: 200, body: { response_action: 'clear' } });
    const run = await flow.run(runId);
    expect(run.status).toBe('failed');
    expect(run.reason).toBe('rejected by Priya: the login page is blank');
    expect(flow.deployer.distinct('startCanary')).toEqual([]);
  });

  it('keeps the modal open with an error on the input when the reason is empty', async () => {
    // Prepare
    const { flow, runId, handler } = await atTheGate();

    // Act
    const response = await handler(signed(submission(runId, '   '), flow.clock.now()));

    // Assess
    expect(response).toEqual({
      statusCode: 200,
      body: {
        response_action: 'errors',
        errors: { reason: 'Say why you reject the run: it goes into the run log.' },
      },
    });
    expect((await flow.run(runId)).stages.approval.status).toBe('running');
  });

  it('says in the modal why a non-approver cannot reject, and changes nothing', async () => {
    // Prepare
    const { flow, runId, handler } = await atTheGate();

    // Act
    const response = await handler(signed(submission(runId, 'I do not like it', MALLORY), flow.clock.now()));

    // Assess
    expect(response.body).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
    expect(JSON.stringify(response.body)).toContain(`${MALLORY} may not decide on run ${runId}`);
    expect((await flow.run(runId)).stages.approval.status).toBe('running');
  });

  it('answers 200 and does nothing for interactions Pushline does not handle', async () => {
    // Prepare
    const { flow, runId, handler } = await atTheGate();
    const approve = click('pushline.approve', runId);
    const otherButton = {
      ...approve,
      actions: [{ ...approve.actions[0]!, action_id: 'someone-elses.button' }],
    };
    const shortcut = {
      type: 'shortcut',
      callback_id: 'open_tracker',
      trigger_id: '1.2.3',
      user: { id: PRIYA },
    };
    const closed = { type: 'view_closed', user: { id: PRIYA }, view: { callback_id: 'pushline.reject' } };

    // Act
    const responses = await Promise.all(
      [otherButton, shortcut, closed].map((payload) => handler(signed(payload, flow.clock.now()))),
    );

    // Assess
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect((await flow.run(runId)).stages.approval.status).toBe('running');
    expect(server.requests.filter((r) => !r.path.startsWith('/api/chat.'))).toEqual([]);
  });

  it('answers 400 to a signed body that is not an interaction form', async () => {
    // Prepare
    const { flow, handler } = await atTheGate();
    const request = signed({}, flow.clock.now());
    const body = Buffer.from('{"type":"block_actions"}');
    const timestamp = request.headers['x-slack-request-timestamp']!;
    const hmac = createHmac('sha256', SIGNING_SECRET)
      .update(`v0:${timestamp}:${body.toString()}`)
      .digest('hex');

    // Act
    const response = await handler({
      headers: { ...request.headers, 'x-slack-signature': `v0=${hmac}` },
      body,
    });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body.error).toMatch(/no payload= field/);
  });

  it('answers 503 naming what to set when the signing secret is not configured', async () => {
    // Prepare
    const { flow, runId, handler } = await atTheGate({});

    // Act
    const response = await handler(signed(click('pushline.approve', runId), flow.clock.now()));

    // Assess
    expect(response).toEqual({
      statusCode: 503,
      body: {
        error: 'the Slack signing secret is not configured: set SLACK_SIGNING_SECRET in the environment',
      },
    });
  });

  describe("the run's Slack message", () => {
    /** The bot notifier on the recording server, fed the events as the notify function is. */
    async function announcedAtTheGate() {
      const gate = await atTheGate();
      const notifier = new SlackBotNotifier({
        client: slackClient(server),
        store: gate.flow.store,
        clock: gate.flow.clock,
      });
      const notify = makeNotify({
        store: gate.flow.store,
        pipelines: [gate.pipeline],
        notifiers: [notifier],
        clock: gate.flow.clock,
        logger: silentLogger,
      });
      for (const event of gate.flow.dispatched) await notify(event);
      const seen = gate.flow.dispatched.length;
      /** Announces what was recorded since (without running the rest of the pipeline). */
      const announceNew = async () => {
        const log = await gate.flow.store.log(gate.runId);
        const fresh = log
          .slice(seen)
          .map((e) => ({ detailType: e.detailType, detail: e.detail }) as PipelineEvent);
        for (const event of fresh) await notify(event);
        // A redelivery of each changes nothing.
        for (const event of fresh) await notify(event);
        return fresh.map((e) => e.detailType);
      };
      return { ...gate, announceNew };
    }

    it('shows the buttons while the run waits', async () => {
      // Prepare, Act
      const { runId } = await announcedAtTheGate();

      // Assess
      const last = slackCalls(server).at(-1)!;
      expect(blockText(last.blocks)).toContain('"action_id":"pushline.approve"');
      expect(blockText(last.blocks)).toContain(`"value":"${runId}"`);
    });

    it('is updated once, to say who approved, and its buttons are gone', async () => {
      // Prepare
      const { flow, runId, handler, announceNew } = await announcedAtTheGate();
      const before = slackCalls(server).length;

      // Act
      await handler(signed(click('pushline.approve', runId), flow.clock.now()));
      const announced = await announceNew();

      // Assess
      expect(announced).toEqual(['Approved']);
      const calls = slackCalls(server).slice(before);
      expect(calls.map((c) => c.method)).toEqual(['chat.update']);
      expect(blockText(calls[0]!.blocks)).toContain(':white_check_mark: *Approved* by Priya');
      expect(calls[0]!.blocks.some((b) => b.type === 'actions')).toBe(false);
    });

    it('is updated once, to say who rejected and why, with one thread reply', async () => {
      // Prepare
      const { flow, runId, handler, announceNew } = await announcedAtTheGate();
      const before = slackCalls(server).length;

      // Act
      await handler(signed(click('pushline.reject', runId), flow.clock.now()));
      await handler(signed(submission(runId, 'the login page is blank'), flow.clock.now()));
      const announced = await announceNew();

      // Assess
      expect(announced).toEqual(['Rejected', 'Run Finished']);
      const calls = slackCalls(server).slice(before);
      const updates = calls.filter((c) => c.method === 'chat.update');
      expect(updates).toHaveLength(1);
      expect(blockText(updates[0]!.blocks)).toContain(
        ':no_entry: *Rejected* by Priya: the login page is blank',
      );
      expect(updates[0]!.blocks.some((b) => b.type === 'actions')).toBe(false);
      expect(calls.filter((c) => c.thread_ts)).toHaveLength(1);
    });
  });
});
