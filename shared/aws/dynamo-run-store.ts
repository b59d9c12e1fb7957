import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { foldForAppend, startEntry } from '../app/fold-for-append.ts';
import { monotonicUlid } from '../app/new-event.ts';
import type { RunSummary } from '../domain/concurrency.ts';
import { ConcurrencyError, ValidationError } from '../domain/errors.ts';
import type { PipelineState } from '../domain/production-hold.ts';
import { applyEvent, type Run, withEveryStage } from '../domain/run.ts';
import { ULID_LENGTH } from '../domain/run-id.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type {
  ActiveRunQuery,
  AppendResult,
  ExternalRef,
  LogEntry,
  RunNote,
  RunQuery,
  RunStore,
  StartRunsResult,
  StoredPipelineState,
  StoredRun,
} from '../ports/run-store.ts';
import { asTransient, cancellationReasons, isConditionFailure } from './dynamo-errors.ts';
import {
  attrSk,
  decodeCursor,
  deliveryPk,
  encodeCursor,
  INDEX,
  ItemKind,
  logItem,
  noteSk,
  PIPELINE_STATE_SK,
  pipelinePk,
  plain,
  refPk,
  runPk,
  SNAPSHOT_SK,
  type SnapshotItem,
  snapshotItem,
  toLogEntry,
  toNote,
} from './dynamo-items.ts';
import { RunQueries } from './dynamo-run-queries.ts';

/** A transaction holds at most 100 items; one is the snapshot, the rest log entries. */
const MAX_TRANSACTION_ITEMS = 100;
const DAY_SECONDS = 86_400;
/** A run id is a ULID: a tail this long is a whole id, found with one `GetItem`. */

export interface DynamoRunStoreOptions {
  client: DynamoDBDocumentClient | DynamoDBClient;
  tableName: string;
  clock?: Clock;
  /** How long a delivery id is remembered for dedupe (TTL). GitHub redelivers for up to 3 days. */
  deliveryTtlSeconds?: number;
}

/**
 * The run store and event log on DynamoDB (single table, see `dynamo-items.ts`). Appends are one
 * `TransactWriteItems`: the snapshot's `Put` is conditional on the version read, the log entries'
 * `Put`s on being new, so two writers racing on a run cannot both win:
 *
 *   A: Get v3 ─ fold ─ Transact[Put snapshot if version=3, Put LOG#4] ✓  → v4
 *   B: Get v3 ─ fold ─ Transact[Put snapshot if version=3, Put LOG#4] ✗  → ConcurrencyError
 *
 * Applied log entries are published by the table's stream (→ EventBridge Pipes → the bus), so a
 * crash after the write cannot lose an event, and nothing unwritten is ever published.
 */
export class DynamoRunStore implements RunStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly clock: Clock;
  private readonly deliveryTtl: number;
  private readonly queries: RunQueries;
  private readonly ulid = monotonicUlid();

  constructor({
    client,
    tableName,
    clock = systemClock,
    deliveryTtlSeconds = 7 * DAY_SECONDS,
  }: DynamoRunStoreOptions) {
    this.doc = client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client);
    this.table = tableName;
    this.clock = clock;
    this.deliveryTtl = deliveryTtlSeconds;
    this.queries = new RunQueries(this.doc, tableName);
  }

  async startRuns(
    delivery: { id: string; provider: string },
    events: PipelineEvent[],
  ): Promise<StartRunsResult> {
    for (const event of events) {
      if (event.detailType !== 'Run Started') {
        throw new ValidationError(`startRuns takes Run Started events, not ${event.detailType}`);
      }
    }
    if (1 + 2 * events.length > MAX_TRANSACTION_ITEMS) {
      throw new ValidationError(`one delivery can start at most 49 runs, not ${events.length}`);
    }
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const runs = events.map((event) => applyEvent(undefined, event).run);
    const runIds = runs.map((run) => run.id);
    const TransactItems: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Put: {
          TableName: this.table,
          Item: {
            pk: deliveryPk(delivery.provider, delivery.id),
            sk: 'DELIVERY',
            kind: ItemKind.Delivery,
            runIds,
            expiresAt: now + this.deliveryTtl,
          },
          // An expired record may outlive its TTL for a while before DynamoDB deletes it.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ];
    events.forEach((event, i) => {
      const run = runs[i]!;
      TransactItems.push(
        {
          Put: {
            TableName: this.table,
            Item: snapshotItem(run, 1),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.table,
            Item: logItem(run.id, startEntry(event, this.clock.now().toISOString())),
          },
        },
      );
    });
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems }));
      return { created: true, runIds };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[0]?.Code === 'ConditionalCheckFailed') {
        return { created: false, runIds: await this.deliveryRunIds(delivery, reasons[0].Item) };
      }
      if (isConditionFailure(error)) {
        throw new ConcurrencyError(`a run of delivery ${delivery.id} already exists`, { cause: error });
      }
      throw asTransient(error, 'TransactWriteItems');
    }
  }

  async get(runId: string): Promise<StoredRun | undefined> {
    const item = await this.getItem(runPk(runId), SNAPSHOT_SK);
    if (!item) return undefined;
    const snapshot = item as unknown as SnapshotItem;
    // A snapshot written by an earlier version lacks the stages added since (the gate).
    return { run: withEveryStage(snapshot.run), version: snapshot.version };
  }

  async append(runId: string, expectedVersion: number, events: PipelineEvent[]): Promise<AppendResult> {
    const stored = await this.get(runId);
    if (!stored || stored.version !== expectedVersion) {
      throw new ConcurrencyError(`run ${runId} is not at version ${expectedVersion}`, {
        runId,
        expectedVersion,
      });
    }
    const { run, entries } = foldForAppend(
      stored.run,
      expectedVersion,
      events,
      this.clock.now().toISOString(),
    );
    if (entries.length === 0) return { run, version: expectedVersion, entries };
    if (entries.length + 1 > MAX_TRANSACTION_ITEMS) {
      throw new ValidationError(`one append can write at most 99 events, not ${entries.length}`);
    }
    const version = expectedVersion + entries.length;
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: snapshotItem(run, version),
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': expectedVersion },
              },
            },
            ...entries.map((entry) => ({
              Put: {
                TableName: this.table,
                Item: logItem(runId, entry),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            })),
          ],
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConcurrencyError(`run ${runId} moved past version ${expectedVersion}`, {
          runId,
          expectedVersion,
          cause: error,
        });
      }
      throw asTransient(error, 'TransactWriteItems');
    }
    return { run, version, entries };
  }

  async log(runId: string): Promise<LogEntry[]> {
    return (await this.queries.partition(runPk(runId), 'LOG#')).map(toLogEntry);
  }

  async list(query: RunQuery = {}): Promise<{ runs: Run[]; cursor?: string }> {
    const base: QueryCommandInput = query.pipeline
      ? {
          TableName: this.table,
          IndexName: INDEX.byPipeline,
          KeyConditionExpression: 'gsi1pk = :key',
          ExpressionAttributeValues: { ':key': query.pipeline },
        }
      : {
          TableName: this.table,
          IndexName: INDEX.allRuns,
          KeyConditionExpression: 'gsi2pk = :key',
          ExpressionAttributeValues: { ':key': 'RUN' },
        };
    const page = await this.queries.page(base, {
      limit: query.limit ?? 50,
      statuses: query.status,
      startKey: query.cursor ? decodeCursor(query.cursor) : undefined,
    });
    const runs = page.items.map((item) => withEveryStage((item as unknown as SnapshotItem).run));
    return page.lastKey ? { runs, cursor: encodeCursor(page.lastKey) } : { runs };
  }

  activeRuns(pipeline: string, query: ActiveRunQuery = {}): Promise<RunSummary[]> {
    return this.queries.active(pipeline, query);
  }

  /**
   * A whole id is one `GetItem`; anything shorter reads the `allRuns` index's keys and filters them
   * (see `RunQueries.runIdsMatching` for the cost): fine for a person naming a run, not for a hot path.
   */
  async findRunIds(partial: string, limit: number): Promise<string[]> {
    if (partial.length === 0 || limit < 1) return [];
    if (partial.length === ULID_LENGTH) return (await this.get(partial)) ? [partial] : [];
    return this.queries.runIdsMatching(INDEX.allRuns, partial, limit);
  }

  async link(ref: ExternalRef, runId: string): Promise<void> {
    await this.put({ pk: refPk(ref.kind, ref.id), sk: 'REF', kind: ItemKind.Ref, runId });
  }

  async findByRef(ref: ExternalRef): Promise<string | undefined> {
    const item = await this.getItem(refPk(ref.kind, ref.id), 'REF');
    return item ? String(item.runId) : undefined;
  }

  async addNote(runId: string, note: RunNote): Promise<void> {
    const item = { pk: runPk(runId), sk: noteSk(this.ulid(this.clock.now().getTime())), kind: ItemKind.Note };
    // A note on a run that does not exist is dropped, as in the other stores.
    await this.putIfRunExists(runId, { ...item, at: note.at, noteKind: note.kind, message: note.message });
  }

  async notes(runId: string): Promise<RunNote[]> {
    return (await this.queries.partition(runPk(runId), 'NOTE#')).map(toNote);
  }

  async setAttribute(runId: string, key: string, value: string, options: { ifAbsent?: boolean } = {}) {
    const item = { pk: runPk(runId), sk: attrSk(key), kind: ItemKind.Attribute, value };
    return this.putIfRunExists(runId, item, options.ifAbsent ? 'attribute_not_exists(pk)' : undefined);
  }

  async getAttribute(runId: string, key: string): Promise<string | undefined> {
    const item = await this.getItem(runPk(runId), attrSk(key));
    return item ? String(item.value) : undefined;
  }

  async getPipelineState(pipeline: string): Promise<StoredPipelineState> {
    const item = await this.getItem(pipelinePk(pipeline), PIPELINE_STATE_SK);
    return item
      ? { state: item.state as PipelineState, version: Number(item.version) }
      : { state: {}, version: 0 };
  }

  async setPipelineState(
    pipeline: string,
    state: PipelineState,
    { expectedVersion }: { expectedVersion: number },
  ): Promise<number> {
    const item = {
      pk: pipelinePk(pipeline),
      sk: PIPELINE_STATE_SK,
      kind: ItemKind.Pipeline,
      pipeline,
      version: expectedVersion + 1,
      state: plain(state),
    };
    try {
      // The first write must create the item; later ones must find the version they read.
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConcurrencyError(`pipeline ${pipeline}'s state changed since version ${expectedVersion}`, {
          cause: error,
          expectedVersion,
        });
      }
      throw asTransient(error, 'PutItem');
    }
    return expectedVersion + 1;
  }

  /** Puts an item in the run's partition only if the run exists (and `condition` holds): false otherwise. */
  private async putIfRunExists(
    runId: string,
    item: Record<string, unknown>,
    condition?: string,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.table,
                Key: { pk: runPk(runId), sk: SNAPSHOT_SK },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: item,
                ...(condition ? { ConditionExpression: condition } : {}),
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw asTransient(error, 'TransactWriteItems');
    }
  }

  private async deliveryRunIds(delivery: { id: string; provider: string }, old?: Record<string, unknown>) {
    // `Item` comes back (as raw AttributeValues: the document client does not translate errors)
    // with ReturnValuesOnConditionCheckFailure; read the record when the service omits it.
    const raw = (old?.runIds as { L?: { S?: string }[] } | undefined)?.L;
    if (raw) return raw.map((value) => String(value.S));
    const item = await this.getItem(deliveryPk(delivery.provider, delivery.id), 'DELIVERY');
    return ((item?.runIds ?? []) as unknown[]).map(String);
  }

  private async getItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: true }),
      );
      return Item;
    } catch (error) {
      throw asTransient(error, 'GetItem');
    }
  }

  private async put(item: Record<string, unknown>): Promise<void> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.table, Item: plain(item) }));
    } catch (error) {
      throw asTransient(error, 'PutItem');
    }
  }
}
