import type { PipelineEvent } from '../../events/pipeline-events.ts';
import type { HandlerDeps } from '../../functions/handler-deps.ts';
import { makeStageHandlers } from '../../functions/stage-handlers.ts';
import { pipelineSubscribers, subscribersOf } from '../../functions/subscriptions.ts';
import { makeRedeploy } from '../../shared/app/redeploy.ts';
import { makeRunOperations } from '../../shared/app/run-operations.ts';
import type { PipelineConfig, PushlineFile } from '../../shared/domain/pipeline-config.ts';
import type { Run } from '../../shared/domain/run.ts';
import { MemoryRunStore } from '../../shared/local/memory-run-store.ts';
import type { CanarySamples } from '../../shared/ports/metrics-source.ts';
import type { Notifier } from '../../shared/ports/notifier.ts';
import type { LogEntry, RunStore } from '../../shared/ports/run-store.ts';
import { type BuildScript, FakeBuilder } from './fake-builder.ts';
import { FakeClock } from './fake-clock.ts';
import { type DeployScript, FakeDeployer } from './fake-deployer.ts';
import { FakeMetrics, healthySamples } from './fake-metrics.ts';
import { FakeScheduler } from './fake-scheduler.ts';
import { runStarted, T0 } from './runs.ts';

export interface ChoreographyOptions {
  pipelines: PipelineConfig[];
  build?: BuildScript;
  deploy?: DeployScript;
  metrics?: (request: { start: Date; end: Date; deploymentId: string }) => CanarySamples;
  /** Deliver every event, outcome and scheduled task twice (at-least-once at its worst). */
  deliverTwice?: boolean;
  /** The pipeline file's `people` (approvers and the identities that map to them). */
  people?: PushlineFile['people'];
  /**
   * The store, made on the choreography's clock (default: a `MemoryRunStore`). Any `RunStore`
   * works: wrap it with `recordingAppends` so that the outbox sees what it committed.
   */
  makeStore?: (clock: FakeClock) => OutboxStore;
  /**
   * EventBridge at its worst: each pipeline event's delivery to each subscriber waits in a pool
   * and the pool is delivered in a random order (seeded), with `duplicate` of the deliveries made
   * again, later, at random. Build and deployment outcomes and checks come once the pool is empty.
   */
  chaos?: { seed: number; duplicate: number };
  /** The notifiers notify announces with (default: none). */
  notifiers?: () => Promise<readonly Notifier[]>;
}

/** A run store whose committed entries the choreography's outbox can read, in commit order. */
export type OutboxStore = RunStore & { readonly appended: readonly LogEntry[] };

/**
 * Any store, with the entries its `startRuns` and `append` committed listed in `appended` (as
 * `MemoryRunStore` lists them), for the choreography's outbox.
 */
export function recordingAppends<S extends RunStore>(store: S): S & { readonly appended: LogEntry[] } {
  const appended: LogEntry[] = [];
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'appended') return appended;
      if (key === 'append') {
        return async (...args: Parameters<RunStore['append']>) => {
          const result = await target.append(...args);
          appended.push(...result.entries);
          return result;
        };
      }
      if (key === 'startRuns') {
        return async (...args: Parameters<RunStore['startRuns']>) => {
          const result = await target.startRuns(...args);
          if (result.created) for (const id of result.runIds) appended.push(...(await target.log(id)));
          return result;
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as S & { readonly appended: LogEntry[] };
}

/** mulberry32: a small seeded generator, so a failing storm can be replayed by its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * All the stage handlers (`makeStageHandlers`) wired as local mode wires them, with in-memory adapters: a
 * `MemoryRunStore`, a synchronous outbox (applied entries of `store.appended`, dispatched with
 * `subscribersOf`), fakes that queue their outcomes for finish-build / finish-deployment, and a
 * fake clock and scheduler. `settle()` runs everything that is due until nothing is left.
 */
export function createChoreography(options: ChoreographyOptions) {
  const clock = new FakeClock(T0);
  const store: OutboxStore = options.makeStore?.(clock) ?? new MemoryRunStore({ clock });
  const builder = new FakeBuilder(options.build);
  const deployer = new FakeDeployer(options.deploy);
  const metrics = new FakeMetrics(options.metrics ?? healthySamples);
  const scheduler = new FakeScheduler();
  const byName = new Map(options.pipelines.map((p) => [p.name, p]));
  const deps: HandlerDeps = {
    store,
    pipelines: (name) => byName.get(name),
    clock,
    builder,
    deployer,
    metrics,
    scheduler,
    platform: 'local',
  };
  // Every stage handler, from the factory local mode and the tests share (notify has no notifiers
  // here: what it announces is tested on its own).
  const stages = makeStageHandlers({ ...deps, notifiers: options.notifiers ?? (async () => []) });
  const handlers = Object.fromEntries(pipelineSubscribers().map((name) => [name, stages[name].onEvent]));
  const people = () => options.people ?? {};
  const operations = {
    ...makeRunOperations({ ...deps, people }),
    redeploy: makeRedeploy({ ...deps, people }),
  };
  const finishBuild = stages['finish-build'].onOutcome;
  const finishDeployment = stages['finish-deployment'].onOutcome;
  const checkCanary = stages['judge-canary'].onCheck;
  const times = options.deliverTwice ? 2 : 1;
  /** Every event the outbox dispatched, in order (once each, however often delivered). */
  const dispatched: PipelineEvent[] = [];
  let cursor = 0;
  const random = options.chaos ? seeded(options.chaos.seed) : undefined;
  /** Under chaos: the deliveries waiting, delivered in a random order. */
  const pool: { name: string; event: PipelineEvent }[] = [];
  /** Under chaos: how many deliveries were made, duplicates among them. */
  const deliveries = { total: 0, duplicates: 0 };

  async function deliver(work: () => Promise<void>): Promise<void> {
    for (let i = 0; i < times; i++) await work();
  }

  /** Dispatches what the store committed since the last drain; returns whether there was any. */
  async function drain(): Promise<boolean> {
    if (random) return chaoticDrain(random, options.chaos!.duplicate);
    let any = false;
    while (cursor < store.appended.length) {
      const entry = store.appended[cursor++]!;
      if (entry.disposition !== 'applied') continue;
      any = true;
      const event = { detailType: entry.detailType, detail: entry.detail } as PipelineEvent;
      dispatched.push(event);
      for (const name of subscribersOf(event.detailType)) {
        const handler = handlers[name];
        if (handler) await deliver(() => handler(event));
      }
    }
    return any;
  }

  /** Pools what was committed, then makes one delivery picked at random (maybe again later). */
  async function chaoticDrain(next: () => number, duplicate: number): Promise<boolean> {
    while (cursor < store.appended.length) {
      const entry = store.appended[cursor++]!;
      if (entry.disposition !== 'applied') continue;
      const event = { detailType: entry.detailType, detail: entry.detail } as PipelineEvent;
      dispatched.push(event);
      for (const name of subscribersOf(event.detailType)) if (handlers[name]) pool.push({ name, event });
    }
    if (pool.length === 0) return false;
    const [delivery] = pool.splice(Math.floor(next() * pool.length), 1);
    deliveries.total++;
    if (next() < duplicate) {
      deliveries.duplicates++;
      pool.push(delivery!);
    }
    await handlers[delivery!.name]!(delivery!.event);
    return true;
  }

  /** One step: the outbox first, then a build outcome, a deployment outcome, a due check. */
  async function step(): Promise<boolean> {
    if (await drain()) return true;
    const build = builder.completions.shift();
    if (build) return deliver(() => finishBuild(build)).then(() => true);
    const deployment = deployer.completions.shift();
    if (deployment) return deliver(() => finishDeployment(deployment)).then(() => true);
    const job = scheduler.takeNext();
    if (job) {
      clock.advanceTo(job.at);
      await deliver(() => checkCanary(job.task));
      return true;
    }
    return false;
  }

  return {
    clock,
    store,
    builder,
    deployer,
    metrics,
    scheduler,
    deps,
    /** Approve, reject, retry, cancel, redeploy — as the API calls them. */
    operations,
    dispatched,
    deliveries,
    finishBuild,
    finishDeployment,
    watchdog: stages.watchdog.onTick,
    alarmFired: stages['judge-canary'].onAlarm,
    /** A push to `pipeline`: starts a run (committed, not yet dispatched); returns its id. */
    async push(pipeline = 'web', commit?: string): Promise<string> {
      const event = runStarted({ pipeline, createdAt: clock.now(), ...(commit ? { commit } : {}) });
      const { runIds } = await store.startRuns({ id: event.detail.eventId, provider: 'github' }, [event]);
      clock.advance(1);
      return runIds[0]!;
    },
    /** Runs every step until nothing is due (bounded, so a livelock fails the test instead of hanging it). */
    async settle(maxSteps = 500): Promise<void> {
      for (let i = 0; i < maxSteps; i++) if (!(await step())) return;
      throw new Error(`the choreography did not settle within ${maxSteps} steps`);
    },
    drain,
    /** Runs steps until `done()` holds (or nothing is left to do); returns whether it holds. */
    async until(done: () => Promise<boolean>, maxSteps = 500): Promise<boolean> {
      for (let i = 0; i < maxSteps; i++) {
        if (await done()) return true;
        if (!(await step())) return done();
      }
      return done();
    },
    async run(runId: string): Promise<Run> {
      return (await store.get(runId))!.run;
    },
    /** The detail-types of a run's log, in order. */
    async history(runId: string): Promise<string[]> {
      return (await store.log(runId)).map((entry) => entry.detailType);
    },
  };
}

export type Choreography = ReturnType<typeof createChoreography>;
