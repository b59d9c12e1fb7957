import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { PipelineEvent } from '../../../../events/pipeline-events.ts';
import { makeRunOperations } from '../../../../shared/app/run-operations.ts';
import { PushlineError, TransientError } from '../../../../shared/domain/errors.ts';
import type { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';
import { isAnnounced } from '../../../../shared/notify/routing.ts';
import { SLACK_KEYS, SlackBotNotifier } from '../../../../shared/notify/slack-bot-notifier.ts';
import { RecordingServer } from '../../../support/recording-server.ts';
import { blockText, fakeSlack, slackCalls, slackClient } from './fake-services.ts';
import { pipeline, RunDriver, SCRIPTS } from './run-fixtures.ts';

describe('SlackBotNotifier', () => {
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
  });

  function setup(config = pipeline()) {
    const driver = new RunDriver();
    const notifier = new SlackBotNotifier({
      client: slackClient(server),
      store: driver.store,
      clock: driver.clock,
      dashboardUrl: 'http://localhost:8787',
    });
    const announce = async (announce = true) => {
      const event = driver.events.at(-1)!;
      await notifier.notify({ run: await driver.run(), event, pipeline: config, announce });
    };
    return { driver, notifier, announce };
  }

  it('posts one message at the first event and updates it in place for the rest of the run', async () => {
    // Prepare
    const { driver, announce } = setup();
    await driver.start();

    // Act
    await announce();
    for (const step of SCRIPTS.succeeded) {
      await driver.append(step.detailType, step.stage, step.data as never, step.after);
      await announce();
    }

    // Assess
    const calls = slackCalls(server);
    expect(calls.map((c) => c.method)).toEqual([
      'chat.postMessage',
      ...SCRIPTS.succeeded.map(() => 'chat.update'),
    ]);
    expect(calls[0]).toMatchObject({ channel: '#deploys', authorization: 'Bearer xoxb-test-token' });
    // Updates address the channel id Slack answered with, not the `#name`.
    expect(new Set(calls.slice(1).map((c) => `${c.channel}/${c.ts}`))).toEqual(
      new Set(['C0DEPLOYS/1700000001.000100']),
    );
    expect(blockText(calls.at(-1)!.blocks)).toContain('*Deployed to production*');
    expect(await driver.store.getAttribute(driver.runId, SLACK_KEYS.ts)).toBe('1700000001.000100');
  });

  it('replies in the thread on failure, broadcast when asked, mentioning the on-call group', async () => {
    // Prepare
    const { driver, announce } = setup(
      pipeline({
        notifications: {
          slack: { channel: '#deploys', mentionOnFailure: 'S0123ABCD', broadcastFailures: true },
        },
      }),
    );
    await driver.start();
    await announce();

    // Act
    for (const step of SCRIPTS.buildFailed) {
      await driver.append(step.detailType, step.stage, step.data as never, step.after);
      await announce();
    }

    // Assess
    const calls = slackCalls(server);
    expect(calls.map((c) => `${c.method}${c.thread_ts ? ' (reply)' : ''}`)).toEqual([
      'chat.postMessage',
      'chat.update',
      'chat.update',
      'chat.postMessage (reply)',
      'chat.update',
    ]);
    const reply = calls[3]!;
    expect(reply).toMatchObject({
      thread_ts: '1700000001.000100',
      reply_broadcast: 'true',
      link_names: 'true',
    });
    expect(blockText(reply.blocks)).toContain('<!subteam^S0123ABCD> :x: *Build failed* in phase `BUILD`');
    expect(reply.text).toContain('Build failed');
    // Run Finished (failed) adds no second reply: the Build Failed reply said it all.
    expect(calls.filter((c) => c.thread_ts)).toHaveLength(1);
  });

  it('replies once for a run that ended failing without a failure event', async () => {
    // Prepare
    const { driver, announce } = setup();
    await driver.start();
    await announce();
    await driver.append('Run Finished', 'build', {
      outcome: 'failed',
      reason: 'CodeBuild project not found',
    });

    // Act
    await announce();
    await announce();

    // Assess
    const replies = slackCalls(server).filter((c) => c.thread_ts);
    expect(replies).toHaveLength(1);
    expect(blockText(replies[0]!.blocks)).toContain('*Failed*: CodeBuild project not found');
  });

  it('waits for the Retry-After Slack sends with a 429 and then posts', async () => {
    // Prepare
    const { driver, announce } = setup();
    await driver.start();
    server.script(
      { path: '/api/chat.postMessage' },
      { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } },
    );

    // Act
    await announce();

    // Assess
    const posts = server.requestsTo('/api/chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.receivedAt - posts[0]!.receivedAt).toBeGreaterThanOrEqual(950);
    expect(await driver.store.getAttribute(driver.runId, SLACK_KEYS.ts)).toBeDefined();
  });

  it('posts once when two first events of a run are handled at the same time', async () => {
    // Prepare
    const { driver, notifier } = setup();
    const started = await driver.start();
    const building = await driver.append('Build Started', 'build', { buildId: 'b-1' });
    const run = await driver.run();

    // Act
    const results = await Promise.allSettled([
      notifier.notify({ run, event: started, pipeline: pipeline(), announce: true }),
      notifier.notify({ run, event: building, pipeline: pipeline(), announce: true }),
    ]);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    await notifier.notify({ run, event: building, pipeline: pipeline(), announce: true });

    // Assess
    expect(loser.reason).toBeInstanceOf(TransientError);
    expect(server.requestsTo('/api/chat.postMessage')).toHaveLength(1);
  });

  it('posts nothing for an event routing does not announce, but keeps a posted message current', async () => {
    // Prepare
    const { driver, announce } = setup();
    await driver.start();
    await announce(false);
    const quietBefore = slackCalls(server).length;
    await announce(true);
    await driver.append('Run Finished', 'build', { outcome: 'superseded', reason: 'a newer run started' });

    // Act
    await announce(false);

    // Assess
    expect(quietBefore).toBe(0);
    const calls = slackCalls(server);
    expect(calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(blockText(calls[1]!.blocks)).toContain('Superseded by a newer run');
  });

  it('turns an unknown channel into an error that is not retried', async () => {
    // Prepare
    const { driver, announce } = setup();
    await driver.start();
    server.on(
      { path: '/api/chat.postMessage' },
      { status: 200, body: { ok: false, error: 'channel_not_found' } },
    );

    // Act
    const error = await announce().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(PushlineError);
    expect((error as PushlineError).retryable).toBe(false);
    expect((error as Error).message).toBe('slack: channel_not_found');
  });

  it('leaves pipelines without a Slack channel alone', async () => {
    // Prepare
    const { driver, announce } = setup(pipeline({ notifications: {} }));
    await driver.start();

    // Act
    await announce();

    // Assess
    expect(server.requests).toHaveLength(0);
  });
});

describe('SlackBotNotifier, for runs operated by hand', () => {
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
  });

  const PEOPLE = { Priya: { slack: 'U024BE7LH' }, Tomás: { slack: 'U0TOMAS01' } };

  /** A run of a pipeline that mentions its on-call group and broadcasts failures, and its operations. */
  function setup(
    config: PipelineConfig = pipeline({
      notifications: {
        slack: { channel: '#deploys', mentionOnFailure: 'S0123ABCD', broadcastFailures: true },
      },
    }),
  ) {
    const driver = new RunDriver();
    const notifier = new SlackBotNotifier({
      client: slackClient(server),
      store: driver.store,
      clock: driver.clock,
    });
    const operations = makeRunOperations({
      store: driver.store,
      clock: driver.clock,
      pipelines: () => config,
      people: () => PEOPLE,
      builder: { stop: async () => {} },
      deployer: { rollback: async () => {} },
    });
    let told = 0;
    /** notify hears every event the log has that it has not heard yet, announced as routing says. */
    const hear = async (order: (events: PipelineEvent[]) => PipelineEvent[] = (events) => events) => {
      const log = await driver.store.log(driver.runId);
      const fresh = log
        .slice(told)
        .map((e) => ({ detailType: e.detailType, detail: e.detail }) as PipelineEvent);
      told = log.length;
      for (const event of order(fresh)) {
        const run = (await driver.store.get(driver.runId))!.run;
        await notifier.notify({ run, event, pipeline: config, announce: isAnnounced(config, event) });
      }
    };
    return { driver, operations, hear };
  }

  const replies = () => slackCalls(server).filter((c) => c.thread_ts);

  /** Build, staging, then the gate that Priya and Tomás may decide. */
  async function toTheGate(driver: RunDriver) {
    await driver.start();
    await driver.play(SCRIPTS.succeeded.slice(0, 4));
    await driver.append('Approval Requested', 'approval', {
      approvers: ['Priya', 'Tomás'],
      timeoutSeconds: 3600,
    });
  }

  it('replies "Cancelled by Priya: wrong branch" under the message, though cancelled is not routed, mentioning nobody', async () => {
    // Prepare
    const { driver, operations, hear } = setup();
    await driver.start();
    await driver.play(SCRIPTS.succeeded.slice(0, 1));
    await hear();

    // Act
    await operations.cancel(driver.runId, { by: 'U024BE7LH', reason: 'wrong branch' });
    await hear();

    // Assess
    const [reply, ...more] = replies();
    expect(more).toEqual([]);
    expect(reply).toMatchObject({ thread_ts: '1700000001.000100' });
    expect(reply!.text).toMatch(/: Cancelled by Priya: wrong branch$/);
    expect(blockText(reply!.blocks)).toContain(':octagonal_sign: *Cancelled by Priya*: wrong branch');
    expect(blockText(reply!.blocks)).not.toContain('subteam');
    expect(reply!.reply_broadcast).toBeUndefined();
    expect(reply!.link_names).toBeUndefined();
    expect(blockText(slackCalls(server).at(-2)!.blocks)).toContain('Cancelled');
  });

  it('replies "Retried by Priya: attempt 2 from build" to a failed run retried', async () => {
    // Prepare: the build failed, with its failure reply
    const { driver, operations, hear } = setup();
    await driver.start();
    await driver.play(SCRIPTS.buildFailed);
    await hear();
    expect(replies()).toHaveLength(1);

    // Act
    await operations.retry(driver.runId, { by: 'Priya', reason: 'the registry timed out' });
    await hear();

    // Assess
    const reply = replies()[1]!;
    expect(reply.text).toMatch(/: Retried by Priya: attempt 2 from build \(the registry timed out\)$/);
    expect(blockText(reply.blocks)).toContain(':repeat: *Retried by Priya*: attempt 2 from build');
    expect(reply.reply_broadcast).toBeUndefined();
  });

  it('tells again when the retried attempt fails again', async () => {
    // Prepare
    const { driver, operations, hear } = setup();
    await driver.start();
    await driver.play(SCRIPTS.buildFailed);
    await operations.retry(driver.runId, { by: 'Priya' });
    await hear();

    // Act: attempt 2 ends failing without a failure event of its own
    await driver.append('Run Finished', 'build', {
      outcome: 'failed',
      reason: 'CodeBuild project not found',
    });
    await hear();

    // Assess
    expect(replies().map((r) => r.text?.replace(/^web #\w+: /, ''))).toEqual([
      expect.stringMatching(/^Build failed/),
      'Retried by Priya: attempt 2 from build',
      'Failed: CodeBuild project not found',
    ]);
  });

  it.each([
    ['Rejected first', (events: PipelineEvent[]) => events],
    ['Run Finished first', (events: PipelineEvent[]) => [...events].reverse()],
    ['each twice, in both orders', (events: PipelineEvent[]) => [...events, ...[...events].reverse()]],
  ])(
    'replies once "Rejected by Tomás: …" to a rejection (%s), never mentioning the on-call group',
    async (_, order) => {
      // Prepare
      const { driver, operations, hear } = setup();
      await toTheGate(driver);
      await hear();

      // Act
      await operations.reject(driver.runId, { by: 'U0TOMAS01', reason: 'not during the sale' });
      await hear(order);

      // Assess: one reply, who and why; no failure reply, no mention, not broadcast
      const all = replies();
      expect(all).toHaveLength(1);
      expect(all[0]!.text).toMatch(/: Rejected by Tomás: not during the sale$/);
      expect(blockText(all[0]!.blocks)).toContain(':no_entry: *Rejected by Tomás*: not during the sale');
      expect(JSON.stringify(all)).not.toContain('S0123ABCD');
      expect(all[0]!.reply_broadcast).toBeUndefined();
      expect(all[0]!.link_names).toBeUndefined();
    },
  );

  it.each([
    ['Build Failed first', (events: PipelineEvent[]) => events],
    ['Run Finished first', (events: PipelineEvent[]) => [...events].reverse()],
    [
      'each twice, in both orders',
      (events: PipelineEvent[]) => [...events, ...[...events].reverse(), ...events],
    ],
  ])('replies once to a failed build however its events arrive (%s)', async (_, order) => {
    // Prepare
    const { driver, hear } = setup();
    await driver.start();
    await hear();

    // Act: the build fails; notify hears Build Failed and Run Finished as EventBridge may deliver them
    await driver.play(SCRIPTS.buildFailed);
    await hear(order);

    // Assess
    expect(replies()).toHaveLength(1);
  });

  it('escapes what people wrote in their reason', async () => {
    const { driver, operations, hear } = setup();
    await driver.start();
    await hear();

    await operations.cancel(driver.runId, { by: 'Priya', reason: 'see <!channel> & <http://evil|here>' });
    await hear();

    expect(blockText(replies()[0]!.blocks)).toContain('see &lt;!channel&gt; &amp; &lt;http://evil|here&gt;');
  });
});
