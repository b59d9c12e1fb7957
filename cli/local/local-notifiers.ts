import { buildNotifiers } from '../../shared/notify/build-notifiers.ts';
import { cachedNotifiers } from '../../shared/notify/cached-notifiers.ts';
import type { Notifier } from '../../shared/ports/notifier.ts';
import type { LocalApp } from './create-local-app.ts';

/**
 * Local mode's notifiers — Slack, the Git host, the console — (re)built for the pipeline file and
 * the server address in force, so a reload, or the address known only once the server listens, is
 * taken into account; built again at the next event when a secret could not be read.
 */
export function localNotifiers(app: LocalApp): () => Promise<readonly Notifier[]> {
  return cachedNotifiers(
    () =>
      buildNotifiers({
        secrets: app.secrets,
        file: app.config(),
        store: app.store,
        clock: app.clock,
        mode: 'local',
        ...(app.url ? { dashboardUrl: app.url } : {}),
        logger: app.logger,
        ...(app.quiet ? { write: () => {} } : {}),
      }),
    () => [app.config(), app.url],
  );
}
