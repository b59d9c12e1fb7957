import { createHmac, randomBytes } from 'node:crypto';

/**
 * Generated and mutated requests for the fuzz tests of the edges (issue 14): the local server's
 * routes (test/integration/hostile-input.test.ts) and the Lambda functions behind the HTTP API
 * (test/contract/aws/edges-fuzz.test.ts) get the same hostile traffic.
 */

/** The secrets requests are signed with (when the generator signs them at all). */
export interface FuzzSecrets {
  github: string;
  slack: string;
  gitlab: string;
}

/** mulberry32: a small seeded generator, so a failure can be replayed with its seed. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
export type Random = ReturnType<typeof random>;

export const HOSTILE_STRINGS = [
  '$(touch /tmp/pushline-pwned)',
  '`id`',
  '; rm -rf / #',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  'a\u0000b',
  '\u001b[31mred\u001b[0m',
  '<!channel> *everyone* <https://evil.example|click>',
  '&lt;&gt;&amp;',
  '\r\nX-Injected: 1',
  '\u202eevil',
  '😀'.repeat(100),
  'x'.repeat(10_240),
  '',
  ' ',
  '%E0%A4%A',
  '%',
  '\\\\server\\share',
  '{"$where":"1"}',
];

export interface Sent {
  what: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** A push signed with the real secret (a run may come of it). */
  signedDelivery?: string;
}

/** One generated request for `route` (method and path template). */
export function generate(
  rnd: Random,
  routes: readonly { method: string; path: string }[],
  pushes: Buffer[],
  runIds: readonly string[],
  secrets: FuzzSecrets,
): Sent {
  const { github: SECRET, slack: SLACK_SECRET, gitlab: GITLAB_TOKEN } = secrets;
  const route = rnd.pick(routes);
  const method = rnd.chance(0.85)
    ? route.method
    : rnd.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
  let path = route.path.replace(/:[a-z]+/g, (name) =>
    name === ':id' && runIds.length > 0 && rnd.chance(0.4)
      ? rnd.pick(runIds).slice(rnd.pick([0, 18, 22]))
      : name === ':name' && rnd.chance(0.4)
        ? rnd.pick(['hello', 'lab'])
        : rnd.chance(0.5)
          ? encodeURIComponent(rnd.pick(HOSTILE_STRINGS)).slice(0, 2000)
          : rnd.pick(['web', 'ZZZZZZZZ', '01JP9ZMXN0', '..', '%2e%2e', '%E0%A4%A']),
  );
  if (rnd.chance(0.2))
    path += `?${rnd.pick(['limit=-1', 'limit=1e309', 'limit=abc', 'cursor=%FF', 'status=bogus', `q=${encodeURIComponent(rnd.pick(HOSTILE_STRINGS))}`, 'a=1&a=2&a=3', 'pipeline[]=x'])}`;
  if (rnd.chance(0.05))
    path = rnd.pick([
      '//etc/passwd',
      '/..',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/api/runs/%',
      `/${'a/'.repeat(2000)}`,
      '/dashboard/..%2F..%2Fpushline.db',
      '/dashboard/%2e%2e%2fwebhook-secret',
    ]);
  const headers: Record<string, string> = {};
  if (rnd.chance(0.6))
    headers['content-type'] = rnd.pick([
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      'application/json; charset=utf-16',
      'multipart/form-data; boundary=x',
    ]);
  if (rnd.chance(0.03)) headers['x-big'] = 'x'.repeat(rnd.pick([8_000, 20_000, 70_000]));
  if (rnd.chance(0.05)) headers['content-encoding'] = rnd.pick(['gzip', 'br', 'identity', 'bogus']);
  if (rnd.chance(0.05))
    headers.authorization = rnd.pick([
      'Bearer ',
      'Bearer x',
      'Basic Zm9vOmJhcg==',
      'Bearer '.padEnd(5000, 'y'),
    ]);
  let body = rnd.chance(0.7) ? bodyOf(rnd, pushes) : undefined;
  let what = `${method} ${route.path}`;
  let signedDelivery: string | undefined;

  if (route.path === '/webhooks/github') {
    headers['x-github-event'] = rnd.chance(0.8)
      ? 'push'
      : rnd.pick(['ping', 'issues', '', 'PUSH', 'x'.repeat(5000)]);
    const delivery = rnd.chance(0.5) ? `fuzz-${rnd.int(40)}` : headerSafe(rnd.pick(HOSTILE_STRINGS));
    if (rnd.chance(0.9)) headers['x-github-delivery'] = delivery;
    const kind = rnd.int(6);
    body ??= rnd.pick(pushes);
    if (kind === 0) {
      headers['x-hub-signature-256'] = `sha256=${randomHex(rnd)}`;
      what += ' forged signature';
    } else if (kind === 1) {
      what += ' no signature';
    } else if (kind === 2) {
      headers['x-hub-signature-256'] = `sha256=${hmac(SECRET, rnd.pick(pushes))}`;
      what += ' signature of another body';
    } else {
      // Signed with the real secret: a truncated, mutated or replayed push, or a valid one.
      if (kind === 3) body = body.subarray(0, rnd.int(body.length));
      if (kind === 4) body = mutatedPush(rnd, pushes);
      headers['x-hub-signature-256'] = `sha256=${hmac(SECRET, body)}`;
      what += kind === 3 ? ' signed, truncated' : kind === 4 ? ' signed, mutated' : ' signed';
      if (headers['x-github-delivery'] !== undefined) signedDelivery = headers['x-github-delivery'];
    }
    headers['content-type'] = rnd.chance(0.9)
      ? 'application/json'
      : (headers['content-type'] ?? 'text/plain');
  } else if (route.path === '/webhooks/gitlab') {
    headers['x-gitlab-event'] = rnd.pick(['Push Hook', 'Tag Push Hook', 'System Hook', '']);
    headers['x-gitlab-token'] = rnd.chance(0.5)
      ? rnd.pick(['wrong', '', GITLAB_TOKEN.slice(1)])
      : GITLAB_TOKEN;
    if (rnd.chance(0.5)) headers['x-gitlab-event-uuid'] = `uuid-${rnd.int(40)}`;
    what += headers['x-gitlab-token'] === GITLAB_TOKEN ? ' right token' : ' wrong token';
  } else if (route.path === '/slack/interactions') {
    const timestamp = String(
      rnd.chance(0.7) ? Math.floor(Date.now() / 1000) : rnd.pick([0, -1, 99999999999]),
    );
    const payload = rnd.chance(0.5)
      ? Buffer.from(`payload=${encodeURIComponent(rnd.pick(HOSTILE_STRINGS))}`)
      : (body ?? Buffer.alloc(0));
    body = payload;
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['x-slack-request-timestamp'] = timestamp;
    headers['x-slack-signature'] = rnd.chance(0.5)
      ? `v0=${hmac(SLACK_SECRET, Buffer.concat([Buffer.from(`v0:${timestamp}:`), payload]))}`
      : `v0=${randomHex(rnd)}`;
  }
  return {
    what,
    method,
    path,
    headers,
    ...(body ? { body } : {}),
    ...(signedDelivery ? { signedDelivery } : {}),
  };
}

function bodyOf(rnd: Random, pushes: Buffer[]): Buffer {
  switch (rnd.int(10)) {
    case 0:
      return Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    case 1:
      return Buffer.from(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`);
    case 2:
      return randomBytes(rnd.int(4096));
    case 3:
      return Buffer.from(`\ufeff${JSON.stringify({ by: rnd.pick(HOSTILE_STRINGS) })}`, 'utf16le');
    case 4:
      return Buffer.concat([
        Buffer.from('{"by":"'),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
        Buffer.from('"}'),
      ]);
    case 5:
      return Buffer.alloc(rnd.pick([1_100_000, 30_000_000]), 0x61);
    case 6:
      return Buffer.from(
        JSON.stringify({
          by: rnd.pick(HOSTILE_STRINGS),
          reason: rnd.pick(HOSTILE_STRINGS),
          ref: rnd.pick(HOSTILE_STRINGS),
          comment: rnd.pick(HOSTILE_STRINGS),
        }),
      );
    case 7:
      return Buffer.from(
        rnd.pick([
          'null',
          '[]',
          '"x"',
          '1e999',
          '{"__proto__":{"polluted":true}}',
          '{"constructor":{"prototype":{"x":1}}}',
        ]),
      );
    case 8:
      return mutatedPush(rnd, pushes);
    default:
      return rnd.pick(pushes);
  }
}

/** A real push with a hostile field: the branch, the message, the author, or a type swapped. */
function mutatedPush(rnd: Random, pushes: Buffer[]): Buffer {
  const push = JSON.parse(rnd.pick(pushes).toString()) as Record<string, unknown>;
  const hostile = rnd.pick(HOSTILE_STRINGS);
  switch (rnd.int(7)) {
    case 0:
      push.ref = `refs/heads/${hostile}`;
      break;
    case 1:
      push.head_commit = {
        ...(push.head_commit ?? {}),
        message: hostile,
        author: { name: hostile, email: hostile },
      };
      break;
    case 2:
      push.repository = rnd.pick([null, 'x', { full_name: hostile }, []]);
      break;
    case 3:
      push.commits = rnd.pick([
        null,
        'x',
        Array.from({ length: 5000 }, () => ({ id: hostile, modified: [hostile] })),
      ]);
      break;
    case 4:
      push.after = hostile;
      break;
    case 5:
      push.pusher = { name: hostile };
      push.sender = { login: hostile };
      break;
    default:
      delete push[rnd.pick(Object.keys(push))];
  }
  return Buffer.from(JSON.stringify(push));
}

/** A header value Node's client will send: printable ASCII (the server's parser refuses the rest). */
export const headerSafe = (text: string) =>
  [...text].map((c) => (c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) < 0x7f ? c : '?')).join('');

export const hmac = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('hex');
const randomHex = (rnd: Random) => Array.from({ length: 64 }, () => '0123456789abcdef'[rnd.int(16)]).join('');
