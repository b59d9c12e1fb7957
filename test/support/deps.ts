import type { PipelineEvent } from '../../events/pipeline-events.ts';
import type { HandlerDeps } from '../../functions/handler-deps.ts';
import type { PipelineConfig } from '../../shared/domain/pipeline-config.ts';
import { MemoryRunStore } from '../../shared/local/memory-run-store.ts';
import type { LogEntry } from '../../shared/ports/run-store.ts';
import { type BuildScript, FakeBuilder } from './fake-builder.ts';
import { FakeClock } from './fake-clock.ts';
import { type DeployScript, FakeDeployer } from './fake-deployer.ts';
import { FakeMetrics } from './fake-metrics.ts';
import { FakeScheduler } from './fake-scheduler.ts';
import { pipelineConfig, T0 } from './runs.ts';

/**
 * The deps of a handler under test: a memory store, fakes of every port and a clock at `T0`.
 * `pipelines` defaults to one pipeline, `web`, from `pipelineConfig()`.
 */
export function testDeps(
  options: {
    pipelines?: PipelineConfig[];
    build?: BuildScript;
    deploy?: DeployScript;
    metrics?: FakeMetrics;
  } = {},
) {
  const clock = new FakeClock(T0);
  const store = new MemoryRunStore({ clock });
  const byName = new Map((options.pipelines ?? [pipelineConfig()]).map((p) => [p.name, p]));
  const deps = {
    store,
    clock,
    pipelines: (name: string) => byName.get(name),
    builder: new FakeBuilder(options.build),
    deployer: new FakeDeployer(options.deploy),
    metrics: options.metrics ?? new FakeMetrics(),
    scheduler: new FakeScheduler(),
    platform: 'local',
  } satisfies HandlerDeps;
  return deps;
}

/** The events a store's log holds after `from` (a count of entries), as events. */
export function appendedSince(entries: readonly LogEntry[], from = 0): PipelineEvent[] {
  return entries.slice(from).map((e) => ({ detailType: e.detailType, detail: e.detail }) as PipelineEvent);
}

/** The last event of `detailType` in a run's log, for handing to the next handler. */
export async function lastEvent<T extends PipelineEvent['detailType']>(
  store: MemoryRunStore,
  runId: string,
  detailType: T,
): Promise<Extract<PipelineEvent, { detailType: T }>> {
  const entry = (await store.log(runId)).filter((e) => e.detailType === detailType).at(-1);
  if (!entry) throw new Error(`run ${runId} has no ${detailType}`);
  return { detailType: entry.detailType, detail: entry.detail } as Extract<PipelineEvent, { detailType: T }>;
}
