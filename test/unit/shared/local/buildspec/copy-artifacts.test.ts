import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { copyArtifacts, NoArtifactsError } from '../../../../../shared/local/buildspec/copy-artifacts.ts';
import { makeTree } from './tree-fixture.ts';

describe('copyArtifacts', () => {
  let tree: Awaited<ReturnType<typeof makeTree>>;
  const spec = { files: [] as string[], discardPaths: false, excludePaths: [] as string[] };

  beforeEach(async () => {
    tree = await makeTree({
      'src/build/server.js': 'server',
      'src/build/lib/db.js': 'db',
      'src/build/lib/db.js.map': 'map',
      'src/package.json': '{"name":"shop"}',
    });
  });
  afterEach(() => tree.cleanup());

  it('copies the matching files under base-directory, keeping their paths', async () => {
    // Prepare
    const destination = join(tree.root, 'artifacts');

    // Act
    const files = await copyArtifacts(
      join(tree.root, 'src'),
      { ...spec, files: ['**/*'], baseDirectory: 'build', excludePaths: ['**/*.map'] },
      destination,
    );

    // Assess
    expect(files).toEqual(['lib/db.js', 'server.js']);
    expect(await readFile(join(destination, 'lib/db.js'), 'utf8')).toBe('db');
  });

  it('flattens the paths with discard-paths', async () => {
    const destination = join(tree.root, 'artifacts');

    const files = await copyArtifacts(
      join(tree.root, 'src'),
      { ...spec, files: ['build/**/*.js', 'package.json'], discardPaths: true },
      destination,
    );

    expect(files).toEqual(['db.js', 'package.json', 'server.js']);
    expect(await readFile(join(destination, 'server.js'), 'utf8')).toBe('server');
  });

  it('fails as CodeBuild does when nothing matches', async () => {
    const copying = copyArtifacts(
      join(tree.root, 'src'),
      { ...spec, files: ['dist/**/*'] },
      join(tree.root, 'artifacts'),
    );

    await expect(copying).rejects.toThrow(NoArtifactsError);
    await expect(copying).rejects.toMatchObject({ reason: 'CLIENT_ERROR: no matching artifact paths found' });
  });

  it('refuses a base-directory outside the source', async () => {
    await expect(
      copyArtifacts(
        join(tree.root, 'src'),
        { ...spec, files: ['**/*'], baseDirectory: '../..' },
        join(tree.root, 'artifacts'),
      ),
    ).rejects.toThrow(NoArtifactsError);
  });
});
