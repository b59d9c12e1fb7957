import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { ValidationError } from '../domain/errors.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { crashPoint } from './crash-points.ts';
import { ProxyMetrics } from './proxy-metrics.ts';

/** A release the proxy can send traffic to. */
export interface Upstream {
  /** The release id, sent back in `x-pushline-release` and used to key the metrics. */
  release: string;
  port: number;
  host?: string;
}

export interface CanaryProxyOptions {
  /** The stable production port; 0 picks a free one (tests). */
  port: number;
  host?: string;
  metrics?: ProxyMetrics;
  clock?: Clock;
  /** Numbers in [0, 1) that pick the upstream; pass `seededRandom(n)` for a repeatable split. */
  random?: () => number;
}

/** Headers that describe one hop's connection, not the message: never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export const METRICS_PATH = '/__pushline/metrics';
export const RELEASE_HEADER = 'x-pushline-release';

/**
 * The local production entry point: a reverse proxy on the stable port that sends each request to
 * the `stable` or the `canary` release by weight (the canary's percent, 0–100). Bodies stream both
 * ways; hop-by-hop headers are dropped; `X-Forwarded-For/-Host/-Proto` are set; an upstream that
 * does not answer gives 502. Connections to each release are kept alive (one agent per release,
 * destroyed once the release is out of rotation and idle). Every answer carries `x-pushline-release`, and is counted in
 * `metrics` under that release. Routing is per request, so `setWeights`, `promote` and `rollback`
 * apply to the very next request, also on kept-alive client connections; requests already in
 * flight finish where they started (`drain` waits for them).
 *
 * Upgrades (WebSockets) are routed the same way when they start, and then tunnelled byte for byte
 * until either end closes: a connection stays with the release that accepted it (stopping that
 * release's process closes it), and `drain` does not wait for it — it may never end.
 */
export class CanaryProxy {
  readonly metrics: ProxyMetrics;
  private readonly options: CanaryProxyOptions;
  private readonly clock: Clock;
  private readonly random: () => number;
  private server?: Server;
  private stableUpstream?: Upstream;
  private canaryUpstream?: Upstream;
  private canaryWeight = 0;
  private readonly inFlight = new Map<string, number>();
  private readonly drained = new Map<string, (() => void)[]>();
  /** Client sockets of upgraded connections: the HTTP server no longer tracks them. */
  private readonly tunnels = new Set<Duplex>();
  /** A keep-alive agent per upstream (release at host:port), destroyed once it is out of rotation and idle. */
  private readonly agents = new Map<string, { release: string; agent: Agent }>();

  constructor(options: CanaryProxyOptions) {
    this.options = options;
    this.metrics = options.metrics ?? new ProxyMetrics();
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  /** Listens on the configured port; resolves with the port. Throws when it is taken (EADDRINUSE). */
  async start(): Promise<number> {
    if (this.server) return this.port;
    const server = createServer((req, res) => this.handle(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
    await new Promise<void>((resolve, reject) => {
      server
        .once('error', reject)
        .listen(this.options.port, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this.port;
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  get url(): string {
    return `http://${this.options.host ?? '127.0.0.1'}:${this.port}`;
  }

  get stable(): Upstream | undefined {
    return this.stableUpstream;
  }

  get canary(): Upstream | undefined {
    return this.canaryUpstream;
  }

  /** The canary's share of traffic, 0–100 (all of it when there is no stable release). */
  get weight(): number {
    return this.canaryWeight;
  }

  setStable(upstream: Upstream | undefined): void {
    this.stableUpstream = upstream;
    this.retireAgents();
  }

  setCanary(upstream: Upstream | undefined, percent = this.canaryWeight): void {
    this.canaryUpstream = upstream;
    this.setWeights(upstream ? percent : 0);
    this.retireAgents();
  }

  /** Sends `canaryPercent` (0–100) of new requests to the canary, the rest to the stable release. */
  setWeights(canaryPercent: number): void {
    if (!(canaryPercent >= 0 && canaryPercent <= 100)) {
      throw new ValidationError(`canary weight must be between 0 and 100, not ${canaryPercent}`);
    }
    crashPoint('proxy-weights:before');
    this.canaryWeight = canaryPercent;
    crashPoint('proxy-weights:after');
  }

  /** All traffic to the canary, which becomes the stable release. Returns the release it replaced. */
  promote(): Upstream | undefined {
    if (!this.canaryUpstream) return undefined;
    crashPoint('proxy-promote:before');
    const previous = this.stableUpstream;
    this.stableUpstream = this.canaryUpstream;
    this.canaryUpstream = undefined;
    this.canaryWeight = 0;
    this.retireAgents();
    crashPoint('proxy-promote:after');
    return previous?.release === this.stableUpstream.release ? undefined : previous;
  }

  /** All traffic back to the stable release. Returns the canary it took out of rotation. */
  rollback(): Upstream | undefined {
    crashPoint('proxy-rollback:before');
    const previous = this.canaryUpstream;
    this.canaryUpstream = undefined;
    this.canaryWeight = 0;
    this.retireAgents();
    crashPoint('proxy-rollback:after');
    return previous;
  }

  /** Resolves true once no request to `release` is in flight, or false after `timeoutMs`. */
  async drain(release: string, timeoutMs = 10_000): Promise<boolean> {
    if ((this.inFlight.get(release) ?? 0) === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const waiters = this.drained.get(release) ?? [];
      waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      this.drained.set(release, waiters);
    });
  }

  /** Stops listening and closes every client connection. Idempotent. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    for (const socket of this.tunnels) socket.destroy();
    for (const { agent } of this.agents.values()) agent.destroy();
    this.agents.clear();
    await closed;
  }

  /**
   * The keep-alive agent of an upstream. Idle sockets are closed after 4 s, before Node's default
   * server keep-alive timeout (5 s) could close them under a request being sent.
   */
  private agentFor(upstream: Upstream): Agent {
    const key = upstreamKey(upstream);
    let entry = this.agents.get(key);
    if (!entry) {
      entry = {
        release: upstream.release,
        agent: new Agent({ keepAlive: true, timeout: 4_000, scheduling: 'lifo' }),
      };
      this.agents.set(key, entry);
    }
    return entry.agent;
  }

  /** Destroys the agents of upstreams out of rotation once no request to their release is in flight. */
  private retireAgents(): void {
    const current = new Set(
      [this.stableUpstream, this.canaryUpstream].filter((u) => u !== undefined).map(upstreamKey),
    );
    for (const [key, { release, agent }] of this.agents) {
      if (current.has(key) || (this.inFlight.get(release) ?? 0) > 0) continue;
      agent.destroy();
      this.agents.delete(key);
    }
  }

  private pick(): Upstream | undefined {
    const { stableUpstream: stable, canaryUpstream: canary } = this;
    if (!canary) return stable;
    if (!stable) return canary;
    return this.random() * 100 < this.canaryWeight ? canary : stable;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET' && req.url === METRICS_PATH) {
      const body = {
        stable: this.stableUpstream ?? null,
        canary: this.canaryUpstream ?? null,
        canaryWeight: this.canaryWeight,
        inFlight: Object.fromEntries(this.inFlight),
        ...this.metrics.snapshot(),
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body, null, 2));
      return;
    }
    const upstream = this.pick();
    if (!upstream) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'no release is deployed behind this proxy yet' }));
      return;
    }
    const { release } = upstream;
    const started = performance.now();
    this.inFlight.set(release, (this.inFlight.get(release) ?? 0) + 1);
    // A request without a body goes on a kept-alive connection and can be sent again: when the
    // socket turns out to have been closed by the release at the moment it was reused, it is
    // retried once on a new connection. A request with a body, which could not be sent again, goes
    // on a new connection.
    const bodyless =
      ['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? '') &&
      !req.headers['content-length'] &&
      !req.headers['transfer-encoding'];
    let upstreamReq = this.forward(req, res, upstream, bodyless);
    res.once('close', () => {
      // A client that hung up mid-response still ends the upstream request and frees the slot.
      if (!res.writableFinished) upstreamReq.destroy();
      // Only answers count: a client that left before any answer says nothing about the release.
      if (res.headersSent) {
        this.metrics.record(release, {
          at: this.clock.now().getTime(),
          status: res.statusCode,
          latencyMs: performance.now() - started,
        });
      }
      this.settle(release);
    });
    if (bodyless) {
      req.resume();
      upstreamReq.end();
    } else req.pipe(upstreamReq);
    upstreamReq.once('error', (error: NodeJS.ErrnoException) => {
      if (bodyless && upstreamReq.reusedSocket && !res.headersSent && error.code === 'ECONNRESET') {
        upstreamReq = this.forward(req, res, upstream, false);
        upstreamReq.once('error', (retried: NodeJS.ErrnoException) => this.failed(res, release, retried));
        upstreamReq.end();
        return;
      }
      this.failed(res, release, error);
    });
  }

  /** Sends the request on to `upstream` on a kept-alive connection (`keepAlive: false`: a new one). */
  private forward(req: IncomingMessage, res: ServerResponse, upstream: Upstream, keepAlive: boolean) {
    const { release } = upstream;
    return request(
      {
        host: upstream.host ?? '127.0.0.1',
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req),
        agent: keepAlive ? this.agentFor(upstream) : false,
      },
      (upstreamRes) => {
        const headers: OutgoingHttpHeaders = withoutHopByHop(upstreamRes.headers);
        headers[RELEASE_HEADER] = release;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, headers);
        upstreamRes.pipe(res);
        upstreamRes.once('error', () => res.destroy());
      },
    );
  }

  /** An upstream request that failed: 502 if nothing was answered yet, else the client connection ends. */
  private failed(res: ServerResponse, release: string, error: NodeJS.ErrnoException): void {
    if (res.headersSent) {
      res.destroy(error);
      return;
    }
    res.writeHead(502, { 'content-type': 'application/json', [RELEASE_HEADER]: release });
    res.end(JSON.stringify({ error: `release ${release} did not answer (${error.code ?? error.message})` }));
  }

  /**
   * An HTTP upgrade: asks the picked release for the same upgrade and, once it switches protocols,
   * joins the two sockets. A release that declines answers the client itself (its status, headers
   * and body); one that does not answer gives 502, and no release 503, as for any request.
   */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const upstream = this.pick();
    if (!upstream) {
      socket.end(rawResponse(503, 'Service Unavailable', { 'content-type': 'text/plain' }, 'no release'));
      return;
    }
    const { release } = upstream;
    const started = performance.now();
    const record = (status: number) =>
      this.metrics.record(release, {
        at: this.clock.now().getTime(),
        status,
        latencyMs: performance.now() - started,
      });
    const upstreamReq = request({
      host: upstream.host ?? '127.0.0.1',
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...forwardedHeaders(req), connection: 'Upgrade', upgrade: req.headers.upgrade ?? '' },
      agent: false,
    });
    // Tracked from the start: `close` must not wait for a handshake still under way.
    this.tunnels.add(socket);
    socket.once('close', () => {
      this.tunnels.delete(socket);
      upstreamReq.destroy();
    });
    upstreamReq.once(
      'upgrade',
      (upstreamRes: IncomingMessage, upstreamSocket: Duplex, upstreamHead: Buffer) => {
        if (!this.server || socket.destroyed) {
          // The proxy closed (or the client left) during the handshake.
          upstreamSocket.destroy();
          socket.destroy();
          return;
        }
        record(101);
        const headers = { ...upstreamRes.headers, [RELEASE_HEADER]: release };
        socket.write(rawResponse(101, upstreamRes.statusMessage || 'Switching Protocols', headers));
        if (upstreamHead.length > 0) socket.write(upstreamHead);
        if (head.length > 0) upstreamSocket.write(head);
        const end = () => {
          socket.destroy();
          upstreamSocket.destroy();
        };
        // Either end hanging up (or half-closing: the HTTP server allows half-open sockets) ends both.
        for (const side of [socket, upstreamSocket])
          side.once('end', end).once('close', end).once('error', end);
        upstreamSocket.pipe(socket);
        socket.pipe(upstreamSocket);
      },
    );
    upstreamReq.once('response', (upstreamRes: IncomingMessage) => {
      // The release declined the upgrade: its answer goes back as it is, and the connection ends.
      record(upstreamRes.statusCode ?? 502);
      const headers = {
        ...withoutHopByHop(upstreamRes.headers),
        [RELEASE_HEADER]: release,
        connection: 'close',
      };
      delete headers['content-length'];
      socket.write(rawResponse(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage ?? '', headers));
      upstreamRes.pipe(socket);
      // A release that dies in the middle of its answer must not leave the client waiting.
      upstreamRes.once('close', () => {
        if (!upstreamRes.complete) socket.destroy();
      });
    });
    upstreamReq.once('error', (error: NodeJS.ErrnoException) => {
      if (!socket.writable) return;
      record(502);
      const body = JSON.stringify({
        error: `release ${release} did not answer (${error.code ?? error.message})`,
      });
      socket.end(
        rawResponse(
          502,
          'Bad Gateway',
          { 'content-type': 'application/json', [RELEASE_HEADER]: release },
          body,
        ),
      );
    });
    upstreamReq.end();
  }

  private settle(release: string): void {
    const left = (this.inFlight.get(release) ?? 1) - 1;
    if (left > 0) {
      this.inFlight.set(release, left);
      return;
    }
    this.inFlight.delete(release);
    for (const resolve of this.drained.get(release) ?? []) resolve();
    this.drained.delete(release);
    this.retireAgents();
  }
}

function upstreamKey(upstream: Upstream): string {
  return `${upstream.release}@${upstream.host ?? '127.0.0.1'}:${upstream.port}`;
}

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  // Headers named in `Connection` are hop-by-hop for this message too.
  const named = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.includes(name)) out[name] = value;
  }
  return out;
}

/** An HTTP/1.1 response written by hand, for a socket the HTTP server has handed over. */
function rawResponse(
  status: number,
  message: string,
  headers: IncomingHttpHeaders | OutgoingHttpHeaders,
  body?: string,
): string {
  const lines = [`HTTP/1.1 ${status} ${message}`];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
  }
  if (body !== undefined) lines.push(`content-length: ${Buffer.byteLength(body)}`, 'connection: close');
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

function forwardedHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const headers = withoutHopByHop(req.headers);
  const client = req.socket.remoteAddress ?? 'unknown';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
  headers['x-forwarded-host'] ??= req.headers.host ?? '';
  headers['x-forwarded-proto'] ??= 'http';
  return headers;
}

/** A seeded pseudo-random generator (mulberry32) in [0, 1): a repeatable traffic split for tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
