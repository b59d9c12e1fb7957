import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SourcePush } from '../../../events/source-push.ts';
import { checkoutCommit } from '../git-checkout.ts';
import { isInside } from './find-files.ts';
import { type Buildspec, BuildspecError, parseBuildspec } from './parse-buildspec.ts';

/** The DOWNLOAD_SOURCE phase failed; `reason` reads like CodeBuild's phase context. */
export class SourceError extends Error {
  constructor(
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(reason, options);
    this.name = 'SourceError';
  }
}

export interface PreparedSource {
  buildspec: Buildspec;
  buildspecPath: string;
  commit: string;
}

/**
 * DOWNLOAD_SOURCE: checks the pushed commit out into `sourceDir` and reads its buildspec.
 * Throws `SourceError` with `CLIENT_ERROR: …` (the commit cannot be fetched) or
 * `YAML_FILE_ERROR: …` (no buildspec, or one CodeBuild would refuse).
 */
export async function prepareSource(options: {
  source: SourcePush;
  sourceDir: string;
  buildspec: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  depth: number;
}): Promise<PreparedSource> {
  const { source, sourceDir, signal } = options;
  if (!source.cloneUrl)
    throw new SourceError('CLIENT_ERROR: the push does not say where to clone from (no cloneUrl)');
  let commit: string;
  try {
    commit = await checkoutCommit({
      cloneUrl: source.cloneUrl,
      commit: source.commit,
      directory: sourceDir,
      env: options.env,
      signal,
      depth: options.depth,
    });
  } catch (error) {
    throw new SourceError(`CLIENT_ERROR: ${(error as Error).message}`, { cause: error });
  }
  const buildspecPath = resolve(sourceDir, options.buildspec);
  if (!isInside(sourceDir, buildspecPath)) {
    throw new SourceError(`YAML_FILE_ERROR: ${options.buildspec} is outside the source directory`);
  }
  let text: string;
  try {
    text = await readFile(buildspecPath, 'utf8');
  } catch (error) {
    throw new SourceError(`YAML_FILE_ERROR: stat ${buildspecPath}: no such file or directory`, {
      cause: error,
    });
  }
  try {
    return { buildspec: parseBuildspec(text), buildspecPath, commit };
  } catch (error) {
    if (error instanceof BuildspecError) throw new SourceError(error.reason, { cause: error });
    throw error;
  }
}
