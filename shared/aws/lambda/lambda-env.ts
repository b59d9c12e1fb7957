import { formatIssues } from '../../../events/parse.ts';
import * as z from '../../../events/zod-mini.ts';
import { ConfigError } from '../../domain/errors.ts';
import type { PushlineFile } from '../../domain/pipeline-config.ts';
import { readEnv } from './read-env.ts';

/**
 * pushline.yml as serverless/stack.ts validated it at packaging (every default applied), as JSON:
 * esbuild's `define` puts it in the bundles. Undefined outside a packaged bundle (tests, tsx).
 */
declare const PUSHLINE_PACKAGED_PIPELINE_FILE: string | undefined;
const packagedFile =
  typeof PUSHLINE_PACKAGED_PIPELINE_FILE === 'string' ? PUSHLINE_PACKAGED_PIPELINE_FILE : undefined;

// The pipeline-file schema is imported only where there is no packaged file to trust: building
// and running it is a fifth of a function's cold start (docs/aws.md, "Bundle size and load time").
// The test is on the defined name itself so that esbuild folds it and leaves the schema out.
const pipelineFileSchema =
  typeof PUSHLINE_PACKAGED_PIPELINE_FILE === 'string'
    ? undefined
    : (await import('../../domain/pipeline-config.ts')).PushlineFile;

/**
 * The configuration every Pushline function reads at cold start, from its environment (set by
 * serverless.yml). Parsed once with zod so a misconfigured stack fails at once and says what is
 * missing, instead of failing deep inside an adapter.
 *
 * `PUSHLINE_PIPELINES` is pushline.yml as JSON; serverless.yml validates the file at packaging
 * and compiles it into every bundle (esbuild replaces the literal `process.env.PUSHLINE_PIPELINES`),
 * so every function sees the file the stack was packaged with, whatever its size.
 */
export const LambdaEnv = z.object({
  PUSHLINE_TABLE: z.string().check(z.minLength(3)),
  PUSHLINE_PIPELINES: z.string().check(z.minLength(2)),
  PUSHLINE_STAGE: z._default(z.string(), 'dev'),
  /** The SSM parameter prefix of the secrets, e.g. `/pushline/prod/`. */
  PUSHLINE_SECRETS_PREFIX: z._default(z.string(), '/pushline/'),
});
export type LambdaEnv = z.output<typeof LambdaEnv>;

export function readLambdaEnv(env: NodeJS.ProcessEnv = process.env): LambdaEnv {
  // Spelt out in full so that the bundler's `define` can replace it (see above).
  const pipelines = env === process.env ? process.env.PUSHLINE_PIPELINES : env.PUSHLINE_PIPELINES;
  return readEnv(LambdaEnv, { ...env, PUSHLINE_PIPELINES: pipelines });
}

/**
 * The pipeline file carried in `PUSHLINE_PIPELINES`, validated (every default applied). In a
 * packaged bundle that is the file validated at packaging, read as is.
 */
export function pipelineFileFromEnv(env: LambdaEnv): PushlineFile {
  if (packagedFile !== undefined && env.PUSHLINE_PIPELINES === process.env.PUSHLINE_PIPELINES) {
    return JSON.parse(packagedFile) as PushlineFile;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(env.PUSHLINE_PIPELINES);
  } catch (error) {
    throw new ConfigError('PUSHLINE_PIPELINES is not JSON', [], { cause: error });
  }
  // jitless: a one-off parse, which zod's compiled fast path would cost more than it saves.
  const result = pipelineFileSchema!.safeParse(raw, { jitless: true });
  if (!result.success) {
    throw new ConfigError(
      `PUSHLINE_PIPELINES is not a valid pipeline file: ${formatIssues(result.error.issues)}`,
      [],
    );
  }
  return result.data;
}

/** `pipelines(name)` over a pipeline file, as the stage handlers take it. */
export function pipelineLookup(file: PushlineFile) {
  const byName = new Map(file.pipelines.map((p) => [p.name, p]));
  return (name: string) => byName.get(name);
}
