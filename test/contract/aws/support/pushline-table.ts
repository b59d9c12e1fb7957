import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from '../../../../shared/aws/table-schema.ts';

let tables = 0;

/** A DynamoDB client for a local endpoint with dummy credentials. */
export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
}

/**
 * Creates a fresh Pushline table (the production key schema and indexes) and returns its name;
 * `stream: true` turns on its NEW_IMAGE stream, as the template does (the outbox reads it).
 */
export async function createPushlineTable(
  client: DynamoDBClient,
  prefix = 'pushline-test',
  options: { stream?: boolean } = {},
): Promise<string> {
  const name = `${prefix}-${process.pid}-${++tables}`;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...TABLE_SCHEMA.AttributeDefinitions],
      KeySchema: [...TABLE_SCHEMA.KeySchema],
      GlobalSecondaryIndexes: TABLE_SCHEMA.GlobalSecondaryIndexes.map((index) => ({
        IndexName: index.IndexName,
        KeySchema: [...index.KeySchema],
        Projection:
          'NonKeyAttributes' in index.Projection
            ? { ...index.Projection, NonKeyAttributes: [...index.Projection.NonKeyAttributes] }
            : { ...index.Projection },
      })),
      ...(options.stream
        ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }
        : {}),
    }),
  );
  return name;
}
