import type { Run } from '../domain/run.ts';
import type { RunStore } from '../ports/run-store.ts';

/**
 * One thing a notifier wants the outside world to show, e.g. "commit status pushline/build is
 * success: Built in 42s". `fingerprint` identifies what is shown; `send` makes it so.
 */
export interface Intent {
  /** The run attribute that remembers the fingerprint last sent, e.g. `github.status.build`. */
  key: string;
  fingerprint: string;
  send: () => Promise<void>;
}

const MAX_ROUNDS = 3;

/**
 * Brings what Slack or a Git host shows up to the run's current state, and keeps it there when
 * events are handled at once and out of order. Each round reads the run, sends the intents whose
 * fingerprint changed, and reads again: if the run moved on meanwhile, another round follows.
 *
 * Why the extra read: two handlers A (read v3) and B (read v4) may land their sends in the wrong
 * order, v4 then v3. A's second read sees v4 and sends it again, so the last write anyone makes
 * is of the newest state. What this invocation sent wins over the stored fingerprint, which the
 * other handler may have overwritten with a state that is not what the service shows.
 */
export async function converge(
  store: RunStore,
  runId: string,
  plan: (run: Run, version: number) => Intent[] | Promise<Intent[]>,
): Promise<void> {
  let stored = await store.get(runId);
  const sentByMe = new Map<string, string>();
  for (let round = 0; stored && round < MAX_ROUNDS; round++) {
    for (const intent of await plan(stored.run, stored.version)) {
      const shown = sentByMe.get(intent.key) ?? (await store.getAttribute(runId, intent.key));
      if (shown === intent.fingerprint) continue;
      await intent.send();
      sentByMe.set(intent.key, intent.fingerprint);
      await store.setAttribute(runId, intent.key, intent.fingerprint);
    }
    const again = await store.get(runId);
    if (!again || again.version === stored.version) return;
    stored = again;
  }
}
