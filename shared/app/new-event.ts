import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulidx';
import type { Stage } from '../../events/common.ts';
import type { DetailOf, DetailType, EventOf } from '../../events/pipeline-events.ts';
import type { Run } from '../domain/run.ts';
import type { Clock } from '../ports/clock.ts';

/**
 * Random numbers in [0, 1) for ULIDs, from the system's CSPRNG a page of bytes at a time: ulidx's
 * default asks the system for one byte per character (16 calls per id), which was a tenth of the
 * CPU of a burst of runs.
 */
function pooledRandom(): () => number {
  const pool = new Uint8Array(4096);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    return pool[next++]! / 256;
  };
}

/** A monotonic ULID generator (ids made in the same millisecond still sort in creation order). */
export function monotonicUlid(): (time: number) => string {
  return monotonicFactory(pooledRandom());
}

const ulid = monotonicUlid();

/** A new, sortable, unique id (ULID): time-ordered, so listing by id lists by creation. */
export function newId(clock: Clock): string {
  return ulid(clock.now().getTime());
}

/**
 * Builds the next event of a run: the shared fields (`eventId`, `runId`, `pipeline`, `at`,
 * `attempt`, `source`) come from the run, the caller gives the stage and the stage's data.
 */
export function newEvent<T extends Exclude<DetailType, 'Run Started'>>(
  detailType: T,
  run: Pick<Run, 'id' | 'pipeline' | 'attempt' | 'source'>,
  stage: DetailOf<T>['stage'] & Stage,
  data: DetailOf<T>['data'],
  clock: Clock,
): EventOf<T> {
  return {
    detailType,
    detail: {
      version: 1,
      eventId: newId(clock),
      runId: run.id,
      pipeline: run.pipeline,
      at: clock.now().toISOString(),
      attempt: run.attempt,
      source: run.source,
      stage,
      data,
    },
  } as EventOf<T>;
}
