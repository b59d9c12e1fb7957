import type { PipelineEvent } from '../events/pipeline-events.ts';
import type { Platform } from '../shared/domain/next-step.ts';
import type { PipelineConfig } from '../shared/domain/pipeline-config.ts';
import type { Builder } from '../shared/ports/builder.ts';
import type { Clock } from '../shared/ports/clock.ts';
import type { Deployer } from '../shared/ports/deployer.ts';
import type { Logger } from '../shared/ports/logger.ts';
import type { MetricsSource } from '../shared/ports/metrics-source.ts';
import type { RunStore } from '../shared/ports/run-store.ts';
import type { Scheduler } from '../shared/ports/scheduler.ts';

/**
 * What the stage handlers are made with, in both modes. Each `make<Name>` takes the fields it
 * uses (`Pick<HandlerDeps, ...>`); the composition root builds one object and passes it to all.
 *
 * - `pipelines`: the validated pipeline file, by pipeline name.
 * - `platform`: which target blocks the deployer reads (`local` / `aws`), so "no staging target"
 *   means the same to the handler as to the deployer. Unset: either block counts.
 * - `logger`: the logger of work that has no event of its own (a build's outcome, a watchdog round).
 */
export interface HandlerDeps {
  store: RunStore;
  pipelines: (name: string) => PipelineConfig | undefined;
  clock: Clock;
  builder: Builder;
  deployer: Deployer;
  metrics: MetricsSource;
  scheduler: Scheduler;
  platform?: Platform;
  logger?: Logger;
}

/**
 * What a stage handler gets besides its event: the logger of this delivery, keyed by the event
 * (its id, run, detail-type) and by the invocation (Lambda's request id) or the function (the
 * local bus). Optional, so a test can call a handler with the event alone.
 */
export interface StageContext {
  logger?: Logger;
}

/** A function's reaction to a pipeline event. It records what it did in the store; it never publishes. */
export type StageHandler = (event: PipelineEvent, context?: StageContext) => Promise<void>;
