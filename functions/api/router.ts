/**
 * A request to the API, whatever carried it (API Gateway here; a test, another server): the
 * method, the path as sent (percent-encoded), the query, header names lower-case, the raw body.
 */
export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** A route: a method and a path template whose `{name}` segments are parameters. */
export interface RouteSpec {
  method: string;
  path: string;
}

/** The route a request matched, and its path parameters (decoded). */
export interface RouteMatch<R extends RouteSpec> {
  route: R;
  params: Record<string, string>;
}

const segments = (path: string) => path.split('/').filter(Boolean);

/**
 * The route of `routes` that `method` and `path` match, with its parameters; `undefined` when none
 * does. A parameter matches one whole, non-empty segment (`/api/runs/{id}` is not
 * `/api/runs/a/b`); a segment that is not valid percent-encoding matches nothing.
 */
export function matchRoute<R extends RouteSpec>(
  routes: readonly R[],
  method: string,
  path: string,
): RouteMatch<R> | undefined {
  const given = segments(path);
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue;
    const wanted = segments(route.path);
    if (wanted.length !== given.length) continue;
    const params: Record<string, string> = {};
    const fits = wanted.every((part, i) => {
      const parameter = /^\{(\w+)\}$/.exec(part)?.[1];
      if (!parameter) return part === given[i];
      try {
        params[parameter] = decodeURIComponent(given[i]!);
        return true;
      } catch {
        return false;
      }
    });
    if (fits) return { route, params };
  }
  return undefined;
}
