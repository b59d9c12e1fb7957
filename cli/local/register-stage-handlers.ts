import { userInfo } from 'node:os';
import { DETAIL_TYPES } from '../../events/pipeline-events.ts';
import type { StageHandler } from '../../functions/handler-deps.ts';
import { makeStageHandlers, type StageHandlers } from '../../functions/stage-handlers.ts';
import { pipelineSubscribers } from '../../functions/subscriptions.ts';
import { makeManualRun } from '../../shared/app/manual-run.ts';
import { makePipelineOperations } from '../../shared/app/pipeline-operations.ts';
import { makeRedeploy } from '../../shared/app/redeploy.ts';
import { makeRunOperations } from '../../shared/app/run-operations.ts';
import { artifactsProblem } from '../../shared/local/deploy/start-problems.ts';
import { GitRefResolver } from '../../shared/local/git-ref-resolver.ts';
import type { BusHandler } from '../../shared/local/local-bus.ts';
import { manualRunRoutes } from '../../shared/local/manual-run-routes.ts';
import { operationRoutes } from '../../shared/local/operation-routes.ts';
import { pipelineRoutes } from '../../shared/local/pipeline-routes.ts';
import { slackAppClient } from '../../shared/notify/slack-app-client.ts';
import { makeSlackInteractions } from '../../shared/notify/slack-interactions.ts';
import type { LocalApp } from './create-local-app.ts';
import type { LocalAdapters } from './local-adapters.ts';
import { createLocalAdapters } from './local-adapters.ts';
import { localNotifiers } from './local-notifiers.ts';
import { startUp } from './start-up.ts';

/**
 * Local mode's choreography, wired in three named steps: the **adapters** (`createLocalAdapters`),
 * the **stage handlers** made from them (`makeStageHandlers`, the same set the Lambda roots take
 * theirs from), each registered on the bus for the events `functions/subscriptions.ts` gives it;
 * then **start-up** in its order (`startUp`: reap → recover → resume → watchdog). `createLocalApp`
 * calls it after the store, bus and server exist and before the outbox publishes the backlog, so
 * no committed event is ever dispatched to a bus without its handlers.
 *
 * Handlers record what they did through the store; they never publish.
 */
export async function registerStageHandlers(app: LocalApp): Promise<void> {
  // The adapters report back into the handlers made from them: `handlers` is assigned on the next
  // statement, and nothing reports before start-up.
  const adapters = createLocalAdapters(app, {
    buildFinished: (outcome) => handlers['finish-build'].onOutcome(outcome),
    deploymentFinished: (outcome) => handlers['finish-deployment'].onOutcome(outcome),
    checkDue: (task) => handlers['judge-canary'].onCheck(task),
  });
  const handlers = makeStageHandlers({
    ...adapters,
    store: app.store,
    pipelines: (name) => app.pipeline(name),
    clock: app.clock,
    platform: 'local',
    logger: app.logger,
    notifiers: localNotifiers(app),
  });
  registerOnBus(app, handlers);
  await mountOperations(app, adapters);
  await startUp(app, adapters, handlers);
}

/**
 * Runs operated by hand (approve, reject, retry, cancel) on the local API, over the adapters the
 * stages use (a cancel stops the build or rolls the deployment back through them). On loopback
 * anyone on this machine may act; listening elsewhere needs `PUSHLINE_TOKEN` (environment or
 * `.env`). Slack's buttons come in at `POST /slack/interactions`, signed with
 * `SLACK_SIGNING_SECRET`.
 */
export async function mountOperations(app: LocalApp, { builder, deployer }: LocalAdapters): Promise<void> {
  const deps = {
    store: app.store,
    clock: app.clock,
    pipelines: (name: string) => app.pipeline(name),
    people: () => app.config().people,
    logger: app.logger,
  };
  const operations = {
    ...makeRunOperations({ ...deps, builder, deployer }),
    redeploy: makeRedeploy({
      ...deps,
      releaseProblem: (run) => artifactsProblem({ artifacts: run.build?.artifacts ?? {} }),
    }),
  };
  const token = await app.secrets.get('PUSHLINE_TOKEN');
  const access = token
    ? ({ kind: 'token', token } as const)
    : isLoopback(app.host)
      ? ({ kind: 'loopback' } as const)
      : ({ kind: 'closed' } as const);
  for (const route of operationRoutes({
    store: app.store,
    clock: app.clock,
    operations,
    access,
    defaultActor: serverUser(),
  })) {
    app.server.route(route);
  }
  const freezes = makePipelineOperations({
    store: app.store,
    clock: app.clock,
    pipelines: (name) => app.pipeline(name),
    file: () => app.config(),
    logger: app.logger,
  });
  for (const route of pipelineRoutes({ operations: freezes, access, defaultActor: serverUser() })) {
    app.server.route(route);
  }
  const manualRun = makeManualRun({ ...deps, resolver: new GitRefResolver({ store: app.store }) });
  for (const route of manualRunRoutes({ clock: app.clock, manualRun, access, defaultActor: serverUser() })) {
    app.server.route(route);
  }
  app.server.webhook(
    '/slack/interactions',
    makeSlackInteractions({
      secrets: app.secrets,
      operations,
      slack: slackAppClient({ secrets: app.secrets, logger: app.logger }),
      clock: app.clock,
      logger: app.logger,
    }),
  );
}

/** The user running the server: who acts when a request on loopback does not say. */
function serverUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'someone on this machine';
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * Every function subscribed to pipeline events gets its `onEvent` on the bus, from the table
 * itself, so none can be forgotten (and the bus is asked, to be sure). Notifications are delivered
 * beside the pipeline, never in its way: the bus does not wait for them (a slow Slack must not hold
 * back the next stage; on AWS notify is its own Lambda); the app waits for those under way at close.
 */
export function registerOnBus(app: LocalApp, handlers: StageHandlers): void {
  const deliveries = new Set<Promise<void>>();
  const beside =
    (handle: StageHandler): BusHandler =>
    (event, context) => {
      const delivery = handle(event, context).finally(() => deliveries.delete(delivery));
      deliveries.add(delivery);
    };
  for (const name of pipelineSubscribers()) {
    const { onEvent } = handlers[name];
    app.bus.on(name, name === 'notify' ? beside(onEvent) : onEvent);
  }
  const missing = app.bus.unregistered(DETAIL_TYPES);
  if (missing.length > 0) throw new Error(`no handler on the local bus for ${missing.join(', ')}`);
  // Run first at close: let the notifications under way finish while the store is open.
  app.onClose(async () => {
    await Promise.allSettled([...deliveries]);
  });
}
