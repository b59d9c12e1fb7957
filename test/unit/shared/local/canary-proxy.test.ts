import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../../shared/domain/errors.ts';
import { CanaryProxy, seededRandom, type Upstream } from '../../../../shared/local/canary-proxy.ts';
import { freePort } from '../../../../shared/local/process-manager.ts';
import { trafficLoop } from '../../../support/traffic-loop.ts';

/** An upstream app in this process: answers with its name and the headers it received. */
async function upstreamApp(
  name: string,
  handler?: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void,
): Promise<Upstream & { server: Server }> {
  const server = createServer(
    handler ??
      ((req, res) => {
        if (req.method === 'POST') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          req.pipe(res);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'x-app': name });
        res.end(JSON.stringify({ release: name, headers: req.headers }));
      }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { release: name, port: (server.address() as { port: number }).port, server };
}

interface Answer {
  status: number;
  release: string | undefined;
  body: string;
  headers: IncomingHttpHeaders;
}

function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            release: res.headers['x-pushline-release'] as string | undefined,
            body: Buffer.concat(chunks).toString(),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends `requests` GETs, 8 at a time, and counts the answers by release. */
async function countReleases(url: string, requests: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let left = requests;
  const worker = async () => {
    while (left-- > 0) {
      const { release } = await send(url);
      counts[String(release)] = (counts[String(release)] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return counts;
}

/** An upstream that accepts upgrades and answers every chunk with `<name>:<chunk>`. */
async function upgradingApp(name: string): Promise<Upstream & { server: Server; sockets: Duplex[] }> {
  const app = await upstreamApp(name, (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('upgrade required');
  });
  const sockets: Duplex[] = [];
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.push(socket);
    if (req.headers.upgrade !== 'websocket') {
      socket.end(
        'HTTP/1.1 400 Bad Request\r\ncontent-length: 16\r\nconnection: close\r\n\r\nnot a websocket!',
      );
      return;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nx-app: ${name}\r\nx-forwarded-for-seen: ${req.headers['x-forwarded-for']}\r\n\r\n`,
    );
    if (head.length > 0) socket.write(`${name}:${head}`);
    socket.on('data', (chunk: Buffer) => socket.write(`${name}:${chunk}`));
  });
  return { ...app, sockets };
}

interface Upgraded {
  status: number;
  headers: IncomingHttpHeaders;
  socket?: Duplex;
  body?: string;
}

/** Asks `url` to switch to `protocol`; resolves with the 101 and its socket, or the refusal. */
function upgrade(url: string, protocol = 'websocket'): Promise<Upgraded> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      agent: false,
      headers: {
        connection: 'Upgrade',
        upgrade: protocol,
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
      },
    });
    req.on('upgrade', (res, socket) =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, socket }),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      // 'close' too: an answer cut short ends without 'end'.
      const done = () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        });
      res.on('end', done).on('close', done);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Writes `text` and resolves with the next chunk the socket receives. */
function roundTrip(socket: Duplex, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    socket.write(text);
  });
}

describe('CanaryProxy', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  async function setup(options: { weight?: number; random?: () => number } = {}) {
    const stable = await upstreamApp('v1');
    const canary = await upstreamApp('v2');
    const proxy = new CanaryProxy({ port: 0, random: options.random ?? seededRandom(7) });
    await proxy.start();
    proxy.setStable(stable);
    proxy.setCanary(canary, options.weight ?? 0);
    cleanups.push(
      () => proxy.close(),
      () => new Promise((r) => stable.server.close(r)),
      () => new Promise((r) => canary.server.close(r)),
    );
    return { proxy, stable, canary };
  }

  it('sends about the configured share of requests to the canary', async () => {
    // Prepare
    const { proxy } = await setup({ weight: 20 });
    // Act
    const counts = await countReleases(proxy.url, 400);
    // Assess
    expect((counts.v1 ?? 0) + (counts.v2 ?? 0)).toBe(400);
    expect(counts.v2! / 400).toBeGreaterThan(0.15);
    expect(counts.v2! / 400).toBeLessThan(0.25);
  });

  it('names the release that answered in x-pushline-release', async () => {
    const { proxy } = await setup({ weight: 50 });

    for (let i = 0; i < 10; i++) {
      const answer = await send(proxy.url);
      expect(JSON.parse(answer.body).release).toBe(answer.release);
      expect(answer.headers['x-app']).toBe(answer.release);
    }
  });

  it('sends everything to the canary when there is no stable release yet', async () => {
    const { proxy } = await setup({ weight: 10 });
    proxy.setStable(undefined);

    expect(await countReleases(proxy.url, 20)).toEqual({ v2: 20 });
  });

  it('refuses a weight outside 0–100', async () => {
    const proxy = new CanaryProxy({ port: 0 });
    expect(() => proxy.setWeights(101)).toThrow(ValidationError);
    expect(() => proxy.setWeights(Number.NaN)).toThrow(/between 0 and 100/);
  });

  it('drops hop-by-hop headers and sets X-Forwarded-For, -Host and -Proto', async () => {
    const { proxy } = await setup();

    const answer = await send(proxy.url, {
      headers: {
        connection: 'keep-alive, x-hop',
        'keep-alive': 'timeout=5',
        'x-hop': 'secret',
        'x-end-to-end': 'kept',
        'x-forwarded-for': '10.0.0.1',
      },
    });

    const seen = JSON.parse(answer.body).headers;
    expect(seen).toMatchObject({
      'x-end-to-end': 'kept',
      'x-forwarded-for': '10.0.0.1, 127.0.0.1',
      'x-forwarded-host': `127.0.0.1:${proxy.port}`,
      'x-forwarded-proto': 'http',
      host: `127.0.0.1:${proxy.port}`,
    });
    expect(seen['x-hop']).toBeUndefined();
    expect(seen['keep-alive']).toBeUndefined();
  });

  it('streams request and response bodies', async () => {
    const { proxy } = await setup();
    const body = Buffer.alloc(2 * 1024 * 1024, 'pushline');

    const answer = await send(`${proxy.url}/echo`, { method: 'POST', body });

    expect(answer.status).toBe(200);
    expect(Buffer.from(answer.body).equals(body)).toBe(true);
  });

  it('passes the first chunk of a response on before the upstream has finished', async () => {
    let finish!: () => void;
    const slow = await upstreamApp('slow', (_req, res) => {
      res.writeHead(200);
      res.write('first ');
      finish = () => res.end('second');
    });
    const proxy = new CanaryProxy({ port: 0 });
    await proxy.start();
    proxy.setStable(slow);
    cleanups.push(
      () => proxy.close(),
      () => new Promise((r) => slow.server.close(r)),
    );

    const firstChunk = await new Promise<string>((resolve) => {
      request(proxy.url, { agent: false }, (res) => {
        res.once('data', (c: Buffer) => {
          resolve(c.toString());
          finish();
        });
      }).end();
    });

    expect(firstChunk).toBe('first ');
  });

  it('answers 502 naming the release when its upstream is down, and counts it as an error', async () => {
    const proxy = new CanaryProxy({ port: 0 });
    await proxy.start();
    cleanups.push(() => proxy.close());
    proxy.setStable({ release: 'gone', port: await freePort() });

    const answer = await send(proxy.url);

    expect(answer).toMatchObject({ status: 502, release: 'gone' });
    expect(JSON.parse(answer.body).error).toMatch(/^release gone did not answer \(ECONNREFUSED\)$/);
    expect(proxy.metrics.buckets('gone', 0, Date.now() + 1)[0]).toMatchObject({ requests: 1, errors: 1 });
  });

  it('answers 503 when no release is deployed', async () => {
    const proxy = new CanaryProxy({ port: 0 });
    await proxy.start();
    cleanups.push(() => proxy.close());

    expect((await send(proxy.url)).status).toBe(503);
  });

  it('shifts traffic on promote and rollback without failing a request in flight', async () => {
    // Prepare: requests keep flowing; each answer remembers which step had been taken when it was sent.
    const { proxy } = await setup({ weight: 30 });
    const v3 = await upstreamApp('v3');
    cleanups.push(() => new Promise((r) => v3.server.close(r)));
    const traffic = trafficLoop(() => send(proxy.url), 'split');
    await traffic.until('split', 8);
    // Act
    proxy.rollback();
    traffic.setPhase('rolled back');
    await traffic.until('rolled back', 8);
    proxy.setCanary(v3, 50);
    traffic.setPhase('new canary');
    await traffic.until('new canary', 8);
    const replaced = proxy.promote();
    traffic.setPhase('promoted');
    await traffic.until('promoted', 8);
    const answers = await traffic.stop();
    // Assess
    const releasesIn = (phase: string) =>
      new Set(answers.filter((a) => a.phase === phase).map((a) => a.release));
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(releasesIn('split')).toEqual(new Set(['v1', 'v2']));
    expect(releasesIn('rolled back')).toEqual(new Set(['v1']));
    expect(releasesIn('promoted')).toEqual(new Set(['v3']));
    expect(replaced?.release).toBe('v1');
    expect(proxy.stable?.release).toBe('v3');
    expect(proxy.canary).toBeUndefined();
  });

  it('drains: waits for the requests in flight to a release to finish', async () => {
    let release!: () => void;
    const slow = await upstreamApp('slow', (_req, res) => {
      release = () => res.end('done');
    });
    const proxy = new CanaryProxy({ port: 0 });
    await proxy.start();
    proxy.setStable(slow);
    cleanups.push(
      () => proxy.close(),
      () => new Promise((r) => slow.server.close(r)),
    );
    const pending = send(proxy.url);
    while (release === undefined) await sleep(5);

    expect(await proxy.drain('slow', 50)).toBe(false);
    const drained = proxy.drain('slow', 2000);
    release();

    expect(await drained).toBe(true);
    expect((await pending).body).toBe('done');
  });

  it('serves its own metrics as JSON at /__pushline/metrics', async () => {
    const { proxy } = await setup({ weight: 50 });
    await countReleases(proxy.url, 10);

    const answer = await send(`${proxy.url}/__pushline/metrics`);

    const body = JSON.parse(answer.body);
    expect(body).toMatchObject({ stable: { release: 'v1' }, canary: { release: 'v2' }, canaryWeight: 50 });
    const releases = body.releases as Record<string, { requests: number; errors5xx: number }>;
    expect((releases.v1?.requests ?? 0) + (releases.v2?.requests ?? 0)).toBe(10);
    expect(releases.v1?.errors5xx ?? 0).toBe(0);
  });

  describe('connections to the releases', () => {
    /** The upstream's open connections, counted as the server sees them. */
    function connections(server: Server) {
      const open = new Set<Duplex>();
      let opened = 0;
      server.on('connection', (socket: Duplex) => {
        opened++;
        open.add(socket);
        socket.once('close', () => open.delete(socket));
      });
      return { opened: () => opened, open: () => open.size };
    }

    it('keeps connections to a release alive across requests, and closes them when the release goes', async () => {
      const { proxy, stable, canary } = await setup({ weight: 0 });
      const seen = connections(stable.server);

      for (let i = 0; i < 20; i++) expect((await send(proxy.url)).release).toBe('v1');

      expect(seen.opened()).toBe(1);
      expect(seen.open()).toBe(1);
      proxy.setCanary(canary, 100);
      proxy.promote();
      expect((await send(proxy.url)).release).toBe('v2');
      await sleep(50);
      expect(seen.open()).toBe(0);
    });

    it('closes every connection to the releases when it closes', async () => {
      const { proxy, stable } = await setup({ weight: 0 });
      const seen = connections(stable.server);
      await send(proxy.url);
      expect(seen.open()).toBe(1);

      await proxy.close();
      await sleep(50);

      expect(seen.open()).toBe(0);
    });

    it('sends a GET again on a new connection when the release closed the kept-alive one as it was reused', async () => {
      // The release drops every second request on a connection without answering, as an app whose
      // keep-alive timeout fires just as the proxy reuses the socket.
      const requestsOn = new WeakMap<object, number>();
      const flaky = await upstreamApp('v1', (req, res) => {
        const n = (requestsOn.get(req.socket) ?? 0) + 1;
        requestsOn.set(req.socket, n);
        if (n > 1) {
          req.socket.destroy();
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
      const proxy = new CanaryProxy({ port: 0 });
      await proxy.start();
      proxy.setStable(flaky);
      cleanups.push(
        () => proxy.close(),
        () => new Promise((r) => flaky.server.close(r)),
      );

      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await send(proxy.url));

      expect(answers.map((a) => [a.status, a.body])).toEqual(Array(5).fill([200, 'ok']));
      // A POST is never sent twice: it goes on a connection of its own.
      const post = await send(proxy.url, { method: 'POST', body: Buffer.from('once') });
      expect(post.status).toBe(200);
    });
  });

  describe('upgrades (WebSockets)', () => {
    async function setupUpgrades(weight: number, random = seededRandom(7)) {
      const stable = await upgradingApp('v1');
      const canary = await upgradingApp('v2');
      const proxy = new CanaryProxy({ port: 0, random });
      await proxy.start();
      proxy.setStable(stable);
      proxy.setCanary(canary, weight);
      cleanups.push(
        () => proxy.close(),
        ...[stable, canary].map((app) => () => {
          // Upgraded sockets are the app's to close: the server no longer tracks them.
          for (const socket of app.sockets) socket.destroy();
          return new Promise((r) => app.server.close(r));
        }),
      );
      return { proxy, stable, canary };
    }

    it('tunnels an upgraded connection both ways, naming the release that accepted it', async () => {
      // Prepare
      const { proxy } = await setupUpgrades(0);

      // Act
      const upgraded = await upgrade(proxy.url);
      cleanups.push(async () => upgraded.socket?.destroy());

      // Assess
      expect(upgraded.status).toBe(101);
      expect(upgraded.headers).toMatchObject({
        'x-pushline-release': 'v1',
        'x-app': 'v1',
        upgrade: 'websocket',
      });
      expect(upgraded.headers['x-forwarded-for-seen']).toBe('127.0.0.1');
      expect(await roundTrip(upgraded.socket!, 'hello')).toBe('v1:hello');
      expect(await roundTrip(upgraded.socket!, 'again')).toBe('v1:again');
      expect(proxy.metrics.buckets('v1', 0, Date.now() + 1)[0]).toMatchObject({ requests: 1, errors: 0 });
    });

    it('routes each new upgrade by the canary weight, and keeps an open one where it started', async () => {
      // Prepare: all new connections to the canary
      const { proxy } = await setupUpgrades(100);
      const first = await upgrade(proxy.url);
      cleanups.push(async () => first.socket?.destroy());

      // Act: roll back while the first connection is open
      proxy.rollback();
      const second = await upgrade(proxy.url);
      cleanups.push(async () => second.socket?.destroy());

      // Assess
      expect(first.headers['x-pushline-release']).toBe('v2');
      expect(second.headers['x-pushline-release']).toBe('v1');
      expect(await roundTrip(first.socket!, 'still here')).toBe('v2:still here');
    });

    it('closes the client side when the release closes its side', async () => {
      // Prepare
      const { proxy, stable } = await setupUpgrades(0);
      const upgraded = await upgrade(proxy.url);
      const closed = new Promise((resolve) => upgraded.socket!.once('close', () => resolve('closed')));

      // Act
      for (const socket of stable.sockets) socket.destroy();

      // Assess
      await expect(closed).resolves.toBe('closed');
    });

    it('passes on the answer of a release that declines the upgrade', async () => {
      // Prepare
      const { proxy } = await setupUpgrades(0);

      // Act
      const refused = await upgrade(proxy.url, 'h2c');

      // Assess
      expect(refused).toMatchObject({ status: 400, body: 'not a websocket!' });
      expect(refused.headers['x-pushline-release']).toBe('v1');
      expect(proxy.metrics.buckets('v1', 0, Date.now() + 1)[0]).toMatchObject({ requests: 1 });
    });

    it('answers 502 naming the release when its upstream is down, and 503 when there is none', async () => {
      // Prepare
      const proxy = new CanaryProxy({ port: 0 });
      await proxy.start();
      cleanups.push(() => proxy.close());
      const none = await upgrade(proxy.url);
      proxy.setStable({ release: 'gone', port: await freePort() });

      // Act
      const down = await upgrade(proxy.url);

      // Assess
      expect(none.status).toBe(503);
      expect(down).toMatchObject({ status: 502, headers: { 'x-pushline-release': 'gone' } });
      expect(JSON.parse(down.body!).error).toBe('release gone did not answer (ECONNREFUSED)');
    });

    it('ends the client connection when a declining release dies in the middle of its answer', async () => {
      // Prepare: a release that promises 100 bytes, sends 5 and dies
      const app = await upstreamApp('v1');
      app.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
        socket.write('HTTP/1.1 400 Bad Request\r\ncontent-length: 100\r\n\r\nhello');
        setTimeout(() => socket.destroy(), 20);
      });
      const proxy = new CanaryProxy({ port: 0 });
      await proxy.start();
      proxy.setStable(app);
      cleanups.push(
        () => proxy.close(),
        () => new Promise((r) => app.server.close(r)),
      );

      // Act
      const refused = await upgrade(proxy.url);

      // Assess
      expect(refused).toMatchObject({ status: 400, body: 'hello' });
    });

    it('closes a connection whose handshake is under way when the proxy closes', async () => {
      // Prepare: a release that takes its time to switch protocols
      const app = await upstreamApp('v1');
      const held: Duplex[] = [];
      app.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
        held.push(socket);
        setTimeout(() => {
          if (!socket.destroyed) {
            socket.write(
              'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n',
            );
          }
        }, 300);
      });
      const proxy = new CanaryProxy({ port: 0 });
      await proxy.start();
      proxy.setStable(app);
      cleanups.push(() => {
        for (const socket of held) socket.destroy();
        return new Promise((r) => app.server.close(r));
      });
      const attempt = upgrade(proxy.url).then(
        (answer) => `HTTP ${answer.status}`,
        (error: NodeJS.ErrnoException) => error.code,
      );
      await sleep(50);

      // Act
      await proxy.close();

      // Assess: close() did not wait for the handshake, and the client got no 101
      expect(await attempt).toBe('ECONNRESET');
    });

    it('closes open tunnels when the proxy closes', async () => {
      // Prepare
      const { proxy } = await setupUpgrades(0);
      const upgraded = await upgrade(proxy.url);
      const closed = new Promise((resolve) => upgraded.socket!.once('close', () => resolve('closed')));

      // Act
      await proxy.close();

      // Assess
      await expect(closed).resolves.toBe('closed');
    });
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
