import type { SourcePush } from '../../events/source-push.ts';
import { globMatcher } from './globs.ts';
import type { PipelineConfig, PushlineFile } from './pipeline-config.ts';

/** A pipeline the push starts; `pathsUnknownReason` is set when its path filters could not be applied. */
export interface MatchedPipeline {
  pipeline: PipelineConfig;
  pathsUnknownReason?: string;
}

/** A pipeline the push does not start, and why, in words for people. */
export interface SkippedPipeline {
  pipeline: string;
  reason: string;
}

export interface PipelineMatch {
  matched: MatchedPipeline[];
  skipped: SkippedPipeline[];
}

/**
 * Which pipelines of the file a push starts. Pure. The rules are those of GitHub Actions `on.push`:
 *
 * - The pipeline's source must be the pushed repository (GitHub and GitLab names ignore case).
 * - No branch or tag filter: every branch and every tag. Only branch filters: branches only.
 *   Only tag filters: tags only. `branchesIgnore` / `tagsIgnore` exclude, and excludes win.
 * - Path filters (branch pushes only; as in GitHub, they are not evaluated for tags): with `paths`,
 *   at least one changed path must match it and not `pathsIgnore`; with only `pathsIgnore`, at
 *   least one changed path must escape it. When the push does not list its changed paths, the
 *   pipeline runs and `pathsUnknownReason` says why.
 */
export function matchPipelines(file: PushlineFile, push: SourcePush): PipelineMatch {
  const result: PipelineMatch = { matched: [], skipped: [] };
  for (const pipeline of file.pipelines) {
    const outcome = matchPipeline(pipeline, push);
    if (typeof outcome === 'string') result.skipped.push({ pipeline: pipeline.name, reason: outcome });
    else result.matched.push({ pipeline, ...outcome });
  }
  return result;
}

/** `{}` or `{ pathsUnknownReason }` when the pipeline runs, otherwise the reason it does not. */
function matchPipeline(pipeline: PipelineConfig, push: SourcePush): { pathsUnknownReason?: string } | string {
  const source = sourceProblem(pipeline, push);
  if (source) return source;
  const ref = refOf(push);
  if (!ref) return `ref ${push.ref} is neither a branch nor a tag`;
  const refs = refProblem(pipeline.on, ref);
  if (refs) return refs;
  if (ref.kind === 'tag') return {};
  return pathOutcome(pipeline.on, push);
}

const CASE_INSENSITIVE: ReadonlySet<string> = new Set(['github', 'gitlab']);

function sourceProblem(pipeline: PipelineConfig, push: SourcePush): string | undefined {
  const { github, gitlab, codecommit } = pipeline.source;
  const [provider, repo] = github
    ? ['github', github]
    : gitlab
      ? ['gitlab', gitlab]
      : ['codecommit', codecommit ?? ''];
  const same = CASE_INSENSITIVE.has(provider)
    ? repo.toLowerCase() === push.repo.toLowerCase()
    : repo === push.repo;
  if (provider === push.provider && same) return undefined;
  return `source ${provider} ${repo} is not the pushed repository ${push.provider} ${push.repo}`;
}

interface Ref {
  kind: 'branch' | 'tag';
  name: string;
}

function refOf(push: SourcePush): Ref | undefined {
  if (push.tag) return { kind: 'tag', name: push.tag };
  if (push.branch) return { kind: 'branch', name: push.branch };
  if (push.ref.startsWith('refs/heads/'))
    return { kind: 'branch', name: push.ref.slice('refs/heads/'.length) };
  if (push.ref.startsWith('refs/tags/')) return { kind: 'tag', name: push.ref.slice('refs/tags/'.length) };
  return undefined;
}

const list = (patterns: readonly string[]): string => `[${patterns.join(', ')}]`;

function refProblem(on: PipelineConfig['on'], ref: Ref): string | undefined {
  const branchFiltered = on.branches !== undefined || on.branchesIgnore !== undefined;
  const tagFiltered = on.tags !== undefined || on.tagsIgnore !== undefined;
  if (ref.kind === 'branch' && tagFiltered && !branchFiltered) {
    return `branch ${ref.name} is not a tag, and the pipeline filters tags only`;
  }
  if (ref.kind === 'tag' && branchFiltered && !tagFiltered) {
    return `tag ${ref.name} is not a branch, and the pipeline filters branches only`;
  }
  const [include, ignore, key] =
    ref.kind === 'branch' ? [on.branches, on.branchesIgnore, 'branches'] : [on.tags, on.tagsIgnore, 'tags'];
  if (include && !globMatcher(include)(ref.name)) {
    return `${ref.kind} ${ref.name} does not match ${key} ${list(include)}`;
  }
  if (ignore && globMatcher(ignore)(ref.name)) {
    return `${ref.kind} ${ref.name} is excluded by ${key}Ignore ${list(ignore)}`;
  }
  return undefined;
}

const SHOWN_PATHS = 5;

function pathOutcome(on: PipelineConfig['on'], push: SourcePush): { pathsUnknownReason?: string } | string {
  const { paths, pathsIgnore } = on;
  if (!paths && !pathsIgnore) return {};
  const changed = push.changedPaths;
  if (!changed) {
    return {
      pathsUnknownReason:
        push.pathsUnknownReason ??
        'the push does not say which paths changed, so the path filters were not applied',
    };
  }
  if (changed.length === 0) return 'the push changed no paths, and the pipeline filters paths';
  const ignored = pathsIgnore ? globMatcher(pathsIgnore) : () => false;
  const included = paths ? globMatcher(paths) : () => true;
  if (changed.some((path) => included(path) && !ignored(path))) return {};
  const shown = changed.slice(0, SHOWN_PATHS).join(', ') + (changed.length > SHOWN_PATHS ? ', …' : '');
  if (paths && !changed.some(included)) {
    return changed.length === 1
      ? `the changed path ${shown} does not match paths ${list(paths)}`
      : `none of the ${changed.length} changed paths (${shown}) matches paths ${list(paths)}`;
  }
  const ignoredBy = `pathsIgnore ${list(pathsIgnore ?? [])}`;
  return paths
    ? `every changed path that matches paths ${list(paths)} is excluded by ${ignoredBy}`
    : `every changed path (${shown}) is excluded by ${ignoredBy}`;
}
