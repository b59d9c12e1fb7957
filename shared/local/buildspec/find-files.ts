import type { Dirent } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';

const toPosix = (path: string) => path.split(sep).join('/');

/** Whether `child` is `parent` or lies below it (after resolving `..`). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The files under `root` that match the buildspec globs (`**\/*`, `target/surefire-reports/*.xml`,
 * `dist/index.js`), as sorted paths relative to `root` with `/` separators. Dot files match, as in
 * CodeBuild. Only the static base of each glob is walked, so `reports/*.xml` does not read all of
 * `node_modules`. Symbolic links to files count; links to directories are not followed (no
 * cycles). A pattern that leaves `root` (`../secret`) matches nothing.
 */
export async function findFiles(
  root: string,
  patterns: readonly string[],
  exclude: readonly string[] = [],
): Promise<string[]> {
  const include = patterns.map((p) => p.replace(/^\.\//, '')).filter((p) => p && !isAbsolute(p));
  if (include.length === 0) return [];
  const isMatch = picomatch(include, { dot: true });
  const isExcluded =
    exclude.length > 0
      ? picomatch(
          exclude.map((p) => p.replace(/^\.\//, '')),
          { dot: true },
        )
      : null;
  const found = new Set<string>();
  for (const base of walkBases(include)) {
    const start = resolve(root, base);
    if (!isInside(root, start)) continue;
    await walk(root, start, (file) => {
      if (isMatch(file) && !isExcluded?.(file)) found.add(file);
    });
  }
  return [...found].sort();
}

/** The static bases of the patterns, without ones that lie under another base. */
function walkBases(patterns: readonly string[]): string[] {
  const bases = [...new Set(patterns.map((p) => picomatch.scan(p).base))].sort((a, b) => a.length - b.length);
  return bases.filter(
    (base, i) => !bases.slice(0, i).some((other) => other === '' || base.startsWith(`${other}/`)),
  );
}

async function walk(root: string, path: string, visit: (file: string) => void): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return;
  if (info.isFile()) return visit(toPosix(relative(root, path)));
  if (info.isSymbolicLink()) {
    const target = await stat(path).catch(() => undefined);
    if (target?.isFile()) visit(toPosix(relative(root, path)));
    return;
  }
  if (!info.isDirectory()) return;
  const entries: Dirent[] = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) await walk(root, join(path, entry.name), visit);
}
