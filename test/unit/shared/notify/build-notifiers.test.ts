import { describe, expect, it } from '@jest/globals';
import type { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';
import { MemoryRunStore } from '../../../../shared/local/memory-run-store.ts';
import { buildNotifiers, notifySecretNames } from '../../../../shared/notify/build-notifiers.ts';
import { pipeline, TestClock } from './run-fixtures.ts';

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
    file: { version: 1, pipelines },
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

describe('notifySecretNames', () => {
  it('lists the standard names and every pipeline’s webhook secret', () => {
    // Act
    const listed = notifySecretNames({
      version: 1,
      pipelines: [pipeline({ notifications: { slack: { webhook: 'TEAM_A_WEBHOOK' } } })],
    });

    // Assess
    expect(listed).toEqual([
      'SLACK_BOT_TOKEN',
      'SLACK_WEBHOOK_URL',
      'GITHUB_TOKEN',
      'GITLAB_TOKEN',
      'TEAM_A_WEBHOOK',
    ]);
  });
});
