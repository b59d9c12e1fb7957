import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { type Moto, startMoto } from '../support/moto.ts';

/** The emulator the moto suites stand on: it starts, answers the real SDK, resets, and stops. */
let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto.close();
});

test('answers the AWS SDK over HTTP as AWS does: an unknown table is ResourceNotFoundException', async () => {
  const client = new DynamoDBClient(moto.clientConfig);
  await expect(client.send(new DescribeTableCommand({ TableName: 'nope' }))).rejects.toBeInstanceOf(
    ResourceNotFoundException,
  );
  client.destroy();
});

test('closing stops the server: the endpoint no longer answers', async () => {
  const other = await startMoto();
  await other.close();
  await expect(fetch(`${other.endpoint}/moto-api/data.json`)).rejects.toThrow();
});
