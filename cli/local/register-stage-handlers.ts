import type { LocalApp } from './create-local-app.ts';

/**
 * THE place where local mode's choreography is wired: each function of
 * `functions/subscriptions.ts` gets its handler on the bus, built from local adapters.
 * `createLocalApp` calls it after the store, bus and server exist and before the outbox publishes
 * the backlog — so no committed event is ever dispatched to a bus without its handlers.
 *
 * To wire a stage:
 *   1. build its adapter once from `app` (e.g. a `LocalBuilder` writing `<app.dataDir>/builds/<buildId>/build.log`),
 *      registering its clean-up with `app.onClose(...)`;
 *   2. make the handler: `const startBuild = makeStartBuild({ store: app.store, clock: app.clock, builder, ... })`;
 *   3. subscribe it: `app.bus.on('start-build', (event, { logger }) => startBuild(event, logger))`;
 *   4. routes the stage needs (a callback, the dashboard) go on `app.server.route(...)`.
 * Handlers record what they did through the store (`recordEvents`); they never publish.
 */
export async function registerStageHandlers(app: LocalApp): Promise<void> {
  app.logger.debug('no stage handlers wired yet', { dataDir: app.dataDir });
}
