import { copyFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { findFiles, isInside } from './find-files.ts';
import type { ArtifactsSpec } from './parse-buildspec.ts';

/** No file matched the artifact globs; CodeBuild fails the build in UPLOAD_ARTIFACTS for it. */
export class NoArtifactsError extends Error {
  readonly reason = 'CLIENT_ERROR: no matching artifact paths found';
  constructor() {
    super('no matching artifact paths found');
    this.name = 'NoArtifactsError';
  }
}

/**
 * Copies the files the `artifacts` section names from the source directory into `destination`,
 * keeping their paths relative to `base-directory` (or only their names with `discard-paths`),
 * and returns the copied paths relative to `destination`. Throws `NoArtifactsError` when nothing
 * matches, as CodeBuild does.
 */
export async function copyArtifacts(
  sourceDir: string,
  spec: ArtifactsSpec,
  destination: string,
): Promise<string[]> {
  const base = resolve(sourceDir, spec.baseDirectory ?? '.');
  if (!isInside(sourceDir, base)) throw new NoArtifactsError();
  const files = await findFiles(base, spec.files, spec.excludePaths);
  if (files.length === 0) throw new NoArtifactsError();
  const copied = new Set<string>();
  await mkdir(destination, { recursive: true });
  for (const file of files) {
    const target = spec.discardPaths ? basename(file) : file;
    await mkdir(dirname(join(destination, target)), { recursive: true });
    await copyFile(join(base, file), join(destination, target));
    copied.add(target);
  }
  return [...copied].sort();
}
