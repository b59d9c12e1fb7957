import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeReceiveGithub } from '../../functions/receive-github/receive-github.ts';
import { makeReceiveGitlab } from '../../functions/receive-gitlab/receive-gitlab.ts';
import { type FunctionName, SCHEDULES, subscribersOf } from '../../functions/subscriptions.ts';
import type { PipelineConfig, PushlineFile } from '../../shared/domain/pipeline-config.ts';
import { PUSH_WEBHOOK_MAX_BODY_BYTES } from '../../shared/http/webhook.ts';
import { apiRoutes } from '../../shared/local/api-routes.ts';
import { armCrashPoints } from '../../shared/local/crash-points.ts';
import { dashboardRoutes } from '../../shared/local/dashboard-routes.ts';
import { EnvSecretSource } from '../../shared/local/env-secret-source.ts';
import { LocalHttpServer } from '../../shared/local/http-server.ts';
import { type BusLogger, LocalBus } from '../../shared/local/local-bus.ts';
import { loadPipelineFile, resolveLocalSecrets } from '../../shared/local/local-config.ts';
import { Outbox } from '../../shared/local/outbox.ts';
import { deliverSpooledPushes, spoolDir } from '../../shared/local/push-spool.ts';
import { SqliteRunStore } from '../../shared/local/sqlite-run-store.ts';
import { type Clock, systemClock } from '../../shared/ports/clock.ts';
import type { SecretSource } from '../../shared/ports/secret-source.ts';
import { consoleLogger } from './console-logger.ts';
import { registerStageHandlers } from './register-stage-handlers.ts';
import { DATABASE_FILE } from './server-info.ts';

export interface LocalAppOptions {
  /** The pipeline file (`pushline.yml`). Validated first: a bad file throws `ConfigError`, nothing starts. */
  file: string;
  /** The data folder: the SQLite file, build logs and checkouts, `server.json`, `webhook-secret`. */
  dataDir: string;
  /** 0 picks a free port. Default 8787. */
  port?: number;
  host?: string;
  /** The environment secrets are read from (`GITHUB_WEBHOOK_SECRET`…), over a `.env` beside the file. */
  env?: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
  logger?: BusLogger;
  maxBodyBytes?: number;
  /** The bus's waits before retrying a failed handler (default 0.2 s, 1 s, 5 s). */
  retryDelaysMs?: readonly number[];
  /** How often the watchdog's round runs (default `SCHEDULES.watchdog`, a minute; tests shorten it). */
  watchdogEverySeconds?: number;
  /** No console line per stage change (the demo draws its own). */
  quiet?: boolean;
  /** Wires the stage handlers onto the app before the outbox starts; default `registerStageHandlers`. */
  registerHandlers?: (app: LocalApp) => void | Promise<void>;
}

/** Local mode, assembled: one process serving webhooks and the API, running the choreography. */
export interface LocalApp {
  /** The pipeline file in force (re-read by `reloadConfig`). */
  config(): PushlineFile;
  pipeline(name: string): PipelineConfig | undefined;
  /** Re-reads the pipeline file; a bad file throws `ConfigError` and the one in force stays. */
  reloadConfig(): PushlineFile;
  readonly file: string;
  readonly dataDir: string;
  readonly server: LocalHttpServer;
  readonly store: SqliteRunStore;
  readonly bus: LocalBus<FunctionName>;
  readonly outbox: Outbox;
  readonly secrets: SecretSource;
  readonly clock: Clock;
  readonly logger: BusLogger;
  readonly quiet: boolean;
  /** The address the server listens on (`127.0.0.1` unless `--host` says otherwise). */
  readonly host: string;
  /** How often the watchdog's round runs. */
  readonly watchdogEverySeconds: number;
  /** Set once the server listens. */
  url: string;
  port: number;
  /** Registers clean-up (stop builds, app processes, timers) run by `close`, last registered first. */
  onClose(fn: () => void | Promise<void>): void;
  /** Stops serving, publishes what is committed, runs the clean-ups, closes the database. Idempotent. */
  close(): Promise<void>;
}

const DRAIN_ON_CLOSE_MS = 10_000;
const STARTUP_DRAIN_MS = 10_000;

/**
 * The local composition root (`pushline up`): validates the pipeline file, opens the SQLite store
 * in `dataDir`, builds the bus and the outbox, mounts the webhook receivers and the JSON API,
 * lets `registerHandlers` wire the stage handlers, publishes what an earlier process committed
 * but never dispatched, and then listens. If any step fails, what was opened is closed again.
 */
export async function createLocalApp(options: LocalAppOptions): Promise<LocalApp> {
  const file = resolve(options.file);
  const dataDir = resolve(options.dataDir);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? consoleLogger();
  let current = loadPipelineFile(file);
  mkdirSync(dataDir, { recursive: true });
  const resolved = resolveLocalSecrets({ configFile: file, dataDir, env: options.env ?? process.env });
  const secrets = new EnvSecretSource({ env: resolved.variables });
  const store = new SqliteRunStore({ file: join(dataDir, DATABASE_FILE), clock });
  const bus = new LocalBus({
    subscribers: subscribersOf,
    store,
    clock,
    logger,
    ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
  });
  const outbox = new Outbox({ source: store, bus, logger });
  const server = new LocalHttpServer({
    routes: [...apiRoutes({ store, dataDir, clock }), ...dashboardRoutes()],
    logger,
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  const receiverDeps = { store, file: () => current, secrets, clock, logger };
  // A push webhook may be much larger than an API request (GitHub's limit, not the API's).
  const pushLimit = { maxBodyBytes: options.maxBodyBytes ?? PUSH_WEBHOOK_MAX_BODY_BYTES };
  server.webhook('/webhooks/github', makeReceiveGithub({ ...receiverDeps, ...pushLimit }), pushLimit);
  server.webhook('/webhooks/gitlab', makeReceiveGitlab({ ...receiverDeps, ...pushLimit }), pushLimit);

  const closers: (() => void | Promise<void>)[] = [];
  let closing: Promise<void> | undefined;
  const app: LocalApp = {
    config: () => current,
    pipeline: (name) => current.pipelines.find((p) => p.name === name),
    reloadConfig: () => {
      current = loadPipelineFile(file);
      return current;
    },
    file,
    dataDir,
    server,
    store,
    bus,
    outbox,
    secrets,
    clock,
    logger,
    quiet: options.quiet ?? false,
    host: options.host ?? '127.0.0.1',
    watchdogEverySeconds: options.watchdogEverySeconds ?? SCHEDULES.watchdog.everySeconds,
    url: '',
    port: 0,
    onClose: (fn) => {
      closers.push(fn);
    },
    close: () => {
      closing ??= shutDown();
      return closing;
    },
  };

  async function shutDown(): Promise<void> {
    await server.close().catch((error) => logger.warn('closing the server failed', { error: String(error) }));
    await within(outbox.drain(), DRAIN_ON_CLOSE_MS);
    for (const fn of closers.reverse()) {
      try {
        await fn();
      } catch (error) {
        logger.warn('a clean-up step failed', { error: String(error) });
      }
    }
    // Anything committed from here on is published by the next start (the outbox's backlog).
    await within(outbox.stop(), DRAIN_ON_CLOSE_MS);
    store.close();
  }

  try {
    await (options.registerHandlers ?? registerStageHandlers)(app);
    // Publish the backlog before serving, but a slow handler must not keep webhooks waiting for long:
    // after the bound the server listens while the outbox goes on (it is safe to run side by side).
    if (!(await within(outbox.start(), STARTUP_DRAIN_MS))) {
      logger.warn('still publishing the backlog; serving meanwhile', { waitedMs: STARTUP_DRAIN_MS });
    }
    const address = await server.listen(options.port ?? 8787, app.host);
    app.url = address.url;
    app.port = address.port;
  } catch (error) {
    await app.close();
    throw error;
  }
  armCrashPoints();
  deliverSpool(app, resolved.githubWebhookSecret);
  logger.info('pushline is up', {
    url: app.url,
    pipelines: current.pipelines.map((p) => p.name),
    githubSecret: resolved.githubSecretFrom,
  });
  return app;
}

/**
 * Pushes the post-receive hook kept while no server answered (`<data>/spool`) are delivered to
 * this server's own webhook, now that it listens: the same path, signature and idempotence as a
 * push made now. In the background; awaited at close.
 */
function deliverSpool(app: LocalApp, secret: string): void {
  const delivery = deliverSpooledPushes({
    dir: spoolDir(app.dataDir),
    url: app.url,
    secret,
    logger: app.logger,
  })
    .then((result) => {
      if (result.delivered + result.refused + result.kept > 0)
        app.logger.info('spooled pushes', { ...result });
    })
    .catch((error) => app.logger.warn('spooled pushes could not be delivered', { error: String(error) }));
  app.onClose(() => delivery);
}

/** Waits for `work`, but no longer than `ms` (a hung handler must not hold the process); true if it finished. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return finished;
}
