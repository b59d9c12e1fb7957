import fc from 'fast-check';

/** Header maps as a hostile client might send them: odd names, huge values, wrong content types. */
export const headersArbitrary: fc.Arbitrary<Record<string, string | undefined>> = fc
  .tuple(
    fc.dictionary(
      fc.string({ minLength: 1, maxLength: 40 }).map((name) => name.toLowerCase()),
      fc.oneof(fc.string({ maxLength: 200 }), fc.constant(undefined)),
      { maxKeys: 8 },
    ),
    fc.constantFrom(
      undefined,
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain; charset=latin1',
      'multipart/form-data; boundary=x',
      '',
    ),
    fc.option(fc.constantFrom('x'.repeat(64 * 1024), 'sha256=', `sha256=${'a'.repeat(64)}`, '\u0000\u00ff')),
  )
  .map(([headers, contentType, huge]) => ({
    ...headers,
    ...(contentType === undefined ? {} : { 'content-type': contentType }),
    ...(huge === null ? {} : { 'x-hub-signature-256': huge, 'x-gitlab-token': huge, 'x-huge': huge }),
  }));

type Json = unknown;

/** A real payload with one field somewhere deleted or replaced by a random JSON value. */
export function mutatedPayload(payloads: readonly Record<string, unknown>[]): fc.Arbitrary<Json> {
  return fc
    .tuple(fc.constantFrom(...payloads), fc.nat(), fc.jsonValue({ maxDepth: 2 }), fc.boolean())
    .map(([original, pick, replacement, remove]) => {
      const payload = structuredClone(original) as Record<string, Json>;
      const paths = leafPaths(payload);
      const path = paths[pick % paths.length]!;
      const parent = path
        .slice(0, -1)
        .reduce<Record<string | number, Json>>(
          (node, key) => node[key] as Record<string | number, Json>,
          payload,
        );
      const key = path.at(-1)!;
      if (remove) delete parent[key];
      else parent[key] = replacement;
      return payload;
    });
}

function leafPaths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return prefix.length ? [prefix] : [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  const nested = entries.flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
  return prefix.length ? [prefix, ...nested] : nested;
}
