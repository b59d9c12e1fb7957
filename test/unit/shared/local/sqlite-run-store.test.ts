import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { SqliteRunStore } from '../../../../shared/local/sqlite-run-store.ts';
import { MIGRATIONS } from '../../../../shared/local/sqlite-schema.ts';
import { ContractClock, describeRunStoreContract, runStarted } from '../../../contract/run-store.contract.ts';
import { runEvents } from '../../../support/runs.ts';

describeRunStoreContract('SqliteRunStore', (clock) => new SqliteRunStore({ file: ':memory:', clock }));

describe('SqliteRunStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pushline-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens a file in WAL mode at the latest schema version and keeps runs across reopening', async () => {
    const file = join(dir, 'reopen.db');
    const clock = new ContractClock();
    const first = new SqliteRunStore({ file, clock });
    const event = runStarted(clock);
    await first.startRuns({ provider: 'github', id: 'd1' }, [event]);
    first.close();

    const second = new SqliteRunStore({ file, clock });

    expect(second.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(second.db.pragma('synchronous', { simple: true })).toBe(1);
    expect(second.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect((await second.get(event.detail.runId))?.version).toBe(1);
    expect(await second.startRuns({ provider: 'github', id: 'd1' }, [runStarted(clock)])).toEqual({
      created: false,
      runIds: [event.detail.runId],
    });
    second.close();
  });

  it('reads a run stored before the approval gate existed, with the gate filled in', async () => {
    // Prepare: a running run and a finished one, their snapshots as an earlier Pushline wrote them
    const clock = new ContractClock();
    const store = new SqliteRunStore({ file: ':memory:', clock });
    const running = runStarted(clock);
    const finished = runStarted(clock);
    await store.startRuns({ provider: 'github', id: 'old-1' }, [running]);
    await store.startRuns({ provider: 'github', id: 'old-2' }, [finished]);
    for (const [event, status] of [
      [running, 'running'],
      [finished, 'failed'],
    ] as const) {
      const { run } = (await store.get(event.detail.runId))!;
      const { approval: _gate, ...stages } = run.stages;
      store.db
        .prepare('UPDATE runs SET snapshot = ? WHERE id = ?')
        .run(JSON.stringify({ ...run, status, stages }), run.id);
    }

    // Act
    const one = (await store.get(running.detail.runId))!.run;
    const listed = (await store.list({})).runs;

    // Assess
    expect(one.stages.approval).toEqual({ status: 'pending' });
    expect(listed.find((r) => r.id === finished.detail.runId)!.stages.approval).toEqual({
      status: 'skipped',
    });
    store.close();
  });

  it('upgrades a schema-2 file in place: its running runs join the active-run index, its finished ones do not', async () => {
    // Prepare: a file as Pushline wrote it before schema 3, with a running and a finished run
    const file = join(dir, 'schema-2.db');
    const clock = new ContractClock();
    const running = runStarted(clock);
    const finished = runStarted(clock);
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    for (const migration of MIGRATIONS.slice(0, 2)) old.exec(migration);
    old.pragma('user_version = 2');
    for (const [event, status] of [
      [running, 'running'],
      [finished, 'failed'],
    ] as const) {
      const scratch = new SqliteRunStore({ file: ':memory:', clock });
      await scratch.startRuns({ provider: 'github', id: event.detail.eventId }, [event]);
      const { run } = (await scratch.get(event.detail.runId))!;
      scratch.close();
      old
        .prepare(
          'INSERT INTO runs (id, pipeline, status, created_at, version, snapshot) VALUES (?, ?, ?, ?, 1, ?)',
        )
        .run(run.id, run.pipeline, status, run.createdAt, JSON.stringify({ ...run, status }));
    }
    old.close();

    // Act
    const store = new SqliteRunStore({ file, clock });

    // Assess
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect((await store.activeRuns('web')).map((r) => [r.id, r.status])).toEqual([
      [running.detail.runId, 'running'],
    ]);
    expect(await store.activeRuns('web', { phase: 'queued' })).toHaveLength(1);
    store.close();
  });

  it('refuses a database written by a newer Pushline', () => {
    const file = join(dir, 'newer.db');
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();

    expect(() => new SqliteRunStore({ file })).toThrow(/newer than this Pushline/);
  });

  it('keeps applied entries undispatched until marked, and ignored ones out of the outbox', async () => {
    const clock = new ContractClock();
    const store = new SqliteRunStore({ file: ':memory:', clock });
    const committed: string[][] = [];
    store.onCommitted((runIds) => committed.push([...runIds]));
    const event = runStarted(clock);
    const runId = event.detail.runId;
    await store.startRuns({ provider: 'github', id: 'd1' }, [event]);
    const run = (await store.get(runId))!.run;
    const stray = { ...event, detail: { ...event.detail, eventId: 'stray' } };

    await store.append(runId, 1, [stray]);
    const before = store.undispatched();
    store.markDispatched(runId, 1);

    expect(before.map((e) => [e.runId, e.seq, e.event.detailType])).toEqual([[runId, 1, 'Run Started']]);
    expect(before[0]?.event.detail).toEqual(event.detail);
    expect(store.undispatched()).toEqual([]);
    expect(committed).toEqual([[runId]]);
    expect(run.id).toBe(runId);
    store.close();
  });

  it('refuses a cursor it did not return', async () => {
    const store = new SqliteRunStore({ file: ':memory:' });

    await expect(store.list({ cursor: 'not a cursor' })).rejects.toThrow(/not a cursor/);
    await expect(store.list({ cursor: 'abc' })).rejects.toThrow(/not a cursor/);
    store.close();
  });

  it('prunes finished runs created before a date with everything beside them, in batches, keeping what it is told', async () => {
    const clock = new ContractClock();
    const store = new SqliteRunStore({ file: ':memory:', clock });
    const seed = async (progress: 'failed' | 'building', at: Date) => {
      const [first, ...rest] = runEvents(progress, { createdAt: at });
      const runId = first!.detail.runId;
      await store.startRuns({ provider: 'github', id: `d-${runId}` }, [first!]);
      await store.append(runId, 1, rest);
      await store.link({ kind: 'build', id: `b-${runId}` }, runId);
      await store.addNote(runId, { at: at.toISOString(), kind: 'note', message: 'hello' });
      await store.setAttribute(runId, 'k', 'v');
      return runId;
    };
    const day = (n: number) => new Date(Date.parse('2025-03-01T09:00:00.000Z') + n * 86_400_000);
    const old = [await seed('failed', day(0)), await seed('failed', day(1)), await seed('failed', day(2))];
    const kept = await seed('failed', day(0));
    const running = await seed('building', day(0));
    const recent = await seed('failed', day(9));
    clock.advance(10 * 86_400);

    const first = store.pruneRuns({ startedBefore: day(5), keep: new Set([kept]), limit: 2 });
    const second = store.pruneRuns({ startedBefore: day(5), keep: new Set([kept]), limit: 2 });

    expect([...first, ...second].sort()).toEqual([...old].sort());
    expect(second).toHaveLength(1);
    for (const id of old) {
      expect(await store.get(id)).toBeUndefined();
      expect(await store.log(id)).toEqual([]);
      expect(await store.notes(id)).toEqual([]);
      expect(await store.getAttribute(id, 'k')).toBeUndefined();
      expect(await store.findByRef({ kind: 'build', id: `b-${id}` })).toBeUndefined();
    }
    for (const id of [kept, running, recent]) expect(await store.get(id)).toBeDefined();
    // Deliveries are remembered by when they were seen (the store's clock: all at 2025-03-01).
    const table = store.db.prepare('SELECT COUNT(*) AS n FROM deliveries').get() as { n: number };
    expect(table.n).toBe(0);
    store.close();
  });
});
