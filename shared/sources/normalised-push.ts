import type * as z from 'zod/mini';
import { formatIssues } from '../../events/parse.ts';
import { SourcePush } from '../../events/source-push.ts';
import { ValidationError } from '../domain/errors.ts';

/**
 * What a Git host's push notification means to Pushline: a push to start runs for, or a ref that
 * was deleted (which starts nothing).
 */
export type NormalisedPush =
  | { kind: 'push'; push: SourcePush }
  | { kind: 'deleted'; provider: SourcePush['provider']; repo: string; ref: string };

/** Context the payload does not carry: the delivery id and when the request arrived. */
export interface PushContext {
  deliveryId?: string;
  receivedAt: Date;
}

/**
 * Parses a payload with a host's schema, or throws a `ValidationError` naming every field that is
 * wrong (`push payload: repository.full_name: expected string, received undefined`).
 */
export function parsePayload<T extends z.ZodMiniType>(
  schema: T,
  payload: unknown,
  what: string,
): z.output<T> {
  const result = schema.safeParse(payload);
  if (!result.success) {
    throw new ValidationError(`${what}: ${formatIssues(result.error.issues)}`, { cause: result.error });
  }
  return result.data;
}

/** Checks the normalised push against the catalogue's `SourcePush`, so no event carries a bad one. */
export function toSourcePush(candidate: SourcePush, what: string): SourcePush {
  return parsePayload(SourcePush, candidate, `${what} does not make a valid push`);
}

/** The URL when `SourcePush.url` accepts it, else `undefined` (a link is nice, not essential). */
export function usableUrl(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  return SourcePush.shape.url.safeParse(value).success ? value : undefined;
}

/** An ISO timestamp from a Unix time in seconds or an ISO string; `undefined` when neither. */
export function isoFrom(value: number | string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** `{ [key]: value }` when the value is defined, else `{}` — for optional fields in object spreads. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
