import picomatch from 'picomatch';

/**
 * Globs of the pipeline file's `on:` filters (branches, tags, paths), as GitHub Actions reads them:
 * `*` stops at `/`, `**` crosses it, `?`, `[abc]`, `{a,b}` and extglobs work. Dotfiles match
 * (`**` covers `.github/workflows/ci.yml`), because a CD trigger that silently ignores them is a
 * worse surprise than one that runs.
 */
export const GLOB_OPTIONS = { dot: true } as const;

/**
 * What is wrong with a glob, or `undefined` when it is fine. `picomatch` compiles almost anything,
 * so an unbalanced bracket, brace or parenthesis is checked with `strictBrackets`, and a pattern
 * that compiles to "matches nothing" is refused too.
 */
export function globProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'a glob cannot be empty';
  if (pattern.startsWith('!')) {
    return `"${pattern}" negates with "!": list it under the matching *Ignore key instead`;
  }
  if (pattern.startsWith('./') || pattern.startsWith('/')) {
    return `"${pattern}" starts with "${pattern.startsWith('/') ? '/' : './'}": globs are relative to the repository root`;
  }
  let source: string;
  try {
    source = picomatch.makeRe(pattern, { ...GLOB_OPTIONS, strictBrackets: true }).source;
  } catch (error) {
    return `"${pattern}" is not a valid glob: ${(error as Error).message}`;
  }
  return source === '$^' ? `"${pattern}" is not a valid glob: it can match nothing` : undefined;
}

const cache = new Map<string, (input: string) => boolean>();

/** A predicate that is true when `input` matches at least one of `patterns`. Compiled once per list. */
export function globMatcher(patterns: readonly string[]): (input: string) => boolean {
  const key = JSON.stringify(patterns);
  let matcher = cache.get(key);
  if (!matcher) {
    matcher = patterns.length === 0 ? () => false : picomatch([...patterns], GLOB_OPTIONS);
    // Pipeline files are small and change rarely; the bound only guards a long-lived process.
    if (cache.size > 500) cache.clear();
    cache.set(key, matcher);
  }
  return matcher;
}
