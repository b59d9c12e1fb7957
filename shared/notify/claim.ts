import type { RunStore } from '../ports/run-store.ts';

/** Links followed past stale claims before giving up (each link is one crashed or stuck owner). */
const MAX_TAKEOVERS = 4;

/**
 * Claims a one-time job on a run — posting the run's Slack message, creating a GitHub
 * deployment — so that two events handled at once cannot both do it. Returns `mine` when the
 * caller (`owner`, an event id) holds the claim, `theirs` when another owner holds a fresh one:
 * the caller should then retry later, when the job's result is there to use.
 *
 * Each claim is one atomic `setAttribute(…, { ifAbsent: true })`. A claim older than `staleMs`
 * whose owner never finished (it crashed, or gave up after its retries) can be taken over once,
 * through a link named after it — the store has no compare-and-set, so a takeover is a new key:
 *
 *   <job>.claim            = A@10:00:00   (A crashed)
 *   <job>.claim.after.A    = B@10:02:01   (B took over; C, arriving later, sees B's fresh claim)
 *
 * The same owner claiming again (a retry of the same event) gets `mine` back.
 */
export async function claimJob(
  store: RunStore,
  runId: string,
  job: string,
  owner: string,
  now: Date,
  staleMs: number,
): Promise<'mine' | 'theirs'> {
  let key = `${job}.claim`;
  for (let hop = 0; hop <= MAX_TAKEOVERS; hop++) {
    if (await store.setAttribute(runId, key, `${owner}@${now.toISOString()}`, { ifAbsent: true }))
      return 'mine';
    const held = await store.getAttribute(runId, key);
    if (held === undefined) continue; // vanished between the two calls: try the same key again
    const at = held.lastIndexOf('@');
    const holder = held.slice(0, at);
    if (holder === owner) return 'mine';
    if (now.getTime() - Date.parse(held.slice(at + 1)) < staleMs) return 'theirs';
    key = `${job}.claim.after.${holder}`;
  }
  return 'theirs';
}
