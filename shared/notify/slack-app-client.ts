import type { WebClient } from '@slack/web-api';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { SecretSource } from '../ports/secret-source.ts';
import { NOTIFY_SECRETS } from './build-notifiers.ts';

/** What the interactions handler asks of Slack's Web API: a modal, an ephemeral message. */
export type SlackAppClient = {
  views: Pick<WebClient['views'], 'open'>;
  chat: Pick<WebClient['chat'], 'postEphemeral'>;
};

/** The Web API client, or undefined when no bot token is set (a webhook-only workspace). */
export type SlackAppClientSource = () => Promise<SlackAppClient | undefined>;

export interface SlackAppClientOptions {
  secrets: SecretSource;
  /** The Web API's root (a test's recording server); else the secret `SLACK_API_URL`, else Slack. */
  slackApiUrl?: string;
  logger?: Logger;
}

/**
 * A `WebClient` for the interactions handler, built on first need from the bot token
 * (`SLACK_BOT_TOKEN`, the notifier's) and kept while the token stays the same. It does not retry
 * and gives up after 2.5 s: Slack wants its answer within 3 s, and a `trigger_id` expires then too.
 */
export function slackAppClient(options: SlackAppClientOptions): SlackAppClientSource {
  const logger = options.logger ?? silentLogger;
  let cached: { token: string; client: SlackAppClient } | undefined;
  return async () => {
    const token = await options.secrets.get(NOTIFY_SECRETS.slackBotToken);
    if (!token) return undefined;
    if (cached?.token === token) return cached.client;
    const [{ WebClient }, { slackLogger }, apiUrl] = await Promise.all([
      import('@slack/web-api'),
      import('./slack-logger.ts'),
      options.slackApiUrl ?? options.secrets.get(NOTIFY_SECRETS.slackApiUrl),
    ]);
    const client = new WebClient(token, {
      ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
      retryConfig: { retries: 0 },
      timeout: 2_500,
      logger: slackLogger(logger),
    });
    cached = { token, client };
    return client;
  };
}
