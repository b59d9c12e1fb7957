import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { parseRunIdQuery, pickRunId, shortRunId } from '../domain/run-id.ts';
import type { RunStore } from '../ports/run-store.ts';

/** How many candidates an ambiguous id lists. */
export const MAX_CANDIDATES = 10;

/** A short run id that names more than one run; `candidates` are their full ids, newest first. */
export class AmbiguousRunIdError extends ValidationError {
  readonly candidates: readonly string[];
  constructor(text: string, candidates: readonly string[]) {
    const shown = candidates.map((id) => `${shortRunId(id)} (${id})`).join(', ');
    super(
      `run id ${text} is ambiguous: it matches ${candidates.length === MAX_CANDIDATES ? 'at least ' : ''}${candidates.length} runs: ${shown}; give more characters`,
      { candidates },
    );
    this.name = 'AmbiguousRunIdError';
    this.candidates = candidates;
  }
}

/**
 * The full id of the run a person named (whole ULID, short form, any unique tail, or `01JD…Q7ZK`).
 * Throws `ValidationError` for text that is no run id, `NotFoundError` when no run matches and
 * `AmbiguousRunIdError` (a `ValidationError`, with the candidates) when several do.
 */
export async function resolveRunId(store: Pick<RunStore, 'findRunIds'>, text: string): Promise<string> {
  const query = parseRunIdQuery(text);
  // The store matches the tail only; with the `01JD…Q7ZK` form the head filters afterwards, so
  // ask for enough tails that the filter still finds the run among them.
  const found = await store.findRunIds(query.suffix, query.prefix ? 1000 : MAX_CANDIDATES);
  const match = pickRunId(query, found);
  if (match.kind === 'found') return match.runId;
  if (match.kind === 'none') throw new NotFoundError(`run ${text} does not exist`);
  throw new AmbiguousRunIdError(text, match.candidates.slice(0, MAX_CANDIDATES));
}
