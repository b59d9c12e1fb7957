import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { PipelineEvent } from '../../../../events/pipeline-events.ts';
import { makeNotify, notifiedKey } from '../../../../functions/notify/notify.ts';
import type { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';
import { buildNotifiers } from '../../../../shared/notify/build-notifiers.ts';
import type { NotifyLogger } from '../../../../shared/notify/logger.ts';
import type { Notifier } from '../../../../shared/ports/notifier.ts';
import type { SecretSource } from '../../../../shared/ports/secret-source.ts';
import { RecordingServer } from '../../../support/recording-server.ts';
import {
  blockText,
  fakeGitHub,
  fakeSlack,
  githubCalls,
  slackCalls,
} from '../../shared/notify/fake-services.ts';
import { pipeline, RunDriver, SCRIPTS } from '../../shared/notify/run-fixtures.ts';

const SECRETS: Record<string, string> = {
  SLACK_BOT_TOKEN: 'xoxb-secret-bot-token',
  GITHUB_TOKEN: 'ghp_secret_github_token',
};

function secretsOf(values: Record<string, string>): SecretSource {
  return { get: async (name) => values[name] };
}

/** A logger that keeps what it was told, to check that no secret is ever in it. */
function recordingLogger(): NotifyLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, attributes?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(attributes ?? {})}`);
  };
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

describe('makeNotify', () => {
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
    fakeGitHub(server);
  });

  async function setup({
    config = pipeline(),
    secrets = SECRETS,
    extra = [] as Notifier[],
  }: {
    config?: PipelineConfig;
    secrets?: Record<string, string>;
    extra?: Notifier[];
  } = {}) {
    const driver = new RunDriver();
    const logger = recordingLogger();
    const lines: string[] = [];
    const sleeps: number[] = [];
    const notifiers = await buildNotifiers({
      secrets: secretsOf(secrets),
      file: { version: 1, people: {}, pipelines: [config] },
      store: driver.store,
      clock: driver.clock,
      mode: 'local',
      dashboardUrl: 'http://localhost:8787',
      logger,
      slackApiUrl: `${server.url}/api/`,
      githubApiUrl: server.url,
      slackRetry: { retries: 1, minTimeout: 5, maxTimeout: 10 },
      write: (line) => lines.push(line),
    });
    const notify = makeNotify({
      store: driver.store,
      pipelines: [config],
      notifiers: [...notifiers, ...extra],
      clock: driver.clock,
      logger,
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 5_000, sleep: async (ms) => void sleeps.push(ms) },
    });
    return { driver, notify, logger, lines, sleeps };
  }

  it('announces a whole run: one Slack message updated in place, commit statuses, console lines', async () => {
    // Prepare
    const { driver, notify, lines, logger } = await setup();
    await driver.start();
    const results = [await notify(driver.events[0]!)];

    // Act
    for (const step of SCRIPTS.succeeded) {
      results.push(
        await notify(await driver.append(step.detailType, step.stage, step.data as never, step.after)),
      );
    }

    // Assess
    const slack = slackCalls(server);
    expect(slack.map((c) => c.method)).toEqual([
      'chat.postMessage',
      ...SCRIPTS.succeeded.map(() => 'chat.update'),
    ]);
    expect(blockText(slack.at(-1)!.blocks)).toContain('*Deployed to production*');
    expect(
      githubCalls(server)
        .filter((c) => c.startsWith('status'))
        .at(-1),
    ).toBe('status pushline/production success');
    expect(lines).toHaveLength(SCRIPTS.succeeded.length + 1);
    expect(lines.at(-1)).toMatch(/run ✔ succeeded \(7m 23s\)$/);
    expect(results.every((r) => Object.values(r.outcomes).every((o) => o === 'sent'))).toBe(true);
    expect(Object.keys(results[0]!.outcomes)).toEqual(['slack', 'github', 'console']);
    expect(logger.lines.join('\n')).not.toMatch(/xoxb-secret|ghp_secret/);
  });

  it('does not post twice for a redelivered event', async () => {
    // Prepare
    const { driver, notify, lines } = await setup();
    const started = await driver.start();
    await notify(started);

    // Act
    const again = await notify(started);

    // Assess
    expect(server.requestsTo('/api/chat.postMessage')).toHaveLength(1);
    expect(again.outcomes).toEqual({ slack: 'duplicate', github: 'duplicate', console: 'duplicate' });
    expect(lines).toHaveLength(1);
    expect(
      await driver.store.getAttribute(driver.runId, notifiedKey('slack', started.detail.eventId)),
    ).toBeDefined();
  });

  it('never takes a message or a status back to an older state, whatever order events are handled in', async () => {
    const rank = (text: string) =>
      (text.match(/white_check_mark: (Build|Staging|Canary|Production)/g) ?? []).length;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 }), async (seed) => {
        server.reset();
        fakeSlack(server);
        fakeGitHub(server);
        const { driver, notify } = await setup();
        await driver.start();
        // Every event is appended in order; each is announced at some random later moment.
        const pending: PipelineEvent[] = [driver.events[0]!];
        const random = fc.sample(fc.integer({ min: 0, max: 1000 }), { seed, numRuns: 64 });
        let r = 0;
        for (const step of SCRIPTS.succeeded) {
          pending.push(await driver.append(step.detailType, step.stage, step.data as never, step.after));
          while (pending.length && random[r++ % random.length]! % 2 === 0) {
            const [event] = pending.splice(random[r++ % random.length]! % pending.length, 1);
            await notify(event!);
          }
        }
        while (pending.length) {
          const [event] = pending.splice(random[r++ % random.length]! % pending.length, 1);
          await notify(event!);
        }

        const ranks = slackCalls(server).map((c) => rank(blockText(c.blocks)));
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
        expect(ranks.at(-1)).toBe(4);
        const production = githubCalls(server).filter((c) => c.startsWith('status pushline/production'));
        expect(production.at(-1)).toBe('status pushline/production success');
        expect(
          githubCalls(server).filter((c) => c === 'status pushline/build pending').length,
        ).toBeLessThanOrEqual(2);
        expect(server.requestsTo('/api/chat.postMessage')).toHaveLength(1);
      }),
      { numRuns: 12 },
    );
  });

  it('posts nothing for events the pipeline routing does not announce', async () => {
    // Prepare
    const config = pipeline({ notifications: { slack: { channel: '#deploys', on: ['failed'] } } });
    const { driver, notify } = await setup({ config });
    await driver.start();
    const outcomes = [(await notify(driver.events[0]!)).outcomes.slack];

    // Act
    for (const step of SCRIPTS.succeeded) {
      outcomes.push(
        (await notify(await driver.append(step.detailType, step.stage, step.data as never))).outcomes.slack,
      );
    }

    // Assess
    expect(slackCalls(server)).toHaveLength(0);
    expect(new Set(outcomes)).toEqual(new Set(['quiet']));
    expect(githubCalls(server).length).toBeGreaterThan(0);
  });

  it('posts the message and a thread reply at the first failure when routing announces failures only', async () => {
    // Prepare
    const config = pipeline({ notifications: { slack: { channel: '#deploys', on: ['failed'] } } });
    const { driver, notify } = await setup({ config });
    await driver.start();
    await notify(driver.events[0]!);

    // Act
    for (const step of SCRIPTS.buildFailed) {
      await notify(await driver.append(step.detailType, step.stage, step.data as never));
    }

    // Assess
    expect(slackCalls(server).map((c) => `${c.method}${c.thread_ts ? ' (reply)' : ''}`)).toEqual([
      'chat.postMessage',
      'chat.postMessage (reply)',
      'chat.update',
    ]);
  });

  it('waits as long as GitHub says when its rate limit is spent, then sends', async () => {
    // Prepare
    const { driver, notify, sleeps } = await setup();
    await driver.start();
    const reset = Math.floor(driver.clock.now().getTime() / 1000) + 3;
    server.script(
      { path: /\/statuses\// },
      {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        body: { message: 'API rate limit exceeded' },
      },
    );

    // Act
    const result = await notify(driver.events[0]!);

    // Assess
    expect(result.outcomes.github).toBe('sent');
    expect(sleeps).toEqual([3000]);
    expect(githubCalls(server)).toEqual(['status pushline/build pending', 'status pushline/build pending']);
  });

  it('gives up at once on a rate limit that resets later than it may wait, with a note', async () => {
    // Prepare
    const { driver, notify, sleeps } = await setup();
    await driver.start();
    server.on(
      { path: /\/statuses\// },
      { status: 429, headers: { 'retry-after': '3600' }, body: { message: 'slow down' } },
    );

    // Act
    const result = await notify(driver.events[0]!);

    // Assess
    expect(result.outcomes.github).toBe('failed');
    expect(sleeps).toEqual([]);
    expect((await driver.store.notes(driver.runId)).map((n) => n.message)).toEqual([
      'notification failed: github: github rate limited: slow down',
    ]);
  });

  it('ends a notifier that keeps failing in a note on the run, not a throw, and tries it again on redelivery', async () => {
    // Prepare
    const { driver, notify, sleeps, logger } = await setup();
    const started = await driver.start();
    server.on({ path: '/api/chat.postMessage' }, { status: 503, body: 'upstream unavailable' });

    // Act
    const result = await notify(started);
    server.reset();
    fakeSlack(server);
    fakeGitHub(server);
    const redelivered = await notify(started);

    // Assess
    expect(result.outcomes).toEqual({ slack: 'failed', github: 'sent', console: 'sent' });
    expect(sleeps).toHaveLength(2);
    const notes = await driver.store.notes(driver.runId);
    expect(notes).toEqual([
      {
        at: driver.clock.now().toISOString(),
        kind: 'notification',
        message: 'notification failed: slack: slack HTTP 503: upstream unavailable',
      },
    ]);
    expect(redelivered.outcomes.slack).toBe('sent');
    expect(logger.lines.some((l) => l.startsWith('warn notification failed'))).toBe(true);
  });

  it('does not retry what a retry cannot fix, and never throws for a broken notifier or store', async () => {
    // Prepare
    const broken: Notifier = {
      name: 'broken',
      notify: async () => {
        throw new TypeError('cannot read properties of undefined');
      },
    };
    const { driver, notify, sleeps } = await setup({ extra: [broken] });
    const started = await driver.start();
    server.on(
      { path: '/api/chat.postMessage' },
      { status: 200, body: { ok: false, error: 'not_in_channel' } },
    );
    const notes = () => driver.store.notes(driver.runId);

    // Act
    const result = await notify(started);
    driver.store.get = async () => {
      throw new Error('store unavailable');
    };
    const unreadable = await notify(started);

    // Assess
    expect(result.outcomes).toMatchObject({ slack: 'failed', broken: 'failed' });
    expect((await notes()).map((n) => n.message).sort()).toEqual([
      'notification failed: broken: cannot read properties of undefined',
      'notification failed: slack: slack: not_in_channel',
    ]);
    expect(sleeps).toHaveLength(2 + 2); // the TypeError is retried (it may be passing), not_in_channel is not
    expect(unreadable.outcomes).toEqual({});
  });

  it('retries the webhook after a 429 in incoming-webhook mode', async () => {
    // Prepare
    const config = pipeline({ notifications: { slack: { webhook: 'DEPLOYS_WEBHOOK' } } });
    const { driver, notify, sleeps } = await setup({
      config,
      secrets: { DEPLOYS_WEBHOOK: `${server.url}/hooks/T0/B0/xyz` },
    });
    server.script({ path: '/hooks/T0/B0/xyz' }, { status: 429, body: 'rate_limited' });
    server.on({ path: '/hooks/T0/B0/xyz' }, { status: 200, body: 'ok' });
    await driver.start();

    // Act
    const started = await notify(driver.events[0]!);
    for (const step of SCRIPTS.succeeded)
      await notify(await driver.append(step.detailType, step.stage, step.data as never));

    // Assess
    expect(started.outcomes).toEqual({ 'slack-webhook': 'sent', console: 'sent' });
    expect(sleeps).toHaveLength(1);
    const posts = server.requestsTo('/hooks/T0/B0/xyz').map((r) => r.parsed as { text: string });
    expect(posts).toHaveLength(3);
    expect(posts[1]!.text).toMatch(/^web #\S+ started: /);
    expect(posts[2]!.text).toMatch(/^web #\S+ deployed to production: /);
  });
});
