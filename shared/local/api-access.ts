import { ForbiddenError, ValidationError } from '../domain/errors.ts';
import { authenticate } from '../http/operation-requests.ts';
import type { RouteRequest } from './http-server.ts';

/**
 * Who may act on the local API. `loopback`: anyone who reaches the server (it listens on this
 * machine only). `token`: a request must carry `Authorization: Bearer <PUSHLINE_TOKEN>`.
 * `closed`: the server listens beyond this machine and has no token — every action is refused.
 */
export type ApiAccess = { kind: 'loopback' } | { kind: 'token'; token: string } | { kind: 'closed' };

export interface ApiAccessDeps {
  access: ApiAccess;
  /** Who acts when the request does not say (`by`): the user running the server. */
  defaultActor: string;
}

/**
 * The one check of every local action (run actions, pipeline actions, manual runs), before the
 * body is read:
 *
 * - not from another site, and sent as JSON: on loopback any web page open in the browser could
 *   otherwise act, with a form or a `text/plain` fetch that needs no preflight (a cross-site JSON
 *   request needs a CORS preflight, which this server never grants);
 * - loopback, or the server's `PUSHLINE_TOKEN`; refused outright when the server listens beyond
 *   this machine without a token.
 *
 * Answers who acts: the body's `by` when it names someone, else the user running the server.
 */
export function actingAs(
  request: RouteRequest,
  { access, defaultActor }: ApiAccessDeps,
): (by?: string) => string {
  const site = request.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') {
    throw new ForbiddenError(`actions are not taken from another site (Sec-Fetch-Site: ${site})`);
  }
  if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
    throw new ValidationError('an action is sent as JSON: Content-Type: application/json');
  }
  if (access.kind === 'closed') {
    throw new ForbiddenError(
      'this server listens beyond this machine and has no PUSHLINE_TOKEN: set one to act through it',
    );
  }
  if (access.kind === 'token')
    authenticate(request.headers.authorization, [{ name: 'local', token: access.token }]);
  return (by) => by ?? defaultActor;
}
