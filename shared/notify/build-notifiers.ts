import type { RetryOptions } from '@slack/web-api';
import type { IncomingWebhook } from '@slack/webhook';
import type { PipelineConfig, PushlineFile } from '../domain/pipeline-config.ts';
import type { Clock } from '../ports/clock.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { RunStore } from '../ports/run-store.ts';
import type { SecretSource } from '../ports/secret-source.ts';
import { ConsoleNotifier } from './console-notifier.ts';
import { GitHubNotifier } from './github-notifier.ts';
import { GitLabNotifier } from './gitlab-notifier.ts';
import { type NotifyLogger, silentLogger } from './logger.ts';
import { SlackBotNotifier } from './slack-bot-notifier.ts';
import { SlackWebhookNotifier } from './slack-webhook-notifier.ts';

/** The secret names notifiers read from the `SecretSource`. */
export const NOTIFY_SECRETS = {
  slackBotToken: 'SLACK_BOT_TOKEN',
  slackWebhookUrl: 'SLACK_WEBHOOK_URL',
  githubToken: 'GITHUB_TOKEN',
  gitlabToken: 'GITLAB_TOKEN',
  /**
   * Not a secret but read the same way, so that it is set where the bot token is: the root of a
   * Slack-compatible Web API for the bot (`https://slack.com/api/` when unset). Locally the
   * variable `SLACK_API_URL` (`pushline up --slack-api-url` sets it); on AWS the SSM parameter
   * `<prefix>SLACK_API_URL`.
   */
  slackApiUrl: 'SLACK_API_URL',
} as const;

/**
 * How the WebClient retries by itself: on a 429 it waits the `Retry-After` Slack sent and tries
 * again (that wait is not counted against these retries' timeouts); on network errors and 5xx
 * it backs off. Kept short, because `makeNotify` retries on top of it.
 */
export const SLACK_RETRY: RetryOptions = { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2_000 };

export interface BuildNotifiersOptions {
  secrets: SecretSource;
  file: Pick<PushlineFile, 'version' | 'people' | 'pipelines'>;
  store: RunStore;
  clock: Clock;
  /** `local` always adds the console notifier. */
  mode: 'aws' | 'local';
  /** Base URL of the dashboard, for links to the run (`<base>/runs/<id>`). */
  dashboardUrl?: string;
  logger?: NotifyLogger;
  /**
   * API roots, for tests and self-hosted instances. Slack's, when not given, is the secret
   * `SLACK_API_URL` if set (see `NOTIFY_SECRETS.slackApiUrl`).
   */
  slackApiUrl?: string;
  githubApiUrl?: string;
  gitlabApiUrl?: string;
  slackRetry?: RetryOptions;
  /** The console notifier's output (standard output by default). */
  write?: (line: string) => void;
}

/**
 * Decides which notifiers exist, from the pipeline file and the secrets that are set:
 *
 * - `slack` (bot token): `SLACK_BOT_TOKEN` is set and a pipeline names a `slack.channel`; it talks
 *   to `slackApiUrl`, else the secret `SLACK_API_URL`, else Slack itself.
 * - `slack-webhook`: pipelines with a `slack` section that the bot does not serve, whose webhook
 *   URL secret (`slack.webhook`, default `SLACK_WEBHOOK_URL`) is set.
 * - `github` / `gitlab`: `GITHUB_TOKEN` / `GITLAB_TOKEN` is set and a pipeline's source is on
 *   that host with `commitStatus` on.
 * - `console`: always in local mode.
 *
 * Secrets are read once, handed to the clients and never logged. The Slack and GitHub client
 * libraries are imported here, only when a notifier needs them: a stack that does not use them
 * does not load them at all (they are half the notify function's bundle).
 */
export async function buildNotifiers(options: BuildNotifiersOptions): Promise<Notifier[]> {
  const { secrets, file, store, clock, dashboardUrl } = options;
  const logger = options.logger ?? silentLogger;
  const link = dashboardUrl ? { dashboardUrl } : {};
  const notifiers: Notifier[] = [];
  const pipelines = file.pipelines;

  const wantsBot = pipelines.some((p) => p.notifications.slack?.channel);
  const botToken = wantsBot ? await secrets.get(NOTIFY_SECRETS.slackBotToken) : undefined;
  if (botToken) {
    const [{ WebClient }, { slackLogger }, slackApiUrl] = await Promise.all([
      import('@slack/web-api'),
      import('./slack-logger.ts'),
      options.slackApiUrl ?? secrets.get(NOTIFY_SECRETS.slackApiUrl),
    ]);
    const client = new WebClient(botToken, {
      ...(slackApiUrl ? { slackApiUrl } : {}),
      retryConfig: options.slackRetry ?? SLACK_RETRY,
      rejectRateLimitedCalls: false,
      timeout: 10_000,
      logger: slackLogger(logger),
    });
    notifiers.push(new SlackBotNotifier({ client, store, clock, ...link }));
  }

  const webhooks = new Map<string, IncomingWebhook>();
  for (const pipeline of pipelines) {
    const slack = pipeline.notifications.slack;
    if (!slack || (botToken && slack.channel)) continue;
    const url = await secrets.get(slack.webhook ?? NOTIFY_SECRETS.slackWebhookUrl);
    if (url) {
      const { IncomingWebhook } = await import('@slack/webhook');
      webhooks.set(pipeline.name, new IncomingWebhook(url, { timeout: 10_000 }));
    } else
      logger.warn('slack is configured but neither a bot token nor a webhook URL is set', {
        pipeline: pipeline.name,
      });
  }
  if (webhooks.size) {
    notifiers.push(new SlackWebhookNotifier({ webhookFor: (p) => webhooks.get(p.name), clock, ...link }));
  }

  if (uses(pipelines, 'github')) {
    const token = await secrets.get(NOTIFY_SECRETS.githubToken);
    if (token) {
      const { Octokit } = await import('@octokit/rest');
      const octokit = new Octokit({
        auth: token,
        userAgent: 'pushline',
        ...(options.githubApiUrl ? { baseUrl: options.githubApiUrl } : {}),
        log: {
          debug: () => {},
          info: () => {},
          warn: (m: string) => logger.warn(m),
          error: (m: string) => logger.error(m),
        },
        // A hung GitHub must not hold the handler until its own timeout.
        request: {
          fetch: (url: string, init: RequestInit) =>
            fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }),
        },
      });
      notifiers.push(new GitHubNotifier({ octokit, store, clock, ...link }));
    }
  }

  if (uses(pipelines, 'gitlab')) {
    const token = await secrets.get(NOTIFY_SECRETS.gitlabToken);
    if (token) {
      notifiers.push(
        new GitLabNotifier({
          token,
          store,
          clock,
          ...link,
          ...(options.gitlabApiUrl ? { baseUrl: options.gitlabApiUrl } : {}),
        }),
      );
    }
  }

  if (options.mode === 'local') {
    notifiers.push(new ConsoleNotifier({ clock, ...(options.write ? { write: options.write } : {}) }));
  }
  logger.info('notifiers ready', { notifiers: notifiers.map((n) => n.name) });
  return notifiers;
}

/** Every secret name the notifiers of this pipeline file may read (the webhook names included). */
export function notifySecretNames(file: Pick<PushlineFile, 'version' | 'people' | 'pipelines'>): string[] {
  const names = new Set<string>(Object.values(NOTIFY_SECRETS));
  for (const pipeline of file.pipelines) {
    const webhook = pipeline.notifications.slack?.webhook;
    if (webhook) names.add(webhook);
  }
  return [...names];
}

function uses(pipelines: readonly PipelineConfig[], host: 'github' | 'gitlab'): boolean {
  return pipelines.some((p) => p.source[host] && p.notifications.commitStatus);
}
