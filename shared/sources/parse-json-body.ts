import { ValidationError } from '../domain/errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a verified body as strict UTF-8 and parses it as JSON, or throws a `ValidationError`
 * that says what is wrong (`body is not JSON: Unexpected token …`). Never returns a non-object
 * silently: a push payload must be a JSON object.
 */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new ValidationError('body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`body is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(
      `body is JSON but not an object (${Array.isArray(value) ? 'array' : typeof value})`,
    );
  }
  return value as Record<string, unknown>;
}
