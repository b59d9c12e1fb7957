import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server received, with its body parsed when it is JSON or a URL-encoded form. */
export interface RecordedRequest {
  method: string;
  /** The path and query, e.g. `/api/chat.postMessage`. */
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The parsed body: JSON as is, a URL-encoded form as an object of strings; `undefined` otherwise. */
  parsed: unknown;
  /** `Date.now()` when the request arrived, for asserting waits (Retry-After). */
  receivedAt: number;
}

/** What the server answers: a status, headers and a body (an object is sent as JSON). */
export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface RouteMatch {
  method?: string;
  /** A path without the query (`/api/chat.update`) or a pattern tested against it. */
  path: string | RegExp;
}

type Responder = (request: RecordedRequest) => ScriptedResponse;

interface Route {
  match: RouteMatch;
  /** One-shot answers, used up first, in order. */
  queue: ScriptedResponse[];
  responder?: Responder;
}

/**
 * A local HTTP server that records every request and answers from a script: one-shot responses
 * (`script`) are used up in order before a route's standing responder (`on`). Unmatched requests
 * get 404 so a test sees a wrong URL at once. Listens on an ephemeral port on 127.0.0.1 only.
 */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Route[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<RecordingServer> {
    let self: RecordingServer | undefined;
    const server = createServer((req, res) => {
      void self?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new RecordingServer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  /** A standing responder for a route (the latest registration for a route wins). */
  on(match: RouteMatch, responder: Responder | ScriptedResponse): this {
    const fn = typeof responder === 'function' ? responder : () => responder;
    this.routes.unshift({ match, queue: [], responder: fn });
    return this;
  }

  /** One-shot responses for a route, answered in order before any standing responder. */
  script(match: RouteMatch, ...responses: ScriptedResponse[]): this {
    this.routes.unshift({ match, queue: [...responses] });
    return this;
  }

  /** The recorded requests whose path (without query) matches. */
  requestsTo(path: string | RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => matches({ path, ...(method ? { method } : {}) }, r));
  }

  /** Forgets recorded requests and routes, keeping the port. */
  reset(): void {
    this.requests.length = 0;
    this.routes.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body,
      parsed: parseBody(req.headers['content-type'], body),
      receivedAt: Date.now(),
    };
    this.requests.push(request);
    const answer = this.answer(request);
    const isJson = answer.body !== undefined && typeof answer.body !== 'string';
    res.writeHead(answer.status, {
      ...(isJson ? { 'content-type': 'application/json' } : {}),
      ...answer.headers,
    });
    res.end(answer.body === undefined ? '' : isJson ? JSON.stringify(answer.body) : String(answer.body));
  }

  private answer(request: RecordedRequest): ScriptedResponse {
    const routes = this.routes.filter((route) => matches(route.match, request));
    // Scripted one-shot answers first (oldest script first), then the latest standing responder.
    const scripted = [...routes].reverse().find((route) => route.queue.length > 0);
    if (scripted) return scripted.queue.shift()!;
    const standing = routes.find((route) => route.responder);
    if (standing?.responder) return standing.responder(request);
    return { status: 404, body: { message: `no route for ${request.method} ${request.path}` } };
  }
}

function matches(match: RouteMatch, request: Pick<RecordedRequest, 'method' | 'path'>): boolean {
  if (match.method && match.method.toUpperCase() !== request.method) return false;
  const path = request.path.split('?')[0] ?? '';
  return typeof match.path === 'string' ? match.path === path : match.path.test(path);
}

function parseBody(contentType: string | undefined, body: string): unknown {
  if (!body) return undefined;
  if (contentType?.includes('application/json')) {
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body));
  }
  return undefined;
}
