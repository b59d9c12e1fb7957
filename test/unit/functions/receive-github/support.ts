import { sign } from '@octokit/webhooks-methods';
import { PushlineFile } from '../../../../shared/domain/pipeline-config.ts';
import type { WebhookLogger, WebhookRequest } from '../../../../shared/http/webhook.ts';
import { MemoryRunStore } from '../../../../shared/local/memory-run-store.ts';
import type { Clock } from '../../../../shared/ports/clock.ts';
import type { SecretSource } from '../../../../shared/ports/secret-source.ts';

export const GITHUB_SECRET = 'gh-webhook-secret-that-must-never-be-logged';
export const GITLAB_TOKEN = 'gl-webhook-token-that-must-never-be-logged';

/** A clock that stands still unless a test moves it. */
export function fixedClock(iso = '2026-03-01T12:00:00.000Z'): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return { now: () => new Date(now), set: (next) => (now = new Date(next)) };
}

/** Secrets as a map; a name not in it is not set. */
export function secretsOf(values: Record<string, string>): SecretSource {
  return { get: async (name) => values[name] };
}

/** A logger that keeps every call, so a test can search them for secrets. */
export function recordingLogger(): WebhookLogger & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    info: (...args) => void calls.push(['info', ...args]),
    warn: (...args) => void calls.push(['warn', ...args]),
    error: (...args) => void calls.push(['error', ...args]),
  };
}

/** The pipeline file the receiver tests use: one pipeline per host, one with a path filter. */
export const testFile: PushlineFile = PushlineFile.parse({
  pipelines: [
    { name: 'hello', source: { github: 'Codertocat/Hello-World' } },
    { name: 'hello-docs', source: { github: 'Codertocat/Hello-World' }, on: { paths: ['docs/**'] } },
    { name: 'diaspora', source: { gitlab: 'mike/diaspora' }, on: { branches: ['master'] } },
    { name: 'example-releases', source: { gitlab: 'jsmith/example' }, on: { tags: ['v*'] } },
    { name: 'demo', source: { codecommit: 'MyDemoRepo' } },
  ],
});

export function newStore(clock: Clock): MemoryRunStore {
  return new MemoryRunStore({ clock });
}

/** A GitHub delivery as GitHub sends it: JSON body, event, delivery id and HMAC signature. */
export async function githubRequest(
  payload: unknown,
  {
    event = 'push',
    delivery = 'delivery-1',
    secret = GITHUB_SECRET,
    headers = {},
  }: {
    event?: string;
    delivery?: string;
    secret?: string;
    headers?: Record<string, string | undefined>;
  } = {},
): Promise<WebhookRequest> {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/test',
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-hub-signature-256': await sign(secret, text),
      ...headers,
    },
    body: Buffer.from(text, 'utf8'),
  };
}

/** A GitLab delivery as GitLab sends it. */
export function gitlabRequest(
  payload: unknown,
  {
    event = 'Push Hook',
    uuid = 'event-uuid-1',
    token = GITLAB_TOKEN,
    headers = {},
  }: {
    event?: string;
    uuid?: string;
    token?: string;
    headers?: Record<string, string | undefined>;
  } = {},
): WebhookRequest {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitLab/18.0.0',
      'x-gitlab-event': event,
      'x-gitlab-event-uuid': uuid,
      'x-gitlab-token': token,
      ...headers,
    },
    body: Buffer.from(text, 'utf8'),
  };
}
