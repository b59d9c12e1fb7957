import { createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

/**
 * A local DynamoDB for tests: dynalite over real HTTP on an ephemeral port, behind a small proxy
 * that adds the one operation dynalite 4 lacks, `TransactWriteItems`.
 *
 * The proxy serialises every request (one at a time), which makes the transaction atomic and
 * isolated: it reads each item, evaluates each condition with dynalite's own expression
 * evaluator, and only if all hold replays the writes (conditions included, which still hold
 * because nothing else ran in between). A failed condition answers exactly as DynamoDB does:
 * HTTP 400 `TransactionCanceledException` with `CancellationReasons` in request order.
 */
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
const validations = require('dynalite/validations') as {
  checkValidations(data: unknown, types: unknown, custom: unknown, store: unknown): void;
};
const dynaliteDb = require('dynalite/db') as { checkConditional(data: unknown, item: unknown): Error | null };
const OP_VALIDATIONS = {
  Put: require('dynalite/validations/putItem'),
  Update: require('dynalite/validations/updateItem'),
  Delete: require('dynalite/validations/deleteItem'),
  ConditionCheck: require('dynalite/validations/deleteItem'),
} as Record<string, { types: unknown; custom: unknown }>;
const OP_TARGET: Record<string, string | undefined> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
};

// biome-ignore lint/suspicious/noExplicitAny: raw DynamoDB wire JSON of any shape
type Json = Record<string, any>;

export interface LocalDynamo {
  endpoint: string;
  /** Requests served, by operation name (to assert e.g. that a read was consistent or paginated). */
  calls: string[];
  close(): Promise<void>;
}

export async function startLocalDynamo(): Promise<LocalDynamo> {
  const backend = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendPort = (backend.address() as AddressInfo).port;
  const calls: string[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const keySchemas = new Map<string, string[]>();

  const forward = (headers: Json, body: string) =>
    new Promise<{ status: number; headers: Json; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: backendPort, method: 'POST', path: '/', headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 500,
              headers: res.headers,
              body: Buffer.concat(chunks).toString(),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const call = async (headers: Json, op: string, data: Json): Promise<Json> => {
    const body = JSON.stringify(data);
    const res = await forward(
      { ...headers, 'x-amz-target': `DynamoDB_20120810.${op}`, 'content-length': Buffer.byteLength(body) },
      body,
    );
    const parsed = JSON.parse(res.body || '{}') as Json;
    if (res.status !== 200)
      throw Object.assign(new Error(parsed.message ?? parsed.Message), { body: parsed });
    return parsed;
  };
  const keyOf = async (headers: Json, table: string, item: Json) => {
    if (!keySchemas.has(table)) {
      const { Table } = await call(headers, 'DescribeTable', { TableName: table });
      keySchemas.set(
        table,
        (Table.KeySchema as Json[]).map((k) => k.AttributeName as string),
      );
    }
    return Object.fromEntries(keySchemas.get(table)!.map((name) => [name, item[name]]));
  };

  const transact = async (headers: Json, data: Json) => {
    const items = (data.TransactItems ?? []) as Json[];
    const seen = new Set<string>();
    const checked: { kind: string; op: Json; existing?: Json; failed: boolean }[] = [];
    for (const item of items) {
      const kind = Object.keys(item)[0]!;
      const op = { ...item[kind] } as Json;
      const key = op.Key ?? (await keyOf(headers, op.TableName, op.Item));
      const id = `${op.TableName}:${JSON.stringify(key)}`;
      if (seen.has(id)) {
        return error(400, 'com.amazon.coral.validate#ValidationException', {
          message: 'Transaction request cannot include multiple operations on one item',
        });
      }
      seen.add(id);
      const probe = { ...op };
      delete probe.ReturnValuesOnConditionCheckFailure;
      try {
        const rules = OP_VALIDATIONS[kind]!;
        validations.checkValidations(probe, rules.types, rules.custom, { options: { maxItemSize: 409600 } });
      } catch (e) {
        return error(400, 'com.amazon.coral.validate#ValidationException', { message: (e as Error).message });
      }
      const { Item: existing } = await call(headers, 'GetItem', {
        TableName: op.TableName,
        Key: key,
        ConsistentRead: true,
      });
      checked.push({ kind, op, existing, failed: dynaliteDb.checkConditional(probe, existing) !== null });
    }
    if (checked.some((c) => c.failed)) {
      const reasons = checked.map((c) =>
        c.failed
          ? {
              Code: 'ConditionalCheckFailed',
              Message: 'The conditional request failed',
              ...(c.op.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && c.existing
                ? { Item: c.existing }
                : {}),
            }
          : { Code: 'None' },
      );
      return error(400, 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException', {
        Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        CancellationReasons: reasons,
      });
    }
    for (const { kind, op } of checked) {
      const target = OP_TARGET[kind];
      if (!target) continue;
      delete op.ReturnValuesOnConditionCheckFailure;
      await call(headers, target, op);
    }
    return { status: 200, body: '{}' };
  };

  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      calls.push(op);
      const work = queue.then(async () => {
        if (op === 'TransactWriteItems') {
          const result = await transact(req.headers as Json, JSON.parse(body) as Json);
          res.writeHead(result.status, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(result.body);
          return;
        }
        const result = await forward(req.headers as Json, body);
        res.writeHead(result.status, result.headers);
        res.end(result.body);
      });
      queue = work.catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'InternalServerError', message: String(e) }));
      });
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: async () => {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await new Promise<void>((resolve) => backend.close(() => resolve()));
    },
  };
}

function error(status: number, type: string, fields: Json) {
  return { status, body: JSON.stringify({ __type: type, ...fields }) };
}
