import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';
import { MemoryRunStore } from '../../../../shared/local/memory-run-store.ts';
import { buildNotifiers, notifySecretNames } from '../../../../shared/notify/build-notifiers.ts';
import { SlackBotNotifier } from '../../../../shared/notify/slack-bot-notifier.ts';
import { RecordingServer } from '../../../support/recording-server.ts';
import { fakeSlack } from './fake-services.ts';
import { pipeline, RunDriver, TestClock } from './run-fixtures.ts';

async function names(
  pipelines: PipelineConfig[],
  secrets: Record<string, string>,
  mode: 'aws' | 'local' = 'aws',
) {
  const asked: string[] = [];
  const notifiers = await buildNotifiers({
    secrets: {
      get: async (name) => {
        asked.push(name);
        return secrets[name];
      },
    },
    file: { version: 1, people: {}, pipelines },
    store: new MemoryRunStore(),
    clock: new TestClock(),
    mode,
  });
  return { built: notifiers.map((n) => n.name), asked };
}

describe('buildNotifiers', () => {
  it('uses the bot when a channel and a bot token exist, and the Git host of each pipeline', async () => {
    // Act
    const { built } = await names([pipeline(), pipeline({ name: 'api', source: { gitlab: 'acme/api' } })], {
      SLACK_BOT_TOKEN: 'xoxb-1',
      GITHUB_TOKEN: 'ghp-1',
      GITLAB_TOKEN: 'glpat-1',
    });

    // Assess
    expect(built).toEqual(['slack', 'github', 'gitlab']);
  });

  it('falls back to the incoming webhook when there is no bot token', async () => {
    // Act
    const { built, asked } = await names([pipeline()], {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.test/T/B/x',
    });

    // Assess
    expect(built).toEqual(['slack-webhook']);
    expect(asked).toEqual(['SLACK_BOT_TOKEN', 'SLACK_WEBHOOK_URL', 'GITHUB_TOKEN']);
  });

  it('has only the console in local mode when nothing else is configured', async () => {
    // Act
    const { built, asked } = await names([pipeline({ notifications: { commitStatus: false } })], {}, 'local');

    // Assess
    expect(built).toEqual(['console']);
    expect(asked).toEqual([]);
  });

  it('adds the console beside the others in local mode', async () => {
    // Act
    const { built } = await names([pipeline()], { SLACK_BOT_TOKEN: 'xoxb-1' }, 'local');

    // Assess
    expect(built).toEqual(['slack', 'console']);
  });
});

describe('buildNotifiers with a Slack-compatible server', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await RecordingServer.start();
    fakeSlack(server);
  });
  afterEach(() => server.close());

  /** Builds the notifiers with `secrets` and has the bot announce a run's start. */
  async function announceStart(secrets: Record<string, string>, slackApiUrl?: string): Promise<void> {
    const driver = new RunDriver();
    const [bot] = await buildNotifiers({
      secrets: { get: async (name) => secrets[name] },
      file: { version: 1, people: {}, pipelines: [pipeline()] },
      store: driver.store,
      clock: driver.clock,
      mode: 'aws',
      slackRetry: { retries: 0 },
      ...(slackApiUrl ? { slackApiUrl } : {}),
    });
    if (!(bot instanceof SlackBotNotifier)) throw new Error(`expected the bot first, got ${bot?.name}`);
    const event = await driver.start();
    await bot.notify({ run: await driver.run(), event, pipeline: pipeline(), announce: true });
  }

  it('points the bot at the secret SLACK_API_URL when no API root is given', async () => {
    // Act
    await announceStart({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: `${server.url}/api/` });

    // Assess
    expect(server.requestsTo('/api/chat.postMessage')).toHaveLength(1);
  });

  it('prefers the API root it is given over the secret', async () => {
    // Act
    await announceStart(
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: 'http://127.0.0.1:9/api/' },
      `${server.url}/api/`,
    );

    // Assess
    expect(server.requestsTo('/api/chat.postMessage')).toHaveLength(1);
  });
});

describe('notifySecretNames', () => {
  it('lists the standard names and every pipeline’s webhook secret', () => {
    // Act
    const listed = notifySecretNames({
      version: 1,
      people: {},
      pipelines: [pipeline({ notifications: { slack: { webhook: 'TEAM_A_WEBHOOK' } } })],
    });

    // Assess
    expect(listed).toEqual([
      'SLACK_BOT_TOKEN',
      'SLACK_WEBHOOK_URL',
      'GITHUB_TOKEN',
      'GITLAB_TOKEN',
      'SLACK_API_URL',
      'TEAM_A_WEBHOOK',
    ]);
  });
});
