import type { Platform } from '../shared/domain/next-step.ts';
import type { PipelineConfig } from '../shared/domain/pipeline-config.ts';
import type { Builder } from '../shared/ports/builder.ts';
import type { Clock } from '../shared/ports/clock.ts';
import type { Deployer } from '../shared/ports/deployer.ts';
import type { Logger } from '../shared/ports/logger.ts';
import type { MetricsSource } from '../shared/ports/metrics-source.ts';
import type { RunStore } from '../shared/ports/run-store.ts';
import type { Scheduler } from '../shared/ports/scheduler.ts';

/** The logger stage handlers take (one `Logger` for the whole code base). */
export type HandlerLogger = Logger;

/**
 * What the stage handlers are made with, in both modes. Each `make<Name>` takes the fields it
 * uses (`Pick<HandlerDeps, ...>`); the composition root builds one object and passes it to all.
 *
 * - `pipelines`: the validated pipeline file, by pipeline name.
 * - `platform`: which target blocks the deployer reads (`local` / `aws`), so "no staging target"
 *   means the same to the handler as to the deployer. Unset: either block counts.
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
  logger?: HandlerLogger;
}

export { allRunningRuns, runningRuns } from '../shared/app/running-runs.ts';
export { silentLogger } from '../shared/ports/logger.ts';

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

/**
 * Runs async work one at a time per key, in this process. start-canary decides "is the production
 * slot free?" and then claims it by appending `Canary Started`; two decisions for one pipeline
 * interleaving between the read and the append could both see the slot free. Serialising them per
 * pipeline closes that window in one process (local mode). On AWS the start-canary function runs
 * with reserved concurrency 1 for the same reason (and CodeDeploy refuses a second deployment to a
 * deployment group that has one in progress).
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      // Forget the key once nothing queued behind this call, so the map does not grow forever.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
