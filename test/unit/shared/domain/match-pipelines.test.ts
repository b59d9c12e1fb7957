import { describe, expect, it } from '@jest/globals';
import type { SourcePush } from '../../../../events/source-push.ts';
import { matchPipelines } from '../../../../shared/domain/match-pipelines.ts';
import { PushlineFile } from '../../../../shared/domain/pipeline-config.ts';

/** A push to acme/web's main, as the GitHub normaliser gives it. */
function push(overrides: Partial<SourcePush> = {}): SourcePush {
  return {
    provider: 'github',
    repo: 'acme/web',
    ref: 'refs/heads/main',
    branch: 'main',
    commit: '7c3f9a1e5b2d4c8f0a6e9b1d3f5a7c9e2b4d6f80',
    message: 'Add retry budget to the checkout client',
    author: 'Priya Natarajan',
    pushedAt: '2025-03-14T09:26:51Z',
    changedPaths: ['src/checkout/client.ts', 'README.md'],
    ...overrides,
  };
}

const branchPush = (branch: string, changedPaths?: string[]) =>
  push({ ref: `refs/heads/${branch}`, branch, ...(changedPaths ? { changedPaths } : {}) });
const tagPush = (tag: string) =>
  push({ ref: `refs/tags/${tag}`, branch: undefined, tag, changedPaths: undefined });

/** A file of one pipeline on acme/web with the given `on:` filters (defaults applied by the schema). */
function fileWith(on: Record<string, unknown>, source: Record<string, string> = { github: 'acme/web' }) {
  return PushlineFile.parse({ pipelines: [{ name: 'web', source, on }] });
}

function outcome(file: PushlineFile, p: SourcePush): string {
  const { matched, skipped } = matchPipelines(file, p);
  return matched.length ? 'runs' : skipped[0]!.reason;
}

describe('matchPipelines', () => {
  describe('source', () => {
    it('matches a GitHub owner/repo whatever its case', () => {
      // Act
      const { matched } = matchPipelines(fileWith({}, { github: 'Acme/Web' }), push());

      // Assess
      expect(matched.map((m) => m.pipeline.name)).toEqual(['web']);
    });

    it('skips a pipeline of another repository, with the reason', () => {
      // Act
      const result = matchPipelines(fileWith({}, { github: 'acme/api' }), push());

      // Assess
      expect(result).toEqual({
        matched: [],
        skipped: [
          { pipeline: 'web', reason: 'source github acme/api is not the pushed repository github acme/web' },
        ],
      });
    });

    it('skips a pipeline of another provider with the same repository name', () => {
      // Act / Assess
      expect(outcome(fileWith({}, { gitlab: 'acme/web' }), push())).toBe(
        'source gitlab acme/web is not the pushed repository github acme/web',
      );
    });

    it('matches a CodeCommit repository by its exact name', () => {
      // Prepare
      const file = fileWith({}, { codecommit: 'payments-api' });
      const cc = (repo: string) => push({ provider: 'codecommit', repo });

      // Act / Assess
      expect(outcome(file, cc('payments-api'))).toBe('runs');
      expect(outcome(file, cc('Payments-API'))).toBe(
        'source codecommit payments-api is not the pushed repository codecommit Payments-API',
      );
    });
  });

  describe('branches and tags', () => {
    it('runs on every branch and every tag when there is no branch or tag filter', () => {
      // Prepare
      const file = fileWith({});

      // Act / Assess
      expect(outcome(file, branchPush('feature/x'))).toBe('runs');
      expect(outcome(file, tagPush('v1.2.0'))).toBe('runs');
    });

    it('runs on matching branches only, and on no tag, when only branches are filtered', () => {
      // Prepare
      const file = fileWith({ branches: ['main', 'release/*'] });

      // Act / Assess
      expect(outcome(file, branchPush('main'))).toBe('runs');
      expect(outcome(file, branchPush('release/2025-03'))).toBe('runs');
      expect(outcome(file, branchPush('feature/x'))).toBe(
        'branch feature/x does not match branches [main, release/*]',
      );
      expect(outcome(file, tagPush('v1.2.0'))).toBe(
        'tag v1.2.0 is not a branch, and the pipeline filters branches only',
      );
    });

    it('lets * stop at a slash and ** cross it', () => {
      // Prepare
      const one = fileWith({ branches: 'release/*' });
      const deep = fileWith({ branches: 'release/**' });

      // Act / Assess
      expect(outcome(one, branchPush('release/2025/03'))).toBe(
        'branch release/2025/03 does not match branches [release/*]',
      );
      expect(outcome(deep, branchPush('release/2025/03'))).toBe('runs');
    });

    it('runs on every branch but the ignored ones with only branchesIgnore, and on no tag', () => {
      // Prepare
      const file = fileWith({ branchesIgnore: ['wip/**', 'dependabot/**'] });

      // Act / Assess
      expect(outcome(file, branchPush('feature/x'))).toBe('runs');
      expect(outcome(file, branchPush('dependabot/npm/zod-4.1'))).toBe(
        'branch dependabot/npm/zod-4.1 is excluded by branchesIgnore [wip/**, dependabot/**]',
      );
      expect(outcome(file, tagPush('v2'))).toBe(
        'tag v2 is not a branch, and the pipeline filters branches only',
      );
    });

    it('lets branchesIgnore win over branches', () => {
      // Prepare
      const file = fileWith({ branches: ['release/**'], branchesIgnore: ['release/**-rc'] });

      // Act / Assess
      expect(outcome(file, branchPush('release/1.4'))).toBe('runs');
      expect(outcome(file, branchPush('release/1.4-rc'))).toBe(
        'branch release/1.4-rc is excluded by branchesIgnore [release/**-rc]',
      );
    });

    it('runs on matching tags only, and on no branch, when only tags are filtered', () => {
      // Prepare
      const file = fileWith({ tags: ['v*.*.*'], tagsIgnore: ['v*-beta*'] });

      // Act / Assess
      expect(outcome(file, tagPush('v1.2.0'))).toBe('runs');
      expect(outcome(file, tagPush('v1.3.0-beta.1'))).toBe(
        'tag v1.3.0-beta.1 is excluded by tagsIgnore [v*-beta*]',
      );
      expect(outcome(file, tagPush('nightly'))).toBe('tag nightly does not match tags [v*.*.*]');
      expect(outcome(file, branchPush('main'))).toBe(
        'branch main is not a tag, and the pipeline filters tags only',
      );
    });

    it('filters branches and tags each by their own filters when both are given', () => {
      // Prepare
      const file = fileWith({ branches: 'main', tags: 'v*' });

      // Act / Assess
      expect(outcome(file, branchPush('main'))).toBe('runs');
      expect(outcome(file, tagPush('v3.0.0'))).toBe('runs');
      expect(outcome(file, branchPush('develop'))).toBe('branch develop does not match branches [main]');
    });

    it('reads the branch or tag from the ref when the push does not name it', () => {
      // Prepare
      const file = fileWith({ branches: 'main' });

      // Act / Assess
      expect(outcome(file, push({ branch: undefined, ref: 'refs/heads/main' }))).toBe('runs');
      expect(outcome(file, push({ branch: undefined, ref: 'refs/tags/v1' }))).toBe(
        'tag v1 is not a branch, and the pipeline filters branches only',
      );
    });

    it('skips a ref that is neither a branch nor a tag', () => {
      // Act / Assess
      expect(outcome(fileWith({}), push({ branch: undefined, ref: 'refs/notes/commits' }))).toBe(
        'ref refs/notes/commits is neither a branch nor a tag',
      );
    });
  });

  describe('paths', () => {
    it('runs when at least one changed path matches paths', () => {
      // Act / Assess
      expect(outcome(fileWith({ paths: ['src/**'] }), branchPush('main', ['README.md', 'src/app.ts']))).toBe(
        'runs',
      );
    });

    it('skips when no changed path matches paths, naming the paths', () => {
      // Prepare
      const file = fileWith({ paths: ['src/**', 'package.json'] });

      // Act / Assess
      expect(outcome(file, branchPush('main', ['README.md', 'docs/setup.md']))).toBe(
        'none of the 2 changed paths (README.md, docs/setup.md) matches paths [src/**, package.json]',
      );
      expect(outcome(file, branchPush('main', ['README.md']))).toBe(
        'the changed path README.md does not match paths [src/**, package.json]',
      );
    });

    it('shortens a long list of changed paths in the reason', () => {
      // Prepare
      const changed = Array.from({ length: 8 }, (_, i) => `docs/page-${i}.md`);

      // Act
      const reason = outcome(fileWith({ paths: 'src/**' }), branchPush('main', changed));

      // Assess
      expect(reason).toBe(
        'none of the 8 changed paths (docs/page-0.md, docs/page-1.md, docs/page-2.md, docs/page-3.md, docs/page-4.md, …) matches paths [src/**]',
      );
    });

    it('does not count a path that matches paths but is excluded by pathsIgnore', () => {
      // Prepare
      const file = fileWith({ paths: ['src/**'], pathsIgnore: ['**/*.md'] });

      // Act / Assess
      expect(outcome(file, branchPush('main', ['src/README.md']))).toBe(
        'every changed path that matches paths [src/**] is excluded by pathsIgnore [**/*.md]',
      );
      expect(outcome(file, branchPush('main', ['src/README.md', 'src/app.ts']))).toBe('runs');
    });

    it('runs with only pathsIgnore when at least one changed path is not ignored', () => {
      // Prepare
      const file = fileWith({ pathsIgnore: ['docs/**', '**/*.md'] });

      // Act / Assess
      expect(outcome(file, branchPush('main', ['docs/a.md', 'src/b.ts']))).toBe('runs');
      expect(outcome(file, branchPush('main', ['docs/a.md', 'CHANGELOG.md']))).toBe(
        'every changed path (docs/a.md, CHANGELOG.md) is excluded by pathsIgnore [docs/**, **/*.md]',
      );
    });

    it('matches dotfiles: ** covers .github/', () => {
      // Act / Assess
      expect(outcome(fileWith({ paths: '**/*.yml' }), branchPush('main', ['.github/workflows/ci.yml']))).toBe(
        'runs',
      );
    });

    it('skips a push that changed no path when paths are filtered', () => {
      // Act / Assess
      expect(outcome(fileWith({ paths: 'src/**' }), branchPush('main', []))).toBe(
        'the push changed no paths, and the pipeline filters paths',
      );
    });

    it('runs when the changed paths are unknown, and says why', () => {
      // Prepare
      const file = fileWith({ paths: ['src/**'] });
      const newBranch = push({
        changedPaths: undefined,
        pathsUnknownReason: 'a new branch: GitHub lists no commits to compare',
      });

      // Act
      const { matched } = matchPipelines(file, newBranch);

      // Assess
      expect(matched).toHaveLength(1);
      expect(matched[0]!.pathsUnknownReason).toBe('a new branch: GitHub lists no commits to compare');
    });

    it('gives its own reason when the push does not say why its paths are unknown', () => {
      // Act
      const { matched } = matchPipelines(
        fileWith({ pathsIgnore: 'docs/**' }),
        push({ changedPaths: undefined }),
      );

      // Assess
      expect(matched[0]!.pathsUnknownReason).toBe(
        'the push does not say which paths changed, so the path filters were not applied',
      );
    });

    it('needs no paths reason when the pipeline has no path filter', () => {
      // Act
      const { matched } = matchPipelines(fileWith({}), push({ changedPaths: undefined }));

      // Assess
      expect(matched).toEqual([{ pipeline: expect.objectContaining({ name: 'web' }) }]);
    });

    it('does not evaluate path filters for a tag push, as GitHub Actions does', () => {
      // Act / Assess
      expect(outcome(fileWith({ tags: 'v*', paths: 'src/**' }), tagPush('v1.0.0'))).toBe('runs');
    });
  });

  it('sorts every pipeline of the file into matched or skipped, in file order', () => {
    // Prepare
    const file = PushlineFile.parse({
      pipelines: [
        { name: 'web', source: { github: 'acme/web' }, on: { branches: 'main' } },
        { name: 'web-docs', source: { github: 'acme/web' }, on: { paths: 'docs/**' } },
        { name: 'web-preview', source: { github: 'acme/web' }, on: { branchesIgnore: 'main' } },
        { name: 'api', source: { github: 'acme/api' } },
        { name: 'web-all', source: { github: 'ACME/web' } },
      ],
    });

    // Act
    const { matched, skipped } = matchPipelines(file, push());

    // Assess
    expect(matched.map((m) => m.pipeline.name)).toEqual(['web', 'web-all']);
    expect(skipped).toEqual([
      {
        pipeline: 'web-docs',
        reason: 'none of the 2 changed paths (src/checkout/client.ts, README.md) matches paths [docs/**]',
      },
      { pipeline: 'web-preview', reason: 'branch main is excluded by branchesIgnore [main]' },
      { pipeline: 'api', reason: 'source github acme/api is not the pushed repository github acme/web' },
    ]);
  });
});
