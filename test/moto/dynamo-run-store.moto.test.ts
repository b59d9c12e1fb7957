import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from '@jest/globals';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { createPushlineTable } from '../contract/aws/support/pushline-table.ts';
import { describeRunStoreContract } from '../contract/run-store.contract.ts';
import { type Moto, startMoto } from '../support/moto.ts';

/**
 * The shared RunStore contract against DynamoRunStore on moto over real HTTP: the table made from
 * the production schema, every write a real `TransactWriteItems` with its conditions, evaluated by
 * an implementation of DynamoDB that is not ours. One request at a time (see startMoto): moto's
 * transactions are not isolated from concurrent ones, DynamoDB's are.
 */
let moto: Moto;
let client: DynamoDBClient;

beforeAll(async () => {
  moto = await startMoto({ serial: true });
  client = new DynamoDBClient(moto.clientConfig);
});
afterAll(async () => {
  client.destroy();
  await moto.close();
});

describeRunStoreContract(
  'DynamoRunStore (moto)',
  async (clock) => new DynamoRunStore({ client, tableName: await createPushlineTable(client), clock }),
);
