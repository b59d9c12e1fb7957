import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../../fixtures');

/** A JSON payload a test reads and edits freely. */
// biome-ignore lint/suspicious/noExplicitAny: tests poke at payload fields of any shape
export type Payload = Record<string, any>;

/** A saved fixture under test/fixtures/, parsed fresh for each call (tests may change it). */
export function fixture<T = Payload>(path: string): T {
  return JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
}
