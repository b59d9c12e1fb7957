import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { makeDeployStaging } from '../../functions/deploy-staging/deploy-staging.ts';
import { makeFinishBuild } from '../../functions/finish-build/finish-build.ts';
import { makeFinishDeployment } from '../../functions/finish-deployment/finish-deployment.ts';
import type { HandlerDeps } from '../../functions/handler-deps.ts';
import {
  makeAlarmFired,
  makeCheckCanary,
  makeJudgeCanary,
} from '../../functions/judge-canary/judge-canary.ts';
import { makePromote } from '../../functions/promote/promote.ts';
import { makeRollback } from '../../functions/rollback/rollback.ts';
import { makeStartBuild } from '../../functions/start-build/start-build.ts';
import { makeStartCanary } from '../../functions/start-canary/start-canary.ts';
import { type FunctionName, subscribersOf } from '../../functions/subscriptions.ts';
import { makeWatchdog } from '../../functions/watchdog/watchdog.ts';
import type { PipelineConfig } from '../../shared/domain/pipeline-config.ts';
import type { Run } from '../../shared/domain/run.ts';
import { MemoryRunStore } from '../../shared/local/memory-run-store.ts';
import type { CanarySamples } from '../../shared/ports/metrics-source.ts';
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
}

/**
 * All the stage handlers wired as local mode wires them, with in-memory adapters: a
 * `MemoryRunStore`, a synchronous outbox (applied entries of `store.appended`, dispatched with
 * `subscribersOf`), fakes that queue their outcomes for finish-build / finish-deployment, and a
 * fake clock and scheduler. `settle()` runs everything that is due until nothing is left.
 */
export function createChoreography(options: ChoreographyOptions) {
  const clock = new FakeClock(T0);
  const store = new MemoryRunStore({ clock });
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
  const handlers: Partial<Record<FunctionName, (event: PipelineEvent) => Promise<void>>> = {
    'start-build': makeStartBuild(deps),
    'deploy-staging': makeDeployStaging(deps),
    'start-canary': makeStartCanary(deps),
    'judge-canary': makeJudgeCanary(deps),
    promote: makePromote(deps),
    rollback: makeRollback(deps),
  };
  const finishBuild = makeFinishBuild(deps);
  const finishDeployment = makeFinishDeployment(deps);
  const checkCanary = makeCheckCanary(deps);
  const times = options.deliverTwice ? 2 : 1;
  /** Every event the outbox dispatched, in order (once each, however often delivered). */
  const dispatched: PipelineEvent[] = [];
  let cursor = 0;

  async function deliver(work: () => Promise<void>): Promise<void> {
    for (let i = 0; i < times; i++) await work();
  }

  /** Dispatches what the store committed since the last drain; returns whether there was any. */
  async function drain(): Promise<boolean> {
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
    dispatched,
    finishBuild,
    finishDeployment,
    watchdog: makeWatchdog(deps),
    alarmFired: makeAlarmFired(deps),
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
