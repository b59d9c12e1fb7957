import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { CONCURRENCY_PHASES, type RunSummary, summarize } from '../domain/concurrency.ts';
import type { Run } from '../domain/run.ts';
import { runIdMatches } from '../domain/run-id.ts';
import type { ActiveRunQuery } from '../ports/run-store.ts';
import { asTransient } from './dynamo-errors.ts';
import { activePk, INDEX } from './dynamo-items.ts';

type Item = Record<string, unknown>;

/**
 * The store's paginated queries. DynamoDB applies `Limit` *before* a `FilterExpression`, so a
 * page of "failed runs" may come back short or empty while more exist; `page` keeps reading
 * until it has `limit` matches, asking each time for no more items than it still needs so that
 * `LastEvaluatedKey` never skips a match, and only hands out a cursor when a match lies beyond.
 */
export class RunQueries {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Every item of one partition whose sort key starts with `prefix`, in sort-key order. */
  async partition(pk: string, prefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.query({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Up to `limit` runs of an index, newest first, and the key to continue from if more match. */
  async page(
    base: QueryCommandInput,
    options: { limit: number; statuses?: readonly Run['status'][] | undefined; startKey?: Item | undefined },
  ): Promise<{ items: Item[]; lastKey?: Item }> {
    if (options.statuses?.length === 0) return { items: [] };
    const filtered = withStatusFilter(base, options.statuses);
    const items: Item[] = [];
    let startKey = options.startKey;
    while (items.length < options.limit) {
      const page = await this.query({
        ...filtered,
        ScanIndexForward: false,
        Limit: options.limit - items.length,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
      if (!startKey) return { items };
    }
    return (await this.anyFrom(filtered, startKey)) ? { items, lastKey: startKey } : { items };
  }

  /**
   * The run ids (`gsi2sk`) of the `allRuns` index that `partial` names (`runIdMatches`), newest
   * first. DynamoDB has no `ends_with`, and a `FilterExpression` costs what it reads, so
   * this reads the whole index (keys only projected, but a query is billed on the size of the items
   * read: about one read unit per 4 KB of snapshots, eventually consistent halves it) and filters
   * here, stopping once `limit` ids are found. Acceptable for a person naming a run now and then
   * (`pushline show`, the API); nothing on a run's path calls it.
   */
  async runIdsMatching(index: string, partial: string, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.query({
        TableName: this.table,
        IndexName: index,
        KeyConditionExpression: 'gsi2pk = :key',
        ExpressionAttributeValues: { ':key': 'RUN' },
        ProjectionExpression: 'gsi2sk',
        ScanIndexForward: false,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      for (const item of page.Items ?? []) {
        const id = String(item.gsi2sk);
        if (runIdMatches(id, partial)) ids.push(id);
        if (ids.length >= limit) return ids;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return ids;
  }

  /**
   * `RunStore.activeRuns` from the sparse `activeRuns` index: one query per phase asked (all four,
   * in parallel, when none is named), each reading no more than `limit` small items, merged by age.
   */
  async active(pipeline: string, query: ActiveRunQuery): Promise<RunSummary[]> {
    const oldestFirst = query.order !== 'newest';
    const limit = query.limit === undefined ? undefined : Math.max(0, Math.trunc(query.limit));
    if (limit === 0) return [];
    const phases = query.phase ? [query.phase] : CONCURRENCY_PHASES;
    const perPhase = await Promise.all(
      phases.map((phase) => this.activeOfPhase(activePk(pipeline, phase), oldestFirst, limit)),
    );
    const items = perPhase.flat().sort((a, b) => {
      const order = String(a.gsi3sk) < String(b.gsi3sk) ? -1 : String(a.gsi3sk) > String(b.gsi3sk) ? 1 : 0;
      return oldestFirst ? order : -order;
    });
    return (limit === undefined ? items : items.slice(0, limit)).map((item) =>
      summarize(item.summary as RunSummary),
    );
  }

  private async activeOfPhase(key: string, oldestFirst: boolean, limit: number | undefined): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.query({
        TableName: this.table,
        IndexName: INDEX.activeRuns,
        KeyConditionExpression: 'gsi3pk = :key',
        ExpressionAttributeValues: { ':key': key },
        ScanIndexForward: oldestFirst,
        ...(limit === undefined ? {} : { Limit: limit - items.length }),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && (limit === undefined || items.length < limit));
    return items;
  }

  /** Whether at least one matching item lies after `startKey` (DynamoDB returns a key even at the end). */
  private async anyFrom(base: QueryCommandInput, startKey: Item | undefined): Promise<boolean> {
    while (startKey) {
      const page = await this.query({
        ...base,
        ScanIndexForward: false,
        Limit: 25,
        ExclusiveStartKey: startKey,
      });
      if ((page.Items ?? []).length > 0) return true;
      startKey = page.LastEvaluatedKey;
    }
    return false;
  }

  private async query(input: QueryCommandInput) {
    try {
      return await this.doc.send(new QueryCommand(input));
    } catch (error) {
      throw asTransient(error, 'Query');
    }
  }
}

function withStatusFilter(base: QueryCommandInput, statuses?: readonly Run['status'][]): QueryCommandInput {
  if (!statuses || statuses.length === 0) return base;
  const values = Object.fromEntries(statuses.map((status, i) => [`:s${i}`, status]));
  return {
    ...base,
    FilterExpression: `#status IN (${Object.keys(values).join(', ')})`,
    ExpressionAttributeNames: { ...base.ExpressionAttributeNames, '#status': 'status' },
    ExpressionAttributeValues: { ...base.ExpressionAttributeValues, ...values },
  };
}
