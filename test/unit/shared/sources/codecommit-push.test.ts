import { describe, expect, it } from '@jest/globals';
import { CodeCommitRepositoryStateChange } from '../../../../events/aws/codecommit.ts';
import { SourcePush } from '../../../../events/source-push.ts';
import { ValidationError } from '../../../../shared/domain/errors.ts';
import { codecommitSourcePush, planCodecommitPush } from '../../../../shared/sources/codecommit-push.ts';
import { fixture, type Payload } from './fixtures.ts';

const DESTINATION = '3e5983d1f2a3b4c5d6e7f8091a2b3c4d5e6f7081';
const MERGE = '7f0103f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0';

/** The documented samples with their placeholder commit ids swapped for real-looking ones. */
function withRealCommitIds(event: Payload) {
  const ids: Record<string, string> = { '3e5983DESTINATION': DESTINATION, '7f0103fMERGE': MERGE };
  for (const key of ['commitId', 'oldCommitId', 'destinationCommitId']) {
    if (event.detail[key] in ids) event.detail[key] = ids[event.detail[key]];
  }
  return event;
}

const samples = [
  'reference-created',
  'reference-updated',
  'reference-deleted',
  'unreferenced-merge-commit-created',
];

describe('CodeCommitRepositoryStateChange', () => {
  it.each(samples)('accepts the documented %s example as it is', (name) => {
    const event = fixture(`codecommit/${name}.json`);

    expect(CodeCommitRepositoryStateChange.parse(event).detail.repositoryName).toBe('MyDemoRepo');
  });

  it('keeps fields it does not know and takes callerUserArn when AWS sends it', () => {
    const event = fixture('codecommit/reference-created.json');
    event.detail.callerUserArn = 'arn:aws:iam::123456789012:user/ada';
    event.detail.somethingNew = 1;

    expect(CodeCommitRepositoryStateChange.parse(event).detail).toMatchObject({
      callerUserArn: 'arn:aws:iam::123456789012:user/ada',
      somethingNew: 1,
    });
  });

  it('refuses an event of another detail-type', () => {
    const event = fixture('codecommit/reference-created.json');
    event['detail-type'] = 'CodeCommit Pull Request State Change';

    expect(CodeCommitRepositoryStateChange.safeParse(event).success).toBe(false);
  });
});

describe('planCodecommitPush', () => {
  it('plans a push for an updated branch, with the previous commit', () => {
    const event = CodeCommitRepositoryStateChange.parse(
      withRealCommitIds(fixture('codecommit/reference-updated.json')),
    );

    expect(planCodecommitPush(event)).toEqual({
      kind: 'push',
      repo: 'MyDemoRepo',
      ref: 'refs/heads/myBranch',
      commit: MERGE,
      previousCommit: DESTINATION,
      region: 'us-east-2',
    });
  });

  it('plans a push without a previous commit for a created branch', () => {
    const event = CodeCommitRepositoryStateChange.parse(
      withRealCommitIds(fixture('codecommit/reference-created.json')),
    );

    expect(planCodecommitPush(event)).toMatchObject({ kind: 'push', commit: DESTINATION });
    expect(planCodecommitPush(event)).not.toHaveProperty('previousCommit');
  });

  it.each([
    ['reference-deleted', /refs\/heads\/myBranch was deleted/],
    ['unreferenced-merge-commit-created', /unreferencedMergeCommitCreated is not handled/],
  ])('ignores the %s example, saying why', (name, reason) => {
    const event = CodeCommitRepositoryStateChange.parse(fixture(`codecommit/${name}.json`));

    expect(planCodecommitPush(event)).toEqual({ kind: 'ignored', reason: expect.stringMatching(reason) });
  });

  it('refuses a push whose commit id is a placeholder, naming the field', () => {
    const event = CodeCommitRepositoryStateChange.parse(fixture('codecommit/reference-created.json'));

    expect(() => planCodecommitPush(event)).toThrow(ValidationError);
    expect(() => planCodecommitPush(event)).toThrow('detail.commitId');
  });
});

describe('codecommitSourcePush', () => {
  it('builds a valid push from the event, the commit and the differences', () => {
    const event = CodeCommitRepositoryStateChange.parse(
      withRealCommitIds(fixture('codecommit/reference-updated.json')),
    );
    const plan = planCodecommitPush(event);
    if (plan.kind !== 'push') throw new Error('expected a push');

    const push = codecommitSourcePush(plan, event, {
      message: 'Merge myBranch',
      author: 'Mary Major',
      paths: { changedPaths: ['src/a.ts'] },
    });

    expect(SourcePush.parse(push)).toEqual({
      provider: 'codecommit',
      repo: 'MyDemoRepo',
      ref: 'refs/heads/myBranch',
      branch: 'myBranch',
      commit: MERGE,
      previousCommit: DESTINATION,
      message: 'Merge myBranch',
      author: 'Mary Major',
      pushedAt: '2019-06-12T10:23:43.000Z',
      url: `https://us-east-2.console.aws.amazon.com/codesuite/codecommit/repositories/MyDemoRepo/commit/${MERGE}?region=us-east-2`,
      cloneUrl: 'https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo',
      changedPaths: ['src/a.ts'],
      deliveryId: '01234567-EXAMPLE',
    });
  });
});
