import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { EventOf } from '../../events/pipeline-events.ts';
import type { SourcePush } from '../../events/source-push.ts';
import { newEvent, newId } from '../../shared/app/new-event.ts';
import { recordEvents } from '../../shared/app/record-events.ts';
import { summarize } from '../../shared/domain/concurrency.ts';
import { ConcurrencyError } from '../../shared/domain/errors.ts';
import type { Run } from '../../shared/domain/run.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import type { RunStore } from '../../shared/ports/run-store.ts';

/** A clock the suite moves by hand, so run ids (ULIDs) and timestamps are ordered and repeatable. */
export class ContractClock implements Clock {
  private ms = Date.parse('2025-03-01T09:00:00.000Z');
  now(): Date {
    return new Date(this.ms);
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** A store under test; `close` (if any) runs after each test. */
export type ContractStore = RunStore & { close?: () => void | Promise<void> };

const SOURCE: SourcePush = {
  provider: 'github',
  repo: 'Codertocat/Hello-World',
  ref: 'refs/heads/main',
  branch: 'main',
  commit: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
  message: 'Update README.md',
  author: 'Codertocat',
  pushedAt: '2025-03-01T08:59:58.000Z',
};

/** A `Run Started` event of a new run (its id a fresh ULID from the clock). */
export function runStarted(clock: Clock, pipeline = 'web'): EventOf<'Run Started'> {
  return {
    detailType: 'Run Started',
    detail: {
      version: 1,
      eventId: newId(clock),
      runId: newId(clock),
      pipeline,
      at: clock.now().toISOString(),
      attempt: 1,
      source: SOURCE,
      stage: 'source',
      data: { trigger: 'push' },
    },
  };
}

/**
 * The `RunStore` contract (shared/ports/run-store.ts) as a jest suite. Every store runs it:
 * memory, SQLite and DynamoDB. `makeStore` is called before each test and gets the suite's clock.
 */
export function describeRunStoreContract(
  name: string,
  makeStore: (clock: Clock) => ContractStore | Promise<ContractStore>,
): void {
  describe(`${name} (RunStore contract)`, () => {
    let clock: ContractClock;
    let store: ContractStore;

    beforeEach(async () => {
      clock = new ContractClock();
      store = await makeStore(clock);
    });
    afterEach(async () => {
      await store.close?.();
    });

    const buildStarted = (run: Run, buildId = 'build-1') =>
      newEvent('Build Started', run, 'build', { buildId }, clock);
    const testsPassed = (run: Run, buildId = 'build-1') =>
      newEvent(
        'Tests Passed',
        run,
        'build',
        {
          buildId,
          tests: { total: 3, passed: 3, failed: 0, skipped: 0 },
          artifacts: { files: [], exportedVariables: {} },
        },
        clock,
      );
    const start = async (pipeline = 'web'): Promise<Run> => {
      const event = runStarted(clock, pipeline);
      clock.advance(1);
      await store.startRuns({ provider: 'github', id: newId(clock) }, [event]);
      return (await store.get(event.detail.runId))!.run;
    };

    describe('startRuns', () => {
      it('starts one run per Run Started event at version 1 with one applied entry', async () => {
        const events = [runStarted(clock, 'web'), runStarted(clock, 'api')];

        const result = await store.startRuns({ provider: 'github', id: 'delivery-1' }, events);

        expect(result).toEqual({ created: true, runIds: events.map((e) => e.detail.runId) });
        const stored = await store.get(events[1]!.detail.runId);
        expect(stored?.version).toBe(1);
        expect(stored?.run).toMatchObject({ pipeline: 'api', status: 'running', source: SOURCE });
        const log = await store.log(events[0]!.detail.runId);
        expect(log).toEqual([
          expect.objectContaining({ seq: 1, eventId: events[0]!.detail.eventId, disposition: 'applied' }),
        ]);
      });

      it('writes nothing for a delivery it has seen and returns the original run ids', async () => {
        const first = runStarted(clock);
        await store.startRuns({ provider: 'github', id: 'delivery-1' }, [first]);
        const again = runStarted(clock);

        const result = await store.startRuns({ provider: 'github', id: 'delivery-1' }, [again]);

        expect(result).toEqual({ created: false, runIds: [first.detail.runId] });
        expect(await store.get(again.detail.runId)).toBeUndefined();
        expect((await store.list()).runs).toHaveLength(1);
      });

      it('keeps deliveries of different providers apart', async () => {
        await store.startRuns({ provider: 'github', id: '42' }, [runStarted(clock)]);

        const result = await store.startRuns({ provider: 'gitlab', id: '42' }, [runStarted(clock)]);

        expect(result.created).toBe(true);
      });

      it('writes none of a delivery when one of its runs already exists', async () => {
        const existing = runStarted(clock);
        await store.startRuns({ provider: 'github', id: 'delivery-1' }, [existing]);
        const fresh = runStarted(clock);

        await expect(
          store.startRuns({ provider: 'github', id: 'delivery-2' }, [fresh, existing]),
        ).rejects.toBeInstanceOf(ConcurrencyError);

        expect(await store.get(fresh.detail.runId)).toBeUndefined();
        const retry = await store.startRuns({ provider: 'github', id: 'delivery-2' }, [fresh]);
        expect(retry).toEqual({ created: true, runIds: [fresh.detail.runId] });
      });
    });

    describe('append', () => {
      it('folds the events and moves the version on when the expected version matches', async () => {
        const run = await start();

        const result = await store.append(run.id, 1, [buildStarted(run), testsPassed(run)]);

        expect(result.version).toBe(3);
        expect(result.entries.map((e) => [e.seq, e.detailType, e.disposition])).toEqual([
          [2, 'Build Started', 'applied'],
          [3, 'Tests Passed', 'applied'],
        ]);
        const stored = await store.get(run.id);
        expect(stored?.version).toBe(3);
        expect(stored?.run.stages.build.status).toBe('succeeded');
        expect(stored?.run.build?.tests?.passed).toBe(3);
      });

      it('throws ConcurrencyError and writes nothing when the version has moved on', async () => {
        const run = await start();
        await store.append(run.id, 1, [buildStarted(run)]);

        await expect(
          store.append(run.id, 1, [testsPassed(run), buildStarted(run, 'b2')]),
        ).rejects.toBeInstanceOf(ConcurrencyError);

        const stored = await store.get(run.id);
        expect(stored?.version).toBe(2);
        expect(stored?.run.stages.build.status).toBe('running');
        expect((await store.log(run.id)).map((e) => e.detailType)).toEqual(['Run Started', 'Build Started']);
      });

      it('throws ConcurrencyError for a run that does not exist', async () => {
        const ghost = runStarted(clock);

        await expect(store.append(ghost.detail.runId, 1, [])).rejects.toBeInstanceOf(ConcurrencyError);
      });

      it('skips an event it has already logged without writing it again', async () => {
        const run = await start();
        const event = buildStarted(run);
        await store.append(run.id, 1, [event]);

        const result = await store.append(run.id, 2, [event, event]);

        expect(result).toMatchObject({ version: 2, entries: [] });
        expect(await store.log(run.id)).toHaveLength(2);
      });

      it('logs an event that does not fit as ignored, with its reason, and counts it in the version', async () => {
        const run = await start();
        await store.append(run.id, 1, [buildStarted(run, 'build-1')]);
        const stray = testsPassed(run, 'build-0');

        const result = await store.append(run.id, 2, [stray]);

        expect(result.version).toBe(3);
        expect(result.entries[0]).toMatchObject({ seq: 3, disposition: 'ignored' });
        expect(result.entries[0]?.reason).toMatch(/build-0/);
        const log = await store.log(run.id);
        expect(log[2]).toMatchObject({ eventId: stray.detail.eventId, disposition: 'ignored' });
        expect(log[2]?.reason).toBe(result.entries[0]?.reason);
        const stored = await store.get(run.id);
        expect(stored?.run.stages.build.status).toBe('running');
        expect(stored?.run.ignored).toEqual([expect.objectContaining({ eventId: stray.detail.eventId })]);
      });

      it('applies both writers racing through recordEvents, the loser deciding again on the new state', async () => {
        const run = await start();
        // Both writers read version 1 before either appends: each first decide waits for the other's.
        let reads = 0;
        let release: () => void = () => {};
        const bothRead = new Promise<void>((resolve) => {
          release = resolve;
        });
        const decided: string[] = [];
        // Each writer takes the build one step on from what it reads: start it, or pass it.
        const writer = (label: string) => async (current: Run) => {
          decided.push(`${label}:${current.stages.build.status}`);
          if (++reads === 2) release();
          await bothRead;
          return current.stages.build.status === 'pending' ? [buildStarted(current)] : [testsPassed(current)];
        };

        const [a, b] = await Promise.all([
          recordEvents(store, run.id, writer('a')),
          recordEvents(store, run.id, writer('b')),
        ]);

        expect(decided).toHaveLength(3);
        // The two first reads may answer in either order over HTTP (moto serves requests in parallel).
        expect(decided.slice(0, 2).sort()).toEqual(['a:pending', 'b:pending']);
        expect(decided[2]).toMatch(/^[ab]:running$/);
        expect([a?.version, b?.version].sort()).toEqual([2, 3]);
        const log = await store.log(run.id);
        expect(log.map((e) => [e.detailType, e.disposition])).toEqual([
          ['Run Started', 'applied'],
          ['Build Started', 'applied'],
          ['Tests Passed', 'applied'],
        ]);
        expect((await store.get(run.id))?.run.stages.build.status).toBe('succeeded');
      });
    });

    describe('reads', () => {
      it('returns nothing, and does not throw, for a run that does not exist', async () => {
        expect(await store.get('01JNONEXISTENT0000000000000')).toBeUndefined();
        expect(await store.log('01JNONEXISTENT0000000000000')).toEqual([]);
        expect(await store.notes('01JNONEXISTENT0000000000000')).toEqual([]);
        expect(await store.getAttribute('01JNONEXISTENT0000000000000', 'k')).toBeUndefined();
      });
    });

    describe('list', () => {
      it('lists newest first and pages through every run exactly once', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) {
          ids.push((await start()).id);
          clock.advance(60);
        }

        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.list({ limit: 3, ...(cursor ? { cursor } : {}) });
          expect(page.runs.length).toBeLessThanOrEqual(3);
          seen.push(...page.runs.map((r) => r.id));
          cursor = page.cursor;
          pages++;
        } while (cursor && pages < 10);

        expect(seen).toEqual([...ids].reverse());
        expect(pages).toBe(3);
      });

      it('filters by pipeline and by status', async () => {
        const web = await start('web');
        const api = await start('api');
        const finished = await start('web');
        await store.append(finished.id, 1, [
          newEvent('Run Finished', finished, 'build', { outcome: 'cancelled', reason: 'by hand' }, clock),
        ]);

        const byPipeline = await store.list({ pipeline: 'web' });
        const running = await store.list({ status: ['running'] });
        const cancelledWeb = await store.list({ pipeline: 'web', status: ['cancelled', 'failed'] });

        expect(byPipeline.runs.map((r) => r.id)).toEqual([finished.id, web.id]);
        expect(running.runs.map((r) => r.id)).toEqual([api.id, web.id]);
        expect(cancelledWeb.runs.map((r) => [r.id, r.status])).toEqual([[finished.id, 'cancelled']]);
        expect(byPipeline.cursor).toBeUndefined();
      });
    });

    describe('activeRuns', () => {
      const ids = (runs: { id: string }[]) => runs.map((r) => r.id);
      const moveTo = async (run: Run, events: Parameters<RunStore['append']>[2]): Promise<Run> => {
        const stored = (await store.get(run.id))!;
        return (await store.append(run.id, stored.version, events)).run;
      };

      it('lists the running runs of one pipeline by age, as summaries, and drops a run in the write that ends it', async () => {
        const a = await start('web');
        const b = await start('web');
        const other = await start('api');
        const ended = await start('web');
        await moveTo(ended, [
          newEvent('Run Finished', ended, 'build', { outcome: 'cancelled', reason: 'x' }, clock),
        ]);

        expect(ids(await store.activeRuns('web'))).toEqual([a.id, b.id]);
        expect(ids(await store.activeRuns('web', { order: 'newest' }))).toEqual([b.id, a.id]);
        expect(ids(await store.activeRuns('web', { order: 'oldest', limit: 1 }))).toEqual([a.id]);
        expect(ids(await store.activeRuns('web', { order: 'newest', limit: 1 }))).toEqual([b.id]);
        expect(ids(await store.activeRuns('api'))).toEqual([other.id]);
        expect(await store.activeRuns('nope')).toEqual([]);
        expect(await store.activeRuns('web', { limit: 0 })).toEqual([]);
        expect((await store.activeRuns('web'))[0]).toEqual(summarize((await store.get(a.id))!.run));
      });

      it('keys each run by its concurrency phase as it moves, and keeps its summary in step', async () => {
        const run = await start('web');
        const phaseOf = async () => {
          for (const phase of ['queued', 'in-progress', 'awaiting-production', 'production'] as const) {
            if (ids(await store.activeRuns('web', { phase })).includes(run.id)) return phase;
          }
          return undefined;
        };
        expect(await phaseOf()).toBe('queued');

        let moved = await moveTo(run, [buildStarted(run), testsPassed(run)]);
        expect(await phaseOf()).toBe('in-progress');

        moved = await moveTo(moved, [newEvent('Staging Deployed', run, 'staging', { skipped: true }, clock)]);
        expect(await phaseOf()).toBe('awaiting-production');

        moved = await moveTo(moved, [
          newEvent(
            'Canary Started',
            run,
            'canary',
            { deploymentId: 'd-1', trafficPercent: 10, intervalSeconds: 60, bakeSeconds: 180 },
            clock,
          ),
        ]);
        expect(await phaseOf()).toBe('production');
        expect(await store.activeRuns('web', { phase: 'production' })).toEqual([summarize(moved)]);

        await moveTo(moved, [
          newEvent('Run Finished', run, 'canary', { outcome: 'cancelled', reason: 'x' }, clock),
        ]);
        expect(await phaseOf()).toBeUndefined();
      });

      it('orders runs created in the same second by id, and a later second after an earlier one', async () => {
        const first = runStarted(clock, 'web');
        const second = runStarted(clock, 'web'); // same `at`, a later ULID
        clock.advance(1);
        const third = runStarted(clock, 'web');
        await store.startRuns({ provider: 'github', id: 'same-second' }, [third, second, first]);

        expect(ids(await store.activeRuns('web'))).toEqual([
          first.detail.runId,
          second.detail.runId,
          third.detail.runId,
        ]);
        expect(ids(await store.activeRuns('web', { order: 'newest', limit: 2 }))).toEqual([
          third.detail.runId,
          second.detail.runId,
        ]);
      });
    });

    describe('findRunIds', () => {
      /** Starts a run whose id is chosen: `head` padded with zeros, ending in `tail`. */
      const startWithId = async (head: string, tail: string): Promise<string> => {
        const event = runStarted(clock);
        const runId = head.padEnd(26 - tail.length, '0') + tail;
        event.detail.runId = runId;
        await store.startRuns({ provider: 'github', id: `delivery-${runId}` }, [event]);
        return runId;
      };

      it('finds a run by its whole id, by any tail of it and by the start of its short id', async () => {
        const run = await start();

        expect(await store.findRunIds(run.id, 10)).toEqual([run.id]);
        expect(await store.findRunIds(run.id.slice(-8), 10)).toEqual([run.id]);
        expect(await store.findRunIds(run.id.slice(-4), 10)).toEqual([run.id]);
        expect(await store.findRunIds(run.id.slice(-8, -4), 10)).toEqual([run.id]);
      });

      it('lists every run the text names, newest first, and at most `limit`', async () => {
        const oldest = await startWithId('01JQ1', 'AB766747SE');
        const other = await startWithId('01JQ2', 'CD000000XY');
        const middle = await startWithId('01JQ3', 'CD766747SE');
        const newest = await startWithId('01JQ4', 'EF766747SE');

        expect(await store.findRunIds('766747SE', 10)).toEqual([newest, middle, oldest]);
        expect(await store.findRunIds('766747SE', 2)).toEqual([newest, middle]);
        expect(await store.findRunIds('CD766747SE', 10)).toEqual([middle]);
        expect(await store.findRunIds('XY', 10)).toEqual([other]);
        expect(await store.findRunIds('0000', 10)).toEqual([other]);
      });

      it('matches the start of the short id and the end of the id only, with their case', async () => {
        const run = await startWithId('01JQ5', '766747SE');

        expect(await store.findRunIds('7667', 10)).toEqual([run]);
        expect(await store.findRunIds('6747', 10)).toEqual([]);
        expect(await store.findRunIds('766747se', 10)).toEqual([]);
        expect(await store.findRunIds('01JQ5', 10)).toEqual([]);
        expect(await store.findRunIds(run, 10)).toEqual([run]);
      });

      it('returns nothing for a tail no run has', async () => {
        await start();

        expect(await store.findRunIds('ZZZZZZZZ', 10)).toEqual([]);
      });
    });

    describe('refs', () => {
      it('finds the run an external job was linked to', async () => {
        const run = await start();

        await store.link({ kind: 'build', id: 'pushline-web:1234' }, run.id);

        expect(await store.findByRef({ kind: 'build', id: 'pushline-web:1234' })).toBe(run.id);
        expect(await store.findByRef({ kind: 'deployment', id: 'pushline-web:1234' })).toBeUndefined();
      });
    });

    describe('notes', () => {
      it('keeps a run’s notes in the order they were added without changing the run', async () => {
        const run = await start();

        await store.addNote(run.id, { at: clock.now().toISOString(), kind: 'dead-letter', message: 'first' });
        await store.addNote(run.id, { at: clock.now().toISOString(), kind: 'notify', message: 'second' });

        expect((await store.notes(run.id)).map((n) => [n.kind, n.message])).toEqual([
          ['dead-letter', 'first'],
          ['notify', 'second'],
        ]);
        expect((await store.get(run.id))?.version).toBe(1);
      });
    });

    describe('attributes', () => {
      it('overwrites a key without ifAbsent', async () => {
        const run = await start();

        expect(await store.setAttribute(run.id, 'slack.ts', '1.1')).toBe(true);
        expect(await store.setAttribute(run.id, 'slack.ts', '1.2')).toBe(true);

        expect(await store.getAttribute(run.id, 'slack.ts')).toBe('1.2');
      });

      it('claims a key once with ifAbsent, even when two claims race', async () => {
        const run = await start();

        const claims = await Promise.all([
          store.setAttribute(run.id, 'announced:e1', 'a', { ifAbsent: true }),
          store.setAttribute(run.id, 'announced:e1', 'b', { ifAbsent: true }),
        ]);
        const later = await store.setAttribute(run.id, 'announced:e1', 'c', { ifAbsent: true });

        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(later).toBe(false);
        expect(await store.getAttribute(run.id, 'announced:e1')).toBe(claims[0] ? 'a' : 'b');
      });
    });

    describe('pipeline state', () => {
      const frozen = (by: string) => ({
        frozen: { by, reason: 'release freeze', at: clock.now().toISOString() },
      });

      it('is empty at version 0 for a pipeline never written', async () => {
        expect(await store.getPipelineState('web')).toEqual({ state: {}, version: 0 });
      });

      it('writes a pipeline’s state on the version read and returns the next version', async () => {
        // Act
        const first = await store.setPipelineState('web', frozen('Priya'), { expectedVersion: 0 });
        const second = await store.setPipelineState('web', {}, { expectedVersion: first });

        // Assess
        expect([first, second]).toEqual([1, 2]);
        expect(await store.getPipelineState('web')).toEqual({ state: {}, version: 2 });
      });

      it('keeps each pipeline’s state apart', async () => {
        // Act
        await store.setPipelineState('web', frozen('Priya'), { expectedVersion: 0 });

        // Assess
        expect((await store.getPipelineState('web')).state).toEqual(frozen('Priya'));
        expect(await store.getPipelineState('api')).toEqual({ state: {}, version: 0 });
      });

      it('refuses a write on a version that is no longer current, writing nothing', async () => {
        // Prepare
        await store.setPipelineState('web', frozen('Priya'), { expectedVersion: 0 });

        // Act / Assess
        await expect(store.setPipelineState('web', frozen('Tomás'), { expectedVersion: 0 })).rejects.toThrow(
          ConcurrencyError,
        );
        await expect(store.setPipelineState('web', frozen('Tomás'), { expectedVersion: 2 })).rejects.toThrow(
          ConcurrencyError,
        );
        expect(await store.getPipelineState('web')).toEqual({ state: frozen('Priya'), version: 1 });
      });

      it('lets one of two writers racing on the same version win', async () => {
        // Act
        const writes = await Promise.allSettled([
          store.setPipelineState('web', frozen('Priya'), { expectedVersion: 0 }),
          store.setPipelineState('web', frozen('Tomás'), { expectedVersion: 0 }),
        ]);

        // Assess
        expect(writes.filter((w) => w.status === 'fulfilled')).toHaveLength(1);
        const lost = writes.find((w) => w.status === 'rejected') as PromiseRejectedResult;
        expect(lost.reason).toBeInstanceOf(ConcurrencyError);
        expect((await store.getPipelineState('web')).version).toBe(1);
      });
    });
  });
}
