import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { matchesPattern } from '../../../serverless/event-pattern.ts';
import { sdkActionsOf } from './support/sdk-calls.ts';
import { type Db, resourceProblems } from './support/spec-check.ts';

describe('matchesPattern', () => {
  const event = {
    source: 'pushline',
    'detail-type': 'Tests Passed',
    detail: { pipeline: 'web', tags: ['a', 'b'], count: 7, note: null },
  };

  it('matches listed values, nested fields and any element of an array', () => {
    expect(matchesPattern({ source: ['pushline'], detail: { tags: ['b'] } }, event)).toBe(true);
    expect(matchesPattern({ source: ['aws.codebuild'] }, event)).toBe(false);
    expect(matchesPattern({ detail: { pipeline: ['api', 'web'], note: [null] } }, event)).toBe(true);
  });

  it('supports prefix, suffix, anything-but, exists and numeric', () => {
    expect(matchesPattern({ 'detail-type': [{ prefix: 'Tests' }] }, event)).toBe(true);
    expect(matchesPattern({ 'detail-type': [{ suffix: 'Failed' }] }, event)).toBe(false);
    expect(matchesPattern({ detail: { pipeline: [{ 'anything-but': ['api'] }] } }, event)).toBe(true);
    expect(
      matchesPattern({ detail: { missing: [{ exists: false }], pipeline: [{ exists: true }] } }, event),
    ).toBe(true);
    expect(matchesPattern({ detail: { count: [{ numeric: ['>', 5, '<=', 7] }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { count: [{ numeric: ['<', 5] }] } }, event)).toBe(false);
  });

  it('needs every field of the pattern, and a present field for a value rule', () => {
    expect(matchesPattern({ source: ['pushline'], detail: { pipeline: ['api'] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { missing: ['x'] } }, event)).toBe(false);
  });
});

describe('the CloudFormation resource check', () => {
  let db: Db;
  beforeAll(async () => {
    db = await loadAwsServiceSpec();
  }, 60_000);

  it('reports an unknown type, a misspelt property, a nested one and a missing required one', () => {
    expect(resourceProblems(db, 'Q', { Type: 'AWS::SQS::Queu' })).toEqual([
      'Q: unknown resource type AWS::SQS::Queu',
    ]);
    expect(
      resourceProblems(db, 'T', {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMod: 'PAY_PER_REQUEST',
          StreamSpecification: { ViewType: 'NEW_IMAGE' },
        },
      }),
    ).toEqual([
      'T.BillingMod: no such property',
      'T.StreamSpecification.StreamViewType: required property missing',
      'T.StreamSpecification.ViewType: no such property',
    ]);
    expect(resourceProblems(db, 'R', { Type: 'AWS::IAM::Role', Properties: { Path: '/' } })).toEqual([
      'R.AssumeRolePolicyDocument: required property missing',
    ]);
  });
});

describe('sdkActionsOf', () => {
  it('finds the commands a module graph sends, transactions by their item kinds', async () => {
    const builder = await sdkActionsOf('shared/aws/codebuild-builder.ts');
    const store = await sdkActionsOf('shared/aws/dynamo-run-store.ts');

    expect([...builder].sort()).toEqual(['codebuild:StartBuild', 'codebuild:StopBuild']);
    expect([...store].sort()).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
  });
});
