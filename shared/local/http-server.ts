import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { PayloadTooLargeError, ValidationError } from '../domain/errors.ts';
import { errorResponse } from '../http/error-response.ts';
import { DEFAULT_MAX_BODY_BYTES, normaliseHeaders, type WebhookHandler } from '../http/webhook.ts';
import { type BusLogger, silentBusLogger } from './local-bus.ts';

/** What a route sees of a request. `body` is read (within the size limit) only for routes that ask. */
export interface RouteRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The `:name` segments of the route's path, decoded. */
  params: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** A route's answer: JSON, or text (a string or a stream) with its content type. */
export type RouteResult =
  | { statusCode: number; json: unknown; headers?: Record<string, string> }
  | { statusCode: number; text: string | Readable; contentType: string; headers?: Record<string, string> };

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `/api/runs/:id/logs/build`: literal segments and `:name` parameters. */
  path: string;
  readBody?: boolean;
  /** This route's body limit, over the server's (a push webhook's is larger than the API's). */
  maxBodyBytes?: number;
  handle(request: RouteRequest): Promise<RouteResult> | RouteResult;
}

export interface HttpServerOptions {
  routes?: readonly Route[];
  /** Bodies above this get 413 before the rest is read. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * How long a client may take to send its headers, and its whole request (default 10 s and 30 s;
   * Node's own are 60 s and 5 min): a slow client (slowloris) is cut off, the others are served.
   */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  logger?: BusLogger;
}

const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The local HTTP server (node:http, no framework): a tiny router over `Route`s, JSON errors
 * (404 for an unknown path, 405 with `Allow` for a known path and another method), request bodies
 * read under a size limit (413 without buffering the rest), and Pushline's errors mapped to status
 * codes in one place (`errorResponse`). Bad input never gets a 5xx; only a bug does.
 */
export class LocalHttpServer {
  readonly server: Server;
  private readonly routes: Route[];
  private readonly maxBodyBytes: number;
  private readonly logger: BusLogger;

  constructor(options: HttpServerOptions = {}) {
    this.routes = [...(options.routes ?? [])];
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.logger = options.logger ?? silentBusLogger;
    const headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
    this.server = createServer(
      {
        headersTimeout,
        requestTimeout: Math.max(options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, headersTimeout),
        // Timeouts are checked this often (Node's default, 30 s, would let a slow client stay 40 s).
        connectionsCheckingInterval: Math.min(1000, headersTimeout),
      },
      (req, res) => {
        this.serve(req, res).catch((error) => this.fail(res, error));
      },
    );
  }

  /** The routes mounted now (method and path), for a caller that lists or exercises them. */
  get mounted(): readonly Pick<Route, 'method' | 'path'>[] {
    return this.routes.map(({ method, path }) => ({ method, path }));
  }

  /** Adds a route (routes may be added after `listen`: the dashboard, a builder's callback). */
  route(route: Route): this {
    this.routes.push(route);
    return this;
  }

  /** Mounts a framework-neutral webhook receiver as `POST path` (with its own body limit, if given). */
  webhook(path: string, handler: WebhookHandler, options: { maxBodyBytes?: number } = {}): this {
    return this.route({
      method: 'POST',
      path,
      readBody: true,
      ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
      handle: async (request) => {
        const response = await handler({ headers: request.headers, body: request.body });
        return { statusCode: response.statusCode, json: response.body };
      },
    });
  }

  /** Listens on `port` (0: any free port) and resolves with the address. */
  async listen(port: number, host = '127.0.0.1'): Promise<{ port: number; url: string }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return { port: address.port, url: `http://${shown}:${address.port}` };
  }

  /**
   * Stops accepting connections, closes idle keep-alives and lets requests in progress finish —
   * for up to `graceMs`, after which their connections are cut (a client following a log, say).
   */
  async close({ graceMs = 5000 }: { graceMs?: number } = {}): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const cut = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(cut);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = parseRequestUrl(req.url);
    let result: RouteResult;
    try {
      if (!url) throw new ValidationError(`"${req.url}" is not a request target this server understands`);
      result = await this.dispatch(req, url);
    } catch (error) {
      const response = errorResponse(error);
      if (response.statusCode >= 500) {
        this.logger.error('request failed', { path: url?.pathname, error: String(error) });
      }
      result = { statusCode: response.statusCode, json: response.body };
      if (error instanceof PayloadTooLargeError) this.discardRest(req, res);
      else req.resume();
    }
    this.send(res, result, req.method === 'HEAD');
    this.logger.debug('request', {
      method: req.method,
      path: url?.pathname,
      status: result.statusCode,
      ms: Date.now() - started,
    });
  }

  private async dispatch(req: IncomingMessage, url: URL): Promise<RouteResult> {
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const candidates = this.routes
      .map((route) => ({ route, params: matchPath(route.path, url.pathname) }))
      .filter((c): c is { route: Route; params: Record<string, string> } => c.params !== undefined);
    const found = candidates.find((c) => c.route.method === method);
    if (!found) {
      req.resume();
      if (candidates.length === 0)
        return { statusCode: 404, json: { error: `no such resource: ${url.pathname}` } };
      return {
        statusCode: 405,
        json: { error: `${req.method} is not allowed on ${url.pathname}` },
        headers: { allow: [...new Set(candidates.map((c) => c.route.method))].join(', ') },
      };
    }
    const params: Record<string, string> = {};
    for (const [name, raw] of Object.entries(found.params)) {
      try {
        params[name] = decodeURIComponent(raw);
      } catch {
        throw new ValidationError(`path segment "${raw}" is not valid percent-encoding`);
      }
    }
    const body = found.route.readBody
      ? await this.readBody(req, found.route.maxBodyBytes ?? this.maxBodyBytes)
      : Buffer.alloc(0);
    if (!found.route.readBody) req.resume();
    return found.route.handle({
      method,
      path: url.pathname,
      query: url.searchParams,
      params,
      headers: normaliseHeaders(req.headers),
      body,
    });
  }

  /**
   * The body, or `PayloadTooLargeError` as soon as it is known to be too large. Listens for
   * `data` rather than iterating, because leaving an iteration early would destroy the socket
   * before the 413 is sent.
   */
  private readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      return Promise.reject(new PayloadTooLargeError(`body is ${declared} bytes; the limit is ${limit}`));
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const stop = () => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onError);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size <= limit) {
          chunks.push(chunk);
          return;
        }
        stop();
        reject(new PayloadTooLargeError(`body is over the limit of ${limit} bytes`));
      };
      const onEnd = () => {
        stop();
        resolve(Buffer.concat(chunks));
      };
      const onError = (error: Error) => {
        stop();
        reject(new ValidationError(`the request body could not be read: ${error.message}`));
      };
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onError);
    });
  }

  /**
   * After a 413: read and drop the rest (so the sender sees the answer, not a reset), close the
   * connection after the answer, and cut it off if the sender keeps going for long.
   */
  private discardRest(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('connection', 'close');
    req.resume();
    const cutOff = setTimeout(() => req.socket.destroy(), 5000);
    cutOff.unref();
    req.once('end', () => clearTimeout(cutOff));
  }

  private send(res: ServerResponse, result: RouteResult, headOnly: boolean): void {
    if (res.headersSent) return;
    res.statusCode = result.statusCode;
    for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
    if (!res.hasHeader('cache-control')) res.setHeader('cache-control', 'no-store');
    if ('json' in result) {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(headOnly ? undefined : JSON.stringify(result.json));
      return;
    }
    res.setHeader('content-type', result.contentType);
    if (typeof result.text === 'string') {
      res.end(headOnly ? undefined : result.text);
      return;
    }
    if (headOnly) {
      result.text.destroy();
      res.end();
      return;
    }
    // `pipeline` closes the file when the client goes away mid-download (`pipe` would leak it).
    pipeline(result.text, res, () => {});
  }

  private fail(res: ServerResponse, error: unknown): void {
    this.logger.error('request failed', { error: String(error) });
    if (!res.headersSent) this.send(res, { statusCode: 500, json: { error: 'internal error' } }, false);
    else res.destroy();
  }
}

/** The raw (still percent-encoded) parameters when `pattern` matches `pathname`, else `undefined`. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | undefined {
  const clean = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const want = pattern.split('/');
  const got = clean.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i]!;
    const actual = got[i]!;
    if (segment.startsWith(':')) {
      if (actual === '') return undefined;
      params[segment.slice(1)] = actual;
    } else if (segment !== actual) return undefined;
  }
  return params;
}

/** The request target as a URL; `//x` stays a path (not a host), an unparsable target is `undefined`. */
function parseRequestUrl(target: string | undefined): URL | undefined {
  try {
    return target?.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target ?? '/');
  } catch {
    return undefined;
  }
}
