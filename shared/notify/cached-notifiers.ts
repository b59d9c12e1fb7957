import type { Notifier } from '../ports/notifier.ts';

/**
 * The notifiers in force, built when first asked and kept: built again when `keyOf()` changes
 * (local mode: the pipeline file was reloaded, or the server's address became known) or when the
 * last build failed (a secret could not be read — the next event tries again). Both modes' notify
 * takes its notifiers through one of these.
 */
export function cachedNotifiers(
  build: () => Promise<readonly Notifier[]>,
  keyOf: () => readonly unknown[] = () => [],
): () => Promise<readonly Notifier[]> {
  let cached: { key: readonly unknown[]; notifiers: Promise<readonly Notifier[]> } | undefined;
  return () => {
    const key = keyOf();
    if (!cached || key.length !== cached.key.length || key.some((part, i) => part !== cached!.key[i])) {
      const entry = { key, notifiers: build() };
      cached = entry;
      entry.notifiers.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.notifiers;
  };
}
