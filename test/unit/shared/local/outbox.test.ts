import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { PipelineEvent } from '../../../../events/pipeline-events.ts';
import { subscribersOf } from '../../../../functions/subscriptions.ts';
import { newEvent } from '../../../../shared/app/new-event.ts';
import { recordEvents } from '../../../../shared/app/record-events.ts';
import type { Run } from '../../../../shared/domain/run.ts';
import { LocalBus } from '../../../../shared/local/local-bus.ts';
import { Outbox } from '../../../../shared/local/outbox.ts';
import { SqliteRunStore } from '../../../../shared/local/sqlite-run-store.ts';
import type { EventBus } from '../../../../shared/ports/event-bus.ts';
import { ContractClock, runStarted } from '../../../contract/run-store.contract.ts';

/** A bus that records what it was given, in order. */
class RecordingBus implements EventBus {
  readonly published: PipelineEvent[] = [];
  async publish(events: readonly PipelineEvent[]): Promise<void> {
    this.published.push(...events);
  }
  get names(): string[] {
    return this.published.map((e) => `${e.detail.runId.slice(-4)}:${e.detailType}`);
  }
}

const buildStarted = (run: Run, clock: ContractClock) =>
  newEvent('Build Started', run, 'build', { buildId: `b-${run.id}` }, clock);

async function startRun(store: SqliteRunStore, clock: ContractClock, delivery = 'd1'): Promise<Run> {
  const event = runStarted(clock);
  await store.startRuns({ provider: 'github', id: delivery }, [event]);
  return (await store.get(event.detail.runId))!.run;
}

describe('Outbox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pushline-outbox-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('publishes what was committed, after the commit, and marks it dispatched', async () => {
    const clock = new ContractClock();
    const store = new SqliteRunStore({ file: ':memory:', clock });
    const bus = new RecordingBus();
    const outbox = new Outbox({ source: store, bus });
    await outbox.start();

    const run = await startRun(store, clock);
    await store.append(run.id, 1, [buildStarted(run, clock), { ...buildStarted(run, clock) }]);
    await new Promise((resolve) => setImmediate(resolve));
    await outbox.idle();

    expect(bus.published.map((e) => e.detailType)).toEqual(['Run Started', 'Build Started']);
    expect(store.undispatched()).toEqual([]);
    await outbox.stop();
    store.close();
  });

  it('lets the event loop serve I/O while it works through a backlog: it dispatches in slices of a few ms', async () => {
    // Prepare: 300 runs committed while the outbox was stopped; each publish costs 1 ms of CPU
    const clock = new ContractClock();
    const store = new SqliteRunStore({ file: ':memory:', clock });
    for (let i = 0; i < 300; i++) await startRun(store, clock, `d-${i}`);
    const published: number[] = [];
    const busy: EventBus = {
      async publish() {
        const until = performance.now() + 1;
        while (performance.now() < until) {
          // a handler's synchronous work (SQLite calls are synchronous)
        }
        published.push(performance.now());
      },
    };
    const outbox = new Outbox({ source: store, bus: busy });

    // Act: start the drain, and count what was published when a timer due 1 ms later ran (as an
    // HTTP request waiting for its turn would)
    const draining = outbox.start();
    const doneBefore = await new Promise<number>((resolve) => setTimeout(() => resolve(published.length), 1));
    await draining;

    // Assess: the timer ran long before the work was done (not behind all 300 ms of it), and every
    // event went out. Counted, not timed: a busy machine makes the slices longer, not fewer.
    expect(doneBefore).toBeLessThan(150);
    expect(published).toHaveLength(300);
    store.close();
  });

  it('publishes a cascade of handlers in seq order, each event once, and never an ignored one', async () => {
    const clock = new ContractClock();
    const store = new SqliteRunStore({ file: ':memory:', clock });
    const bus = new LocalBus({
      subscribers: subscribersOf,
      store,
      clock,
      retryDelaysMs: [],
    });
    const outbox = new Outbox({ source: store, bus });
    const seen: string[] = [];
    bus.on('start-build', async (event) => {
      if (event.detailType !== 'Run Started') return;
      await recordEvents(store, event.detail.runId, (run) => [
        buildStarted(run, clock),
        // Does not fit (no build yet has passed): logged as ignored, never published.
        newEvent('Production Deployed', run, 'production', { deploymentId: 'p1' }, clock),
      ]);
    });
    bus.on('notify', (event) => {
      seen.push(event.detailType);
    });
    await outbox.start();

    await startRun(store, clock);
    await new Promise((resolve) => setImmediate(resolve));
    await outbox.drain();

    expect(seen).toEqual(['Run Started', 'Build Started']);
    expect(store.undispatched()).toEqual([]);
    await outbox.stop();
    store.close();
  });

  it('tries a run again later when publishing throws, and publishes it once it can', async () => {
    const clock = new ContractClock();
    const store = new SqliteRunStore({ file: ':memory:', clock });
    const bus = new RecordingBus();
    let failures = 2;
    const flaky: EventBus = {
      publish: async (events) => {
        if (failures-- > 0) throw new Error('bus unavailable');
        await bus.publish(events);
      },
    };
    const outbox = new Outbox({ source: store, bus: flaky, retryDelayMs: 5 });
    const run = await startRun(store, clock);

    await outbox.start();
    expect(bus.published).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await outbox.idle();

    expect(bus.published.map((e) => e.detail.eventId)).toEqual([run.seenEventIds[0]]);
    expect(store.undispatched()).toEqual([]);
    await outbox.stop();
    store.close();
  });

  it('drains runs side by side, so one slow run does not hold another up', async () => {
    const clock = new ContractClock();
    const store = new SqliteRunStore({ file: ':memory:', clock });
    const slow = await startRun(store, clock, 'd1');
    const fast = await startRun(store, clock, 'd2');
    let release: () => void = () => {};
    const published: string[] = [];
    const bus: EventBus = {
      publish: async (events) => {
        const runId = events[0]!.detail.runId;
        if (runId === slow.id) await new Promise<void>((resolve) => (release = resolve));
        published.push(runId);
      },
    };
    const outbox = new Outbox({ source: store, bus });

    const started = outbox.start();
    // While the slow run's publish is held, the fast one goes out (within a few turns of the event
    // loop: the outbox yields between slices, later on a loaded machine; waited for, not timed).
    const deadline = Date.now() + 5000;
    while (published.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 1));
    expect(published).toEqual([fast.id]);
    release();
    await started;

    expect(published).toEqual([fast.id, slow.id]);
    await outbox.stop();
    store.close();
  });

  it('leaves what is committed after stop for the next start', async () => {
    const clock = new ContractClock();
    const store = new SqliteRunStore({ file: ':memory:', clock });
    const bus = new RecordingBus();
    const outbox = new Outbox({ source: store, bus });
    await outbox.start();
    await outbox.stop();

    await startRun(store, clock);
    await new Promise((resolve) => setImmediate(resolve));

    expect(bus.published).toEqual([]);
    expect(store.undispatched()).toHaveLength(1);
    store.close();
  });

  it('dispatches, after a crash, what was committed but not dispatched — once', async () => {
    const file = join(dir, 'crash.db');
    const clock = new ContractClock();
    // Before the crash: the bus never returns, so nothing is marked dispatched.
    const before = new SqliteRunStore({ file, clock });
    const hung = new Outbox({ source: before, bus: { publish: () => new Promise<void>(() => {}) } });
    await hung.start();
    const run = await startRun(before, clock);
    await before.append(run.id, 1, [buildStarted(run, clock)]);
    await new Promise((resolve) => setImmediate(resolve));
    before.db.close(); // the crash: no stop, no drain

    const afterCrash = new SqliteRunStore({ file, clock });
    const bus = new RecordingBus();
    await new Outbox({ source: afterCrash, bus }).start();
    afterCrash.close();
    const again = new SqliteRunStore({ file, clock });
    const secondBus = new RecordingBus();
    await new Outbox({ source: again, bus: secondBus }).start();

    expect(bus.published.map((e) => e.detailType)).toEqual(['Run Started', 'Build Started']);
    expect(bus.published.every((e) => e.detail.runId === run.id)).toBe(true);
    expect(secondBus.published).toEqual([]);
    again.close();
  });
});
