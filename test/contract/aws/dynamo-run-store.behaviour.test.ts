import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { recordEvents } from '../../../shared/app/record-events.ts';
import { DynamoRunStore } from '../../../shared/aws/dynamo-run-store.ts';
import { ConcurrencyError, ValidationError } from '../../../shared/domain/errors.ts';
import { startMoto } from '../../support/moto.ts';
import { startLocalDynamo } from './support/dynalite-server.ts';
import { buildStarted, runStarted, tickingClock } from './support/events.ts';
import { createPushlineTable, localClient } from './support/pushline-table.ts';

/**
 * DynamoDB's own behaviour the store relies on — transactions with conditions, conditional
 * failures under contention, pagination — over real HTTP against two implementations that are not
 * the store: moto (independent of us, transactions included) and dynalite (in-process; its
 * `TransactWriteItems` is our shim in support/dynalite-server.ts, so moto is the one that proves
 * the transactions; dynalite stays because the handler tests and simulations run on it in
 * milliseconds and count its requests).
 */
const BACKENDS: [string, () => Promise<{ endpoint: string; close(): Promise<void> }>][] = [
  // One request at a time: moto's transactions are not isolated from concurrent ones, DynamoDB's are.
  ['moto', () => startMoto({ serial: true })],
  ['dynalite', startLocalDynamo],
];

describe.each(BACKENDS)('DynamoRunStore against %s over HTTP', (_name, start) => {
  let dynamo: { endpoint: string; close(): Promise<void> };
  let client: DynamoDBClient;
  const clock = tickingClock();

  const freshStore = async () =>
    new DynamoRunStore({ client, tableName: await createPushlineTable(client), clock });

  beforeAll(async () => {
    dynamo = await start();
    client = localClient(dynamo.endpoint);
  });
  afterAll(async () => {
    client.destroy();
    await dynamo.close();
  });

  it('reads a run stored before the approval gate existed, with the gate filled in', async () => {
    // Prepare: the snapshot as an earlier Pushline wrote it, without the approval stage
    const tableName = await createPushlineTable(client);
    const store = new DynamoRunStore({ client, tableName, clock });
    await store.startRuns({ id: 'd-old', provider: 'github' }, [runStarted({ runId: '01RUNOLD' })]);
    const documents = DynamoDBDocumentClient.from(client);
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'RUN#01RUNOLD', sk: 'RUN' } }),
    );
    const { approval: _gate, ...stages } = (Item!.run as { stages: Record<string, unknown> }).stages;
    await documents.send(
      new PutCommand({ TableName: tableName, Item: { ...Item, run: { ...Item!.run, stages } } }),
    );

    // Act
    const one = (await store.get('01RUNOLD'))!.run;
    const listed = (await store.list({})).runs;

    // Assess
    expect(one.stages.approval).toEqual({ status: 'pending' });
    expect(listed[0]!.stages.approval).toEqual({ status: 'pending' });
  });

  it('starts the runs of a delivery once and returns the original ids on redelivery', async () => {
    const store = await freshStore();
    const events = [runStarted({ runId: '01RUNA' }), runStarted({ runId: '01RUNB', pipeline: 'api' })];

    const first = await store.startRuns({ id: 'd-1', provider: 'github' }, events);
    const again = await store.startRuns({ id: 'd-1', provider: 'github' }, [runStarted({ runId: '01RUNC' })]);

    expect(first).toEqual({ created: true, runIds: ['01RUNA', '01RUNB'] });
    expect(again).toEqual({ created: false, runIds: ['01RUNA', '01RUNB'] });
    expect(await store.get('01RUNC')).toBeUndefined();
    expect((await store.get('01RUNA'))?.version).toBe(1);
    expect((await store.log('01RUNB')).map((e) => [e.seq, e.detailType, e.disposition])).toEqual([
      [1, 'Run Started', 'applied'],
    ]);
  });

  it('writes nothing of a delivery when one of its runs already exists', async () => {
    const store = await freshStore();
    await store.startRuns({ id: 'd-1', provider: 'github' }, [runStarted({ runId: '01RUNA' })]);

    const attempt = store.startRuns({ id: 'd-2', provider: 'github' }, [
      runStarted({ runId: '01RUNB' }),
      runStarted({ runId: '01RUNA' }),
    ]);

    await expect(attempt).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.get('01RUNB')).toBeUndefined();
    const retry = await store.startRuns({ id: 'd-2', provider: 'github' }, [runStarted({ runId: '01RUNB' })]);
    expect(retry.created).toBe(true);
  });

  it('refuses an append at a stale version and writes nothing', async () => {
    const store = await freshStore();
    await store.startRuns({ id: 'd', provider: 'github' }, [runStarted({ runId: '01RUN' })]);
    const { run } = (await store.get('01RUN'))!;
    await store.append('01RUN', 1, [buildStarted(run, clock, 'b:1')]);

    const stale = store.append('01RUN', 1, [buildStarted(run, clock, 'b:2')]);

    await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
    const stored = await store.get('01RUN');
    expect(stored?.version).toBe(2);
    expect(stored?.run.build?.buildId).toBe('b:1');
    expect(await store.log('01RUN')).toHaveLength(2);
  });

  it('lets exactly one of two concurrent writers at the same version win', async () => {
    const table = await createPushlineTable(client);
    const writerA = new DynamoRunStore({ client, tableName: table, clock });
    const writerB = new DynamoRunStore({ client: localClient(dynamo.endpoint), tableName: table, clock });
    await writerA.startRuns({ id: 'd', provider: 'github' }, [runStarted({ runId: '01RUN' })]);
    const { run } = (await writerA.get('01RUN'))!;

    const results = await Promise.allSettled([
      writerA.append('01RUN', 1, [buildStarted(run, clock, 'a:1')]),
      writerB.append('01RUN', 1, [buildStarted(run, clock, 'b:1')]),
    ]);

    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
    const log = await writerB.log('01RUN');
    expect(log.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('turns the conditional write failing after a clean read into a ConcurrencyError', async () => {
    const table = await createPushlineTable(client);
    const writerA = new DynamoRunStore({ client, tableName: table, clock });
    const slowClient = localClient(dynamo.endpoint);
    const writerB = new DynamoRunStore({ client: slowClient, tableName: table, clock });
    await writerA.startRuns({ id: 'd', provider: 'github' }, [runStarted({ runId: '01RUN' })]);
    const { run } = (await writerA.get('01RUN'))!;
    // B has read v1 and folded; A appends before B's transaction reaches the table.
    slowClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') {
          await writerA.append('01RUN', 1, [buildStarted(run, clock, 'a:1')]);
        }
        return next(args);
      },
      { step: 'initialize', name: 'letWriterAWin' },
    );

    const lost = writerB.append('01RUN', 1, [buildStarted(run, clock, 'b:1')]);

    await expect(lost).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(lost).rejects.toHaveProperty('cause.name', 'TransactionCanceledException');
    expect((await writerA.get('01RUN'))?.run.build?.buildId).toBe('a:1');
    expect(await writerA.log('01RUN')).toHaveLength(2);
    slowClient.destroy();
  });

  it('re-reads and re-decides after losing a race (recordEvents)', async () => {
    const table = await createPushlineTable(client);
    const store = new DynamoRunStore({ client, tableName: table, clock });
    const rival = new DynamoRunStore({ client, tableName: table, clock });
    await store.startRuns({ id: 'd', provider: 'github' }, [runStarted({ runId: '01RUN' })]);
    let decisions = 0;

    const result = await recordEvents(store, '01RUN', async (run) => {
      decisions++;
      if (decisions === 1) await rival.append('01RUN', 1, [buildStarted(run, clock, 'rival:1')]);
      return run.build ? [] : [buildStarted(run, clock, 'mine:1')];
    });

    expect(decisions).toBe(2);
    expect(result).toBeUndefined();
    expect((await store.get('01RUN'))?.run.build?.buildId).toBe('rival:1');
  });

  it('skips duplicates and logs ignored events with their reason', async () => {
    const store = await freshStore();
    await store.startRuns({ id: 'd', provider: 'github' }, [runStarted({ runId: '01RUN' })]);
    const { run } = (await store.get('01RUN'))!;
    const started = buildStarted(run, clock, 'b:1');
    await store.append('01RUN', 1, [started]);

    const result = await store.append('01RUN', 2, [started, buildStarted(run, clock, 'b:2')]);

    expect(result.version).toBe(3);
    expect(result.entries.map((e) => [e.seq, e.disposition])).toEqual([[3, 'ignored']]);
    const log = await store.log('01RUN');
    expect(log[2]?.reason).toMatch(/Build Started does not fit/);
  });

  it('lists runs newest first, per pipeline and in all, across pages with exact cursors', async () => {
    const store = await freshStore();
    const ids = ['01A', '01B', '01C', '01D', '01E', '01F', '01G'];
    for (const [i, id] of ids.entries()) {
      await store.startRuns({ id: `d-${id}`, provider: 'github' }, [
        runStarted({ runId: id, pipeline: i % 2 === 0 ? 'web' : 'api' }),
      ]);
    }

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 3, ...(cursor ? { cursor } : {}) });
      pages.push(page.runs.map((r) => r.id));
      cursor = page.cursor;
    } while (cursor);
    const web = await store.list({ pipeline: 'web', limit: 4 });

    expect(pages).toEqual([['01G', '01F', '01E'], ['01D', '01C', '01B'], ['01A']]);
    expect(web.runs.map((r) => r.id)).toEqual(['01G', '01E', '01C', '01A']);
    expect(web.cursor).toBeUndefined();
  });

  it('filters by status without losing matches across pages', async () => {
    const store = await freshStore();
    for (const id of ['01A', '01B', '01C', '01D', '01E']) {
      await store.startRuns({ id: `d-${id}`, provider: 'github' }, [runStarted({ runId: id })]);
    }
    for (const id of ['01B', '01D']) {
      const { run, version } = (await store.get(id))!;
      const finished = {
        detailType: 'Run Finished',
        detail: { ...buildStarted(run, clock).detail, stage: 'build', data: { outcome: 'failed' } },
      } as const;
      await store.append(id, version, [finished as never]);
    }

    const first = await store.list({ status: ['failed'], limit: 1 });
    const second = await store.list({ status: ['failed'], limit: 1, cursor: first.cursor! });
    const none = await store.list({ status: [] });

    expect(first.runs.map((r) => r.id)).toEqual(['01D']);
    expect(second.runs.map((r) => r.id)).toEqual(['01B']);
    expect(second.cursor).toBeUndefined();
    expect(none.runs).toEqual([]);
    await expect(store.list({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('keeps refs, notes and attributes, and claims an attribute once', async () => {
    const store = await freshStore();
    await store.startRuns({ id: 'd', provider: 'github' }, [runStarted({ runId: '01RUN' })]);

    await store.link({ kind: 'build', id: 'web:42' }, '01RUN');
    await store.addNote('01RUN', { at: '2025-03-14T09:30:00Z', kind: 'notify', message: 'slack failed' });
    await store.addNote('01RUN', { at: '2025-03-14T09:30:00Z', kind: 'notify', message: 'second' });
    await store.addNote('01MISSING', { at: '2025-03-14T09:30:00Z', kind: 'notify', message: 'lost' });
    const claims = [
      await store.setAttribute('01RUN', 'slack.ts', '123.45', { ifAbsent: true }),
      await store.setAttribute('01RUN', 'slack.ts', '999.99', { ifAbsent: true }),
      await store.setAttribute('01MISSING', 'slack.ts', '1'),
    ];

    expect(await store.findByRef({ kind: 'build', id: 'web:42' })).toBe('01RUN');
    expect(await store.findByRef({ kind: 'deployment', id: 'web:42' })).toBeUndefined();
    expect((await store.notes('01RUN')).map((n) => n.message)).toEqual(['slack failed', 'second']);
    expect(await store.notes('01MISSING')).toEqual([]);
    expect(claims).toEqual([true, false, false]);
    expect(await store.getAttribute('01RUN', 'slack.ts')).toBe('123.45');
  });

  it('stores an empty commit message and reads it back', async () => {
    const store = await freshStore();

    await store.startRuns({ id: 'd', provider: 'github' }, [runStarted({ runId: '01RUN', message: '' })]);

    expect((await store.get('01RUN'))?.run.source.message).toBe('');
  });
});
