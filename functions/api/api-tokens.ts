import * as z from '../../events/zod-mini.ts';
import { readEnv } from '../../shared/aws/lambda/read-env.ts';
import { MissingSecretError } from '../../shared/domain/errors.ts';
import type { ApiToken } from '../../shared/http/operation-requests.ts';
import type { SecretSource } from '../../shared/ports/secret-source.ts';

/** The secret's name: the SSM parameter `<PUSHLINE_SECRETS_PREFIX>api-tokens`, unless configured. */
export const API_TOKENS_SECRET = 'api-tokens';

/** Shorter than this, a token could be guessed: the whole set is refused (generate with `openssl rand -hex 32`). */
export const MIN_TOKEN_LENGTH = 16;

/**
 * Where the tokens live: `PUSHLINE_API_TOKENS_PARAMETER` (an SSM parameter name, or
 * `secretsmanager:<id>`), else `<PUSHLINE_SECRETS_PREFIX>api-tokens`, e.g.
 * `/pushline/prod/api-tokens`. The function's role may read exactly that parameter, or the
 * Secrets Manager secret `pushline/<stage>/api-tokens`.
 */
export function readApiTokensLocation(
  env: Readonly<Record<string, string | undefined>>,
  secretsPrefix: string,
): string {
  const settings = readEnv(
    z.object({ PUSHLINE_API_TOKENS_PARAMETER: z.optional(z.string().check(z.minLength(1))) }),
    env,
  );
  return (
    settings.PUSHLINE_API_TOKENS_PARAMETER ?? `${secretsPrefix.replace(/\/?$/, '/')}${API_TOKENS_SECRET}`
  );
}

/**
 * The tokens of a secret's text, JSON `{ "<name>": "<token>", … }`: the name is who acts when a
 * request carries the token. A text that is not that — not JSON, an empty name or object, a token
 * too short, one token under two names (the log could not say who acted) — is refused whole, with
 * a message that names the problem and the names, never a token.
 */
export function parseApiTokens(text: string, where: string): ApiToken[] {
  const refuse = (problem: string) =>
    new MissingSecretError(
      `${where} must hold JSON {"<name>": "<token>", …} (tokens of at least ${MIN_TOKEN_LENGTH} characters): ${problem}`,
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw refuse('it is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw refuse('it is not an object');
  const tokens = Object.entries(json).map(([name, token]) => ({ name: name.trim(), token }));
  if (tokens.length === 0) throw refuse('it names no token');
  const problems = tokens.flatMap(({ name, token }, i) => {
    if (name === '') return [`entry ${i + 1} has no name`];
    if (typeof token !== 'string' || token.trim().length < MIN_TOKEN_LENGTH)
      return [`the token of ${name} is not a string of ${MIN_TOKEN_LENGTH} characters or more`];
    const first = tokens.findIndex((t) => t.token === token);
    return first < i ? [`${name} has the same token as ${tokens[first]!.name}`] : [];
  });
  if (problems.length > 0) throw refuse(problems.join('; '));
  return tokens.map(({ name, token }) => ({ name, token: (token as string).trim() }));
}

/**
 * The API's tokens, read from `secrets` (AwsSecretSource: SSM GetParameter with decryption, cached
 * across the invocations of a warm function for its `maxAgeSeconds`) and parsed once per value.
 * An absent secret is a `MissingSecretError` (503) that says what to set.
 */
export function apiTokenReader(secrets: SecretSource, name = API_TOKENS_SECRET): () => Promise<ApiToken[]> {
  const where = secrets.whereToSet?.(name) ?? `the secret ${name}`;
  let parsed: { text: string; tokens: ApiToken[] } | undefined;
  return async () => {
    const text = await secrets.get(name);
    if (text === undefined) {
      throw new MissingSecretError(
        `the API has no tokens: set ${where} to JSON {"<name>": "<token>", …} (docs/api.md)`,
      );
    }
    if (parsed?.text !== text) parsed = { text, tokens: parseApiTokens(text, where) };
    return parsed.tokens;
  };
}
