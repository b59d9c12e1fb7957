import type { SmokeCheck } from '../../shared/aws/codedeploy-smoke-checks.ts';

/** The `fetch` the checks use (the global one in production, a fake in tests). */
export type Fetch = (
  url: string,
  init: { method: 'GET'; signal: AbortSignal; redirect: 'manual' },
) => Promise<{
  status: number;
  body?: { cancel(): Promise<void> } | null;
}>;

/** One check's result, for the log and the hook's answer. */
export interface SmokeResult {
  url: string;
  ok: boolean;
  /** The status received, or what went wrong instead (`timed out after 10s`, the network error). */
  detail: string;
}

/**
 * Runs the smoke checks at once, each a GET that must answer `expectStatus` within its own timeout
 * and before `deadline` (epoch ms). A check never throws: a network error, a timeout or a wrong
 * status is a failed result, so the caller always has an answer to give CodeDeploy.
 */
export async function runSmokeChecks(
  checks: readonly SmokeCheck[],
  fetch: Fetch,
  deadline: number,
  now: () => number = Date.now,
): Promise<SmokeResult[]> {
  return Promise.all(checks.map((check) => runOne(check, fetch, deadline, now)));
}

async function runOne(
  check: SmokeCheck,
  fetch: Fetch,
  deadline: number,
  now: () => number,
): Promise<SmokeResult> {
  const budget = Math.min(check.timeoutSeconds * 1000, deadline - now());
  if (budget <= 0) return { url: check.url, ok: false, detail: 'no time left before the hook deadline' };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), budget);
  try {
    // Redirects are not followed: a 302 to a login page must not pass as the app answering.
    const response = await fetch(check.url, { method: 'GET', signal: controller.signal, redirect: 'manual' });
    // Only the status matters; release the connection instead of reading the body.
    await response.body?.cancel().catch(() => undefined);
    const ok = response.status === check.expectStatus;
    return {
      url: check.url,
      ok,
      detail: ok ? `${response.status}` : `${response.status}, expected ${check.expectStatus}`,
    };
  } catch (error) {
    const detail = controller.signal.aborted
      ? `timed out after ${Math.round(budget / 100) / 10}s`
      : error instanceof Error
        ? `${error.message}${causeOf(error)}`
        : String(error);
    return { url: check.url, ok: false, detail };
  } finally {
    clearTimeout(timer);
  }
}

/** Node's fetch says "fetch failed" and keeps the useful part (ECONNREFUSED…) in `cause`. */
function causeOf(error: Error): string {
  const cause = error.cause;
  return cause instanceof Error ? ` (${cause.message})` : '';
}
