import type { RunStore } from '../ports/run-store.ts';

/**
 * Adds a note to a run once per `key` (a redelivered event does not repeat it): "waiting for run
 * X", "could not stop build Y". Notes are for people; they never change the run.
 */
export async function noteOnce(
  store: RunStore,
  runId: string,
  key: string,
  note: { at: string; kind: string; message: string },
): Promise<void> {
  if (await store.setAttribute(runId, `note:${key}`, note.at, { ifAbsent: true })) {
    await store.addNote(runId, note);
  }
}
