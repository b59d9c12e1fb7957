import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { formatIssues } from '../../events/parse.ts';
import { ValidationError, WebhookSignatureError } from '../domain/errors.ts';

/**
 * The edges of operating runs by hand, shared by local mode's server and the AWS `api` function:
 * the JSON body of an action, and the bearer token that names who acts.
 */

/** `{ by?, comment?, reason? }`: who acts (when the token does not say), and what they say. */
export const ActionBody = z.strictObject({
  by: z.string().trim().min(1).max(200).optional(),
  comment: z.string().max(2000).optional(),
  reason: z.string().max(2000).optional(),
  /** A redeploy straight to production, without a canary (an emergency). */
  skipCanary: z.boolean().optional(),
});
export type ActionBody = z.output<typeof ActionBody>;

/** The body of an action, or a `ValidationError` saying what is wrong (an empty body is `{}`). */
export function parseActionBody(body: Buffer | string | undefined): ActionBody {
  const text = (typeof body === 'string' ? body : body?.toString('utf8'))?.trim() ?? '';
  if (text === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`the body is not JSON: ${(error as Error).message}`);
  }
  const parsed = ActionBody.safeParse(json);
  if (!parsed.success)
    throw new ValidationError(`the body is not an action: ${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** `{ ref, by?, repository? }`: what to run, who starts it, and where the repository is when no run says. */
export const ManualRunBody = z.strictObject({
  ref: z.string().trim().min(1, 'a branch, a tag or a commit id is required').max(255),
  by: z.string().trim().min(1).max(200).optional(),
  repository: z.string().trim().min(1).max(2000).optional(),
});
export type ManualRunBody = z.output<typeof ManualRunBody>;

/** The body of a manual run, or a `ValidationError` saying what is wrong. */
export function parseManualRunBody(body: Buffer): ManualRunBody {
  const text = body.toString('utf8').trim();
  let json: unknown = {};
  try {
    if (text !== '') json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`the body is not JSON: ${(error as Error).message}`);
  }
  const parsed = ManualRunBody.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(`the body is not a manual run: ${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

/** A token that may operate runs, and the name its actions are recorded under. */
export interface ApiToken {
  name: string;
  token: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * The name of the token an `Authorization: Bearer …` header carries, or a `WebhookSignatureError`
 * (401) when it is missing or matches none. Compared in constant time (over digests, so the
 * lengths do not leak either); the token itself is never logged or echoed.
 */
export function authenticate(authorization: string | undefined, tokens: readonly ApiToken[]): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new WebhookSignatureError('an Authorization: Bearer <token> header is required');
  const given = digest(match[1]!);
  let found: string | undefined;
  for (const { name, token } of tokens) {
    // Every token is compared, so the time does not say which one matched.
    if (timingSafeEqual(given, digest(token)) && found === undefined) found = name;
  }
  if (found === undefined) throw new WebhookSignatureError('the token is not valid');
  return found;
}
