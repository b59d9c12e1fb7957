import { type RunSummary, waitsForProduction } from '../domain/concurrency.ts';
import { nextOpening, windowsOpen } from '../domain/deploy-windows.ts';
import { ConcurrencyError, ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { isCurrent } from '../domain/next-step.ts';
import type { PipelineConfig, PushlineFile } from '../domain/pipeline-config.ts';
import {
  type PipelineState,
  type ProductionHold,
  productionHold,
  windowsOf,
} from '../domain/production-hold.ts';
import type { Run } from '../domain/run.ts';
import type { Clock } from '../ports/clock.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { RunStore } from '../ports/run-store.ts';
import { newEvent } from './new-event.ts';
import { noteOnce } from './note-once.ts';
import { recordEvents } from './record-events.ts';
import { runsAwaitingProduction } from './rivals.ts';

/**
 * The run attribute start-canary sets when it holds a run before production (a freeze, the
 * windows): its value names that hold, `<kind>@<ISO time>`. A hold is released at most once, by
 * the claim `production-released:<hold>` (whose value is when), so an unfreeze and a watchdog round
 * racing each other wake a run once.
 */
export const PRODUCTION_HOLD = 'production-hold';
const releasedKey = (hold: string) => `production-released:${hold}`;

/**
 * Holds `run` before production, visibly: a note once per freeze (or per next opening), and the
 * hold recorded on the run, so that the unfreeze or the watchdog's round that opens production
 * wakes it (`releaseHeldRuns`).
 */
export async function holdProduction(
  store: RunStore,
  run: Run,
  hold: ProductionHold,
  clock: Clock,
): Promise<void> {
  const at = clock.now().toISOString();
  const key =
    hold.kind === 'frozen'
      ? `production-frozen:${hold.freeze.at}`
      : `production-windows:${hold.nextOpening ?? 'never'}`;
  await noteOnce(store, run.id, key, { at, kind: 'waiting', message: hold.message });
  await store.setAttribute(run.id, PRODUCTION_HOLD, `${hold.kind}@${at}`);
}

/**
 * Whether `run` waits before production on purpose (held, and not released at least `graceSeconds`
 * ago): the watchdog leaves it alone, since a freeze may last longer than any timeout.
 */
export async function heldOnPurpose(
  store: RunStore,
  run: Run,
  now: Date,
  graceSeconds: number,
): Promise<boolean> {
  const hold = await store.getAttribute(run.id, PRODUCTION_HOLD);
  if (!hold) return false;
  const releasedAt = await store.getAttribute(run.id, releasedKey(hold));
  return releasedAt === undefined || now.getTime() - Date.parse(releasedAt) < graceSeconds * 1000;
}

export interface ReleaseDeps {
  store: RunStore;
  clock: Clock;
  logger?: Logger;
}

/**
 * Wakes the runs of `pipeline` held before production: each running run that still waits for
 * production and carries a hold not yet released gets `Production Released` (once per hold), on
 * which start-canary decides it again — it starts the canary, waits for the production slot, or
 * is held again (frozen anew, say). Returns the ids of the runs released.
 */
export async function releaseHeldRuns(
  deps: ReleaseDeps,
  pipeline: string,
  why: { reason: string; by?: string },
  runs?: readonly RunSummary[],
): Promise<string[]> {
  const { store, clock } = deps;
  const released: string[] = [];
  for (const run of runs ?? (await runsAwaitingProduction(store, pipeline))) {
    if (run.pipeline !== pipeline || !waitsForProduction(run)) continue;
    const hold = await store.getAttribute(run.id, PRODUCTION_HOLD);
    if (!hold) continue;
    if (!(await store.setAttribute(run.id, releasedKey(hold), clock.now().toISOString(), { ifAbsent: true })))
      continue;
    const recorded = await recordEvents(store, run.id, (fresh) =>
      isCurrent(fresh, run.attempt) && waitsForProduction(fresh)
        ? [newEvent('Production Released', fresh, 'canary', why, clock)]
        : [],
    );
    if (recorded) {
      released.push(run.id);
      (deps.logger ?? silentLogger).info('production released', { runId: run.id, reason: why.reason });
    }
  }
  return released;
}

/** A pipeline as `GET /api/pipelines` shows it: its freeze, its windows and whether they are open. */
export interface PipelineView {
  name: string;
  frozen?: PipelineState['frozen'];
  windows: string[];
  /** Whether the windows let production start now (true without windows). */
  windowsOpen: boolean;
  /** When the windows next open (absent while open, or without windows). */
  nextOpening?: string;
  /** Whether a run reaching production now would wait, and why (the note it would get). */
  held?: string;
}

export interface PipelineOperationsDeps extends ReleaseDeps {
  pipelines: (name: string) => PipelineConfig | undefined;
  /** Every pipeline of the file, in its order. */
  file: () => Pick<PushlineFile, 'pipelines'>;
}

/**
 * Freezes and unfreezes pipelines — the same in both modes (local mode's API, the AWS `api`
 * function). A freeze is stored per pipeline with optimistic concurrency: of two people freezing
 * at once, one wins and the other gets 409 with the state. Runs are held by start-canary; an
 * unfreeze wakes the held runs at once (`releaseHeldRuns`); the watchdog's round does when a
 * deploy window opens. Unknown pipeline: `NotFoundError` (404); a missing reason:
 * `ValidationError` (400); freezing a frozen pipeline or unfreezing one that is not:
 * `ConflictError` (409) whose `pipeline` is the view.
 */
export function makePipelineOperations(deps: PipelineOperationsDeps) {
  const { store, clock } = deps;
  const log = deps.logger ?? silentLogger;

  function pipelineOf(name: string): PipelineConfig {
    const pipeline = deps.pipelines(name);
    if (!pipeline) throw new NotFoundError(`pipeline ${name} does not exist`);
    return pipeline;
  }

  function viewOf(pipeline: PipelineConfig, state: PipelineState, now: Date): PipelineView {
    const windows = windowsOf(pipeline);
    const open = windowsOpen(windows, now);
    const next = open ? undefined : nextOpening(windows, now);
    const hold = productionHold(pipeline, state, now);
    return {
      name: pipeline.name,
      ...(state.frozen ? { frozen: state.frozen } : {}),
      windows: windows.map((w) => w.text),
      windowsOpen: open,
      ...(next ? { nextOpening: next.toISOString() } : {}),
      ...(hold ? { held: hold.message.replace(/^waiting: /, '') } : {}),
    };
  }

  /** Writes the state `change` makes of the stored one, deciding again when another writer won. */
  async function change(
    name: string,
    next: (state: PipelineState, pipeline: PipelineConfig) => PipelineState,
  ): Promise<PipelineView> {
    const pipeline = pipelineOf(name);
    for (let attempt = 1; ; attempt++) {
      const stored = await store.getPipelineState(name);
      const state = next(stored.state, pipeline);
      try {
        await store.setPipelineState(name, state, { expectedVersion: stored.version });
        return viewOf(pipeline, state, clock.now());
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= 5) throw error;
      }
    }
  }

  const conflict = (pipeline: PipelineConfig, state: PipelineState, message: string) =>
    new ConflictError(message, { pipeline: viewOf(pipeline, state, clock.now()) });

  return {
    /** Every pipeline of the file with its freeze and windows. */
    async list(): Promise<PipelineView[]> {
      const now = clock.now();
      return Promise.all(
        deps
          .file()
          .pipelines.map(async (pipeline) =>
            viewOf(pipeline, (await store.getPipelineState(pipeline.name)).state, now),
          ),
      );
    },

    async show(name: string): Promise<PipelineView> {
      return viewOf(pipelineOf(name), (await store.getPipelineState(name)).state, clock.now());
    },

    /** Freezes production of `name`: runs reaching production wait until it is unfrozen. */
    async freeze(name: string, { by, reason }: { by: string; reason?: string }): Promise<PipelineView> {
      const why = reason?.trim();
      if (!why) throw new ValidationError('a reason is required to freeze a pipeline');
      const view = await change(name, (state, pipeline) => {
        if (state.frozen) {
          throw conflict(
            pipeline,
            state,
            `pipeline ${name} is already frozen by ${state.frozen.by}: ${state.frozen.reason}`,
          );
        }
        return { ...state, frozen: { by, reason: why, at: clock.now().toISOString() } };
      });
      log.info('pipeline frozen', { pipeline: name, by });
      return view;
    },

    /** Lifts the freeze of `name` and wakes the runs it held (those outside a window wait on). */
    async unfreeze(name: string, { by }: { by: string }): Promise<PipelineView & { released: string[] }> {
      const view = await change(name, (state, pipeline) => {
        if (!state.frozen) throw conflict(pipeline, state, `pipeline ${name} is not frozen`);
        const { frozen: _lifted, ...rest } = state;
        return rest;
      });
      log.info('pipeline unfrozen', { pipeline: name, by });
      const released = await releaseHeldRuns(deps, name, { reason: `unfrozen by ${by}`, by });
      return { ...view, released };
    },
  };
}

export type PipelineOperations = ReturnType<typeof makePipelineOperations>;

/** The pipeline's view a refused freeze or unfreeze carries (for a 409 body), if `error` is one. */
export function conflictingPipeline(error: unknown): PipelineView | undefined {
  return error instanceof ConflictError ? (error.context.pipeline as PipelineView | undefined) : undefined;
}
