import * as z from 'zod';
import { formatIssues } from '../../../events/parse.ts';
import { ConfigError } from '../../domain/errors.ts';
import { PushlineFile } from '../../domain/pipeline-config.ts';

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
  PUSHLINE_TABLE: z.string().min(3),
  PUSHLINE_PIPELINES: z.string().min(2),
  PUSHLINE_STAGE: z.string().default('dev'),
  /** The SSM parameter prefix of the secrets, e.g. `/pushline/prod/`. */
  PUSHLINE_SECRETS_PREFIX: z.string().default('/pushline/'),
});
export type LambdaEnv = z.output<typeof LambdaEnv>;

export function readLambdaEnv(env: NodeJS.ProcessEnv = process.env): LambdaEnv {
  // Spelt out in full so that the bundler's `define` can replace it (see above).
  const pipelines = env === process.env ? process.env.PUSHLINE_PIPELINES : env.PUSHLINE_PIPELINES;
  const result = LambdaEnv.safeParse({ ...env, PUSHLINE_PIPELINES: pipelines });
  if (!result.success) {
    throw new ConfigError(
      `the function's environment is incomplete: ${formatIssues(result.error.issues)}`,
      [],
    );
  }
  return result.data;
}

/** The pipeline file carried in `PUSHLINE_PIPELINES`, validated (every default applied). */
export function pipelineFileFromEnv(env: LambdaEnv): PushlineFile {
  let raw: unknown;
  try {
    raw = JSON.parse(env.PUSHLINE_PIPELINES);
  } catch (error) {
    throw new ConfigError('PUSHLINE_PIPELINES is not JSON', [], { cause: error });
  }
  const result = PushlineFile.safeParse(raw);
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
