import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { findFiles, isInside } from '../../../../../shared/local/buildspec/find-files.ts';
import { makeTree } from './tree-fixture.ts';

describe('findFiles', () => {
  let tree: Awaited<ReturnType<typeof makeTree>>;

  beforeAll(async () => {
    tree = await makeTree({
      'dist/index.js': 'x',
      'dist/assets/app.css': 'x',
      'dist/.well-known/security.txt': 'x',
      'reports/junit.xml': 'x',
      'reports/unit/cart.xml': 'x',
      'node_modules/left-pad/index.js': 'x',
      'package.json': '{}',
      'linked.json': '->package.json',
      'dist-link': '->dist',
    });
  });
  afterAll(() => tree.cleanup());

  it('matches globs relative to the root, dot files included, sorted', async () => {
    expect(await findFiles(tree.root, ['dist/**/*'])).toEqual([
      'dist/.well-known/security.txt',
      'dist/assets/app.css',
      'dist/index.js',
    ]);
  });

  it('matches a plain path, a ./ prefix and several patterns without duplicates', async () => {
    expect(await findFiles(tree.root, ['./package.json', 'reports/*.xml', 'reports/**/*.xml'])).toEqual([
      'package.json',
      'reports/junit.xml',
      'reports/unit/cart.xml',
    ]);
  });

  it('leaves out excluded paths', async () => {
    const files = await findFiles(tree.root, ['**/*'], ['node_modules/**', '**/*.css']);

    expect(files).not.toContain('node_modules/left-pad/index.js');
    expect(files).not.toContain('dist/assets/app.css');
    expect(files).toContain('dist/index.js');
  });

  it('counts a link to a file and does not follow a link to a directory', async () => {
    const files = await findFiles(tree.root, ['**/*']);

    expect(files).toContain('linked.json');
    expect(files.some((f) => f.startsWith('dist-link/'))).toBe(false);
  });

  it('matches nothing outside the root, nor a missing directory', async () => {
    expect(await findFiles(`${tree.root}/dist`, ['../package.json', '/etc/passwd'])).toEqual([]);
    expect(await findFiles(tree.root, ['coverage/**/*'])).toEqual([]);
  });
});

describe('isInside', () => {
  it.each([
    ['/a/b', '/a/b', true],
    ['/a/b', '/a/b/c/d', true],
    ['/a/b', '/a/b/../c', false],
    ['/a/b', '/a/bc', false],
  ])('%p contains %p: %p', (parent, child, inside) => {
    expect(isInside(parent, child)).toBe(inside);
  });
});
