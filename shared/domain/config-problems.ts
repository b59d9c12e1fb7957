import type * as z from 'zod';
import type { ConfigProblem } from './errors.ts';

/**
 * Turns zod issues of the pipeline file into problems people can act on: a printable path
 * (`pipelines[0].production.canary.interval`), a plain message, and for an unknown key the key
 * that was probably meant. Line numbers are added by the caller, which knows the YAML.
 */

/** `['pipelines', 0, 'on', 'branches']` → `pipelines[0].on.branches`; the root is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : `${text ? '.' : ''}${String(segment)}`;
  }
  return text || '(root)';
}

export interface LocatedProblem extends ConfigProblem {
  /** The path as segments, to find the YAML node it points at. */
  segments: (string | number)[];
}

/** One problem per issue, and one per key of an unknown-keys issue. */
export function problemsOf(issue: z.core.$ZodIssue, schema: z.ZodType): LocatedProblem[] {
  const segments = issue.path.map((s) => (typeof s === 'number' ? s : String(s)));
  if (issue.code === 'unrecognized_keys') {
    const known = objectKeysAt(schema, segments);
    return issue.keys.map((key) => {
      const guess = suggest(key, known);
      const message = guess
        ? `unknown key (did you mean ${guess}?)`
        : `unknown key${known.length ? `; expected one of ${known.join(', ')}` : ''}`;
      return { path: formatPath([...segments, key]), segments: [...segments, key], message };
    });
  }
  return [{ path: formatPath(segments), segments, message: messageOf(issue) }];
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  if (issue.code === 'invalid_type') return `expected ${issue.expected}, got ${describe(issue.input)}`;
  if (issue.code === 'invalid_value') {
    const values = issue.values.map((v) => JSON.stringify(v));
    return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(', ')}`;
  }
  return issue.message.replace(/^Invalid input: /, '');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

type Def = { type: string; shape?: Record<string, z.ZodType>; [key: string]: unknown };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/** The keys the object schema at `path` allows (through defaults, optionals, pipes, arrays and records). */
function objectKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let current: unknown = unwrap(schema);
  for (const segment of path) {
    const def = defOf(current);
    if (def.type === 'object' && typeof segment === 'string') current = def.shape?.[segment];
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else return [];
    if (!current) return [];
    current = unwrap(current);
  }
  const def = defOf(current);
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe') current = def.in;
    else return current;
  }
}

/** The known key a misspelt one most likely meant: same letters up to case and dashes, or close by edits. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const same = known.find((k) => plain(k) === plain(key));
  if (same) return same;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(plain(key), plain(candidate));
    if (distance <= Math.max(1, Math.floor(candidate.length / 4)) && (!best || distance < best.distance)) {
      best = { key: candidate, distance };
    }
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]!;
}
