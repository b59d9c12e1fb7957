import * as z from '../../../events/zod-mini.ts';
import { readEnv } from './read-env.ts';

/**
 * The environment a webhook function reads at cold start, beyond the shared Lambda environment
 * (table, pipelines, stage, secrets prefix): where its secret lives and its body limit. Parsed
 * once with zod, so a misconfigured function fails at start-up and says what is wrong.
 *
 * - `<PROVIDER>_WEBHOOK_SECRET_PARAMETER`: the SSM parameter name (or `secretsmanager:<id>`) of the
 *   webhook secret; defaults to `<PUSHLINE_SECRETS_PREFIX><secret name>`, e.g.
 *   `/pushline/prod/github-webhook-secret`.
 * - `PUSHLINE_MAX_BODY_BYTES`: the body limit (default 1 MiB).
 */
export function readWebhookEnv(
  env: Readonly<Record<string, string | undefined>>,
  { variable, secretName, secretsPrefix }: { variable: string; secretName: string; secretsPrefix: string },
): { secretLocation: string; maxBodyBytes?: number } {
  const schema = z.object({
    [variable]: z.optional(z.string().check(z.minLength(1))),
    PUSHLINE_MAX_BODY_BYTES: z.optional(z.coerce.number().check(z.int(), z.minimum(1))),
  });
  const settings = readEnv(schema, env);
  const location = settings[variable] as string | undefined;
  const maxBodyBytes = settings.PUSHLINE_MAX_BODY_BYTES as number | undefined;
  return {
    secretLocation: location ?? `${secretsPrefix.replace(/\/?$/, '/')}${secretName}`,
    ...(maxBodyBytes ? { maxBodyBytes } : {}),
  };
}
