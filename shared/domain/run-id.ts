import { ValidationError } from './errors.ts';

/**
 * Run ids are ULIDs: 26 characters of Crockford base32, the first 10 the creation time in ms, the
 * last 16 random (monotonic within one millisecond). Their short form is the **last 8 characters**:
 * 40 random bits, so two runs practically never share one, while the first 8 are shared by every
 * run started in the same second. `766747SE` in the dashboard, `pushline runs`, `show` and the
 * console. A run is found again by its whole id, by the start of its short id (`7667`) or by any
 * tail of its id (`47SE`), at least 4 characters; one that names several runs is refused.
 */
export const SHORT_RUN_ID_LENGTH = 8;

/** The fewest characters of a run id that are looked up (fewer would match most runs). */
export const MIN_RUN_ID_QUERY = 4;

export const ULID_LENGTH = 26;
const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]+$/;

/**
 * Whether `partial` names the run `runId`: the start of its short id, or a tail of the id (the whole
 * id being its own tail). The one rule every `RunStore.findRunIds` implements.
 */
export function runIdMatches(runId: string, partial: string): boolean {
  return partial.length > 0 && (shortRunId(runId).startsWith(partial) || runId.endsWith(partial));
}

/** `01JD8Z3K5W9Q2R7T766747SE` → `766747SE`; an id that is not longer is kept whole. */
export function shortRunId(runId: string): string {
  return runId.length <= SHORT_RUN_ID_LENGTH ? runId : runId.slice(-SHORT_RUN_ID_LENGTH);
}

/** What a person typed to name a run, read: a tail of the id, plus an optional head (`01JD…766747SE`). */
export interface RunIdQuery {
  /** What names the run: the start of its short id, a tail of its id, or the whole id. */
  suffix: string;
  /** The id's first characters, from the older `01JD…Q7ZK` form; matched too when present. */
  prefix?: string;
}

/**
 * Reads a run id as a person types it: any case, an optional leading `#`, the whole ULID, its short
 * form, any tail of at least 4 characters, or the `01JD…Q7ZK` form older logs show (`...` works too).
 * A `ValidationError` says what is wrong otherwise.
 */
export function parseRunIdQuery(text: string): RunIdQuery {
  const cleaned = text.trim().replace(/^#/, '').toUpperCase();
  const [head, tail, ...rest] = cleaned.split(/…|\.\.\./);
  const bad = (why: string) =>
    new ValidationError(
      `"${text}" is not a run id: ${why} (give the short id \`pushline runs\` shows, at least its first ${MIN_RUN_ID_QUERY} characters, or the whole id)`,
    );
  if (rest.length > 0) throw bad('it has more than one "…"');
  const suffix = tail ?? head ?? '';
  const prefix = tail === undefined ? undefined : head;
  for (const part of [suffix, prefix ?? '']) {
    if (part && !CROCKFORD.test(part)) {
      throw bad('a run id has only the letters and digits of Crockford base32 (no I, L, O or U)');
    }
  }
  if (suffix.length < MIN_RUN_ID_QUERY && suffix.length !== 0) throw bad(`"${suffix}" is too short`);
  if (suffix.length === 0) throw bad('it is empty');
  if (suffix.length + (prefix?.length ?? 0) > ULID_LENGTH)
    throw bad(`it is longer than ${ULID_LENGTH} characters`);
  return prefix ? { suffix, prefix } : { suffix };
}

/** The outcome of looking a run id up: one run, none, or several (the candidates, newest first). */
export type RunIdMatch =
  | { kind: 'found'; runId: string }
  | { kind: 'none' }
  | { kind: 'ambiguous'; candidates: string[] };

/** Decides among the ids a store found for `query.suffix` (the head of the `01JD…Q7ZK` form narrows them here). */
export function pickRunId(query: RunIdQuery, found: readonly string[]): RunIdMatch {
  const candidates = query.prefix
    ? found.filter((id) => id.startsWith(query.prefix!) && id.endsWith(query.suffix))
    : [...found];
  const exact = candidates.find((id) => id === query.suffix);
  if (exact) return { kind: 'found', runId: exact };
  if (candidates.length === 0) return { kind: 'none' };
  if (candidates.length === 1) return { kind: 'found', runId: candidates[0]! };
  return { kind: 'ambiguous', candidates };
}
