import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from '@jest/globals';
import { DynamoRunStore } from '../../../shared/aws/dynamo-run-store.ts';
import { describeRunStoreContract } from '../run-store.contract.ts';
import { type LocalDynamo, startLocalDynamo } from './support/dynalite-server.ts';
import { createPushlineTable, localClient } from './support/pushline-table.ts';

/** The shared RunStore contract, against DynamoRunStore on dynalite over HTTP (a fresh table per test). */
let dynamo: LocalDynamo;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  client = localClient(dynamo.endpoint);
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

describeRunStoreContract(
  'DynamoRunStore (dynalite)',
  async (clock) => new DynamoRunStore({ client, tableName: await createPushlineTable(client), clock }),
);
