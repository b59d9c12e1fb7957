import type * as z from 'zod';
import { formatIssues } from '../../../events/parse.ts';
import { EnvironmentError } from '../../domain/errors.ts';

/** A zod (or zod/mini) object schema of environment variables. */
interface EnvSchema<T> {
  safeParse(
    input: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: z.core.$ZodIssue[] } };
}

/**
 * Reads a function's settings from its environment (set by serverless.yml) with `schema`, once at
 * cold start, so that a misconfigured stack fails at once and says which variables are missing or
 * wrong — instead of failing deep inside an adapter. The one environment reader of every Lambda.
 */
export function readEnv<T>(schema: EnvSchema<T>, env: NodeJS.ProcessEnv = process.env): T {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new EnvironmentError(
      `the function's environment is incomplete: ${formatIssues(result.error.issues)}`,
    );
  }
  return result.data;
}
