import { INDEX } from './dynamo-items.ts';

/**
 * The keys and indexes of the Pushline table, in the shape both CloudFormation
 * (`AWS::DynamoDB::Table`) and the `CreateTable` API take. `serverless.yml` generates the table
 * resource from this, and the tests create their dynalite table from it, so the store is tested
 * against the table it will meet.
 */
export const TABLE_SCHEMA = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
    { AttributeName: 'gsi2pk', AttributeType: 'S' },
    { AttributeName: 'gsi2sk', AttributeType: 'S' },
    { AttributeName: 'gsi3pk', AttributeType: 'S' },
    { AttributeName: 'gsi3sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: INDEX.byPipeline,
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: INDEX.allRuns,
      KeySchema: [
        { AttributeName: 'gsi2pk', KeyType: 'HASH' },
        { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      // Sparse, and small: see dynamo-items.ts. CloudFormation adds one GSI per stack update, and
      // this is the only one added since the first release.
      IndexName: INDEX.activeRuns,
      KeySchema: [
        { AttributeName: 'gsi3pk', KeyType: 'HASH' },
        { AttributeName: 'gsi3sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['summary'] },
    },
  ],
} as const;

/** The attribute DynamoDB's TTL reads (epoch seconds): delivery dedupe records expire by it. */
export const TTL_ATTRIBUTE = 'expiresAt';
