import type { SourcePush } from '../../events/source-push.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';

/**
 * Turns a ref someone names by hand — a branch, a tag, or a commit id (whole or abbreviated) of a
 * pipeline's source repository — into the push a manual run builds: the commit with its message,
 * author and date, the branch or tag it came from, a link and where to clone it from.
 * `changedPaths` is always absent: path filters do not apply to a run started by hand.
 *
 * Contract: a ref the repository does not have is a `NotFoundError` (`noSuchRef`); a ref no Git
 * repository could have is a `ValidationError` (`parseRef`), before anything is asked.
 * Implementations: `GitRefResolver` (local mode, real git), `CodeCommitRefResolver` and
 * `GitHubRefResolver` (AWS mode).
 */
export interface RefResolver {
  resolve(pipeline: PipelineConfig, ref: string, options?: ResolveOptions): Promise<SourcePush>;
}

export interface ResolveOptions {
  /** Where to look (a path or URL), when the caller knows better than the last run; local mode only. */
  repository?: string;
}

/** A ref as someone typed it: a commit id (40 hex digits), or a name that may also be an abbreviated id. */
export type ParsedRef =
  | { kind: 'commit'; sha: string }
  | {
      kind: 'name';
      /** The name without `refs/heads/` or `refs/tags/`. */
      name: string;
      /** What a fully qualified ref (`refs/heads/x`, `refs/tags/x`) restricts it to. */
      only?: 'branch' | 'tag';
      /** The name read as an abbreviated commit id (4 to 39 hex digits), when it can be one. */
      abbreviated?: string;
    };

/**
 * The ref's shape, or a `ValidationError`: the rules of `git check-ref-format` (no `..`, `@{`,
 * spaces, control characters or `~^:?*[\`; no component starting with `.` or ending in `.lock`),
 * and never a leading `-`, so that no ref can reach git as an option.
 */
export function parseRef(input: string): ParsedRef {
  const ref = input.trim();
  if (ref === '') throw new ValidationError('a ref is required: a branch, a tag or a commit id');
  if (/^[0-9a-f]{40}$/i.test(ref)) return { kind: 'commit', sha: ref.toLowerCase() };
  const problem = refProblem(ref);
  if (problem) throw new ValidationError(`"${ref}" is not a branch, tag or commit id: ${problem}`);
  const qualified = /^refs\/(heads|tags)\/(.+)$/.exec(ref);
  const name = qualified ? qualified[2]! : ref;
  const only = qualified ? (qualified[1] === 'heads' ? 'branch' : 'tag') : undefined;
  const abbreviated = !only && /^[0-9a-f]{4,39}$/i.test(name) ? name.toLowerCase() : undefined;
  return { kind: 'name', name, ...(only ? { only } : {}), ...(abbreviated ? { abbreviated } : {}) };
}

function refProblem(ref: string): string | undefined {
  if (ref.length > 255) return 'longer than 255 characters';
  if (ref.startsWith('-')) return 'it starts with "-"';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return 'spaces, control characters and ~^:?*[\\ are not allowed';
  if (ref.includes('..')) return '".." is not allowed';
  if (ref.includes('@{') || ref === '@') return '"@{" is not allowed';
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//')) return 'empty path components';
  if (ref.endsWith('.')) return 'it ends with "."';
  if (ref.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) {
    return 'a component starts with "." or ends with ".lock"';
  }
  return undefined;
}

/** The pipeline's repository as its pushes name it: the provider and `owner/repo` (or the CodeCommit name). */
export function sourceOf(pipeline: PipelineConfig): { provider: SourcePush['provider']; repo: string } {
  const { github, gitlab, codecommit } = pipeline.source;
  if (github) return { provider: 'github', repo: github };
  if (gitlab) return { provider: 'gitlab', repo: gitlab };
  return { provider: 'codecommit', repo: codecommit! };
}

/**
 * The repository of a pipeline on `provider`, or a `ValidationError` when its source is on another
 * host (a resolver of one host asked about another's pipeline).
 */
export function repositoryOn(
  pipeline: PipelineConfig,
  provider: SourcePush['provider'],
  host: string,
): string {
  const source = sourceOf(pipeline);
  if (source.provider !== provider) {
    throw new ValidationError(
      `pipeline ${pipeline.name} is not on ${host} (its source is ${source.provider} ${source.repo})`,
    );
  }
  return source.repo;
}

/** The answer to a ref the repository does not have (404). */
export function noSuchRef(ref: string, repo: string): NotFoundError {
  return new NotFoundError(`no branch, tag or commit "${ref.trim()}" in ${repo}`);
}

/**
 * The ref fields of a resolved push: `refs/heads/<branch>` or `refs/tags/<tag>` with the name, or
 * for a commit named by its id `refs/commits/<id>` (a push always names a ref; this one names the
 * commit itself, and no branch or tag).
 */
export function refFields(
  found: { branch: string } | { tag: string } | { commit: string },
): Pick<SourcePush, 'ref' | 'branch' | 'tag'> {
  if ('branch' in found) return { ref: `refs/heads/${found.branch}`, branch: found.branch };
  if ('tag' in found) return { ref: `refs/tags/${found.tag}`, tag: found.tag };
  return { ref: `refs/commits/${found.commit}` };
}
