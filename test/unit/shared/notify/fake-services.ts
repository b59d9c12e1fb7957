import type { KnownBlock } from '@slack/types';
import { WebClient } from '@slack/web-api';
import { silentLogger } from '../../../../shared/notify/logger.ts';
import { slackLogger } from '../../../../shared/notify/slack-logger.ts';
import type { RecordedRequest, RecordingServer } from '../../../support/recording-server.ts';

/** A Slack call as the WebClient sent it (a URL-encoded form whose objects are JSON). */
export interface SlackCall {
  method: string;
  channel?: string;
  ts?: string;
  thread_ts?: string;
  reply_broadcast?: string;
  link_names?: string;
  text?: string;
  blocks: KnownBlock[];
  authorization?: string;
}

/** Answers Slack's chat.postMessage / chat.update as Slack does, with increasing message ts. */
export function fakeSlack(server: RecordingServer, channelId = 'C0DEPLOYS'): void {
  let ts = 1_700_000_000;
  server.on({ method: 'POST', path: '/api/chat.postMessage' }, () => ({
    status: 200,
    body: { ok: true, channel: channelId, ts: `${++ts}.000100` },
  }));
  server.on({ method: 'POST', path: '/api/chat.update' }, (request) => {
    const form = request.parsed as Record<string, string>;
    return { status: 200, body: { ok: true, channel: form.channel, ts: form.ts } };
  });
}

export function slackCalls(server: RecordingServer): SlackCall[] {
  return server.requestsTo(/^\/api\/chat\./).map(toSlackCall);
}

export function toSlackCall(request: RecordedRequest): SlackCall {
  const form = (request.parsed ?? {}) as Record<string, string>;
  const { blocks, ...rest } = form;
  return {
    ...rest,
    method: request.path.replace('/api/', ''),
    blocks: blocks ? (JSON.parse(blocks) as KnownBlock[]) : [],
    ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
  };
}

/** Every mrkdwn text of a message's blocks, joined. */
export function blockText(blocks: KnownBlock[]): string {
  return JSON.stringify(blocks);
}

/** A real WebClient pointed at the recording server, retrying fast. */
export function slackClient(server: RecordingServer, token = 'xoxb-test-token'): WebClient {
  return new WebClient(token, {
    slackApiUrl: `${server.url}/api/`,
    retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 },
    logger: slackLogger(silentLogger),
  });
}

/** Answers GitHub's commit status, deployment and deployment status endpoints. */
export function fakeGitHub(server: RecordingServer): void {
  let id = 1000;
  server.on({ method: 'POST', path: /^\/repos\/[^/]+\/[^/]+\/statuses\/[0-9a-f]{40}$/ }, (r) => ({
    status: 201,
    body: { id: ++id, ...(r.parsed as object) },
  }));
  server.on({ method: 'POST', path: /^\/repos\/[^/]+\/[^/]+\/deployments$/ }, (r) => ({
    status: 201,
    body: { id: ++id, ...(r.parsed as object) },
  }));
  server.on({ method: 'POST', path: /^\/repos\/[^/]+\/[^/]+\/deployments\/\d+\/statuses$/ }, (r) => ({
    status: 201,
    body: { id: ++id, ...(r.parsed as object) },
  }));
}

/** `status pushline/build pending`, `deployment staging`, `deployment-status 1001 success`… */
export function githubCalls(server: RecordingServer): string[] {
  return server.requests
    .filter((r) => r.path.startsWith('/repos/'))
    .map((r) => {
      const body = r.parsed as Record<string, string>;
      if (/\/statuses\/[0-9a-f]{40}$/.test(r.path)) return `status ${body.context} ${body.state}`;
      if (/\/deployments$/.test(r.path)) return `deployment ${body.environment}`;
      const deployment = /\/deployments\/(\d+)\/statuses$/.exec(r.path)?.[1];
      return `deployment-status ${deployment} ${body.environment} ${body.state}`;
    });
}
