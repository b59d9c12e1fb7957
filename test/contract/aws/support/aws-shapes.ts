import { readFileSync } from 'node:fs';

const TIMESTAMPS = new Set(['startTime', 'endTime', 'created', 'expired', 'lastModified']);

/**
 * A documented AWS JSON response (test/fixtures/aws/<name>.json) as the SDK hands it to callers:
 * the wire's epoch-second timestamps become `Date`s, everything else is as documented.
 */
export function awsResponse<T>(name: string): T {
  const json = readFileSync(new URL(`../../../fixtures/aws/${name}.json`, import.meta.url), 'utf8');
  return JSON.parse(json, (key, value) =>
    TIMESTAMPS.has(key) && typeof value === 'number' ? new Date(value * 1000) : value,
  ) as T;
}

/** A fixture as plain JSON (EventBridge events keep their string dates). */
export function awsFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../../fixtures/aws/${name}.json`, import.meta.url), 'utf8'),
  ) as T;
}
