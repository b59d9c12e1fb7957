import {
  CodeCommitClient,
  CommitDoesNotExistException,
  GetCommitCommand,
  GetDifferencesCommand,
} from '@aws-sdk/client-codecommit';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { makeReceiveCodecommit } from '../../functions/receive-codecommit/receive-codecommit.ts';
import { TransientError, ValidationError } from '../../shared/domain/errors.ts';
import { MemoryRunStore } from '../../shared/local/memory-run-store.ts';
import { fixedClock, testFile } from '../unit/functions/receive-github/support.ts';
import { fixture, type Payload } from '../unit/shared/sources/fixtures.ts';

const OLD = '3e5983d1f2a3b4c5d6e7f8091a2b3c4d5e6f7081';
const NEW = '7f0103f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0';
const codecommit = mockClient(CodeCommitClient);
const client = new CodeCommitClient({ region: 'us-east-2' });

/** The documented referenceUpdated sample with real commit ids instead of AWS's placeholders. */
function updated(): Payload {
  const event = fixture('codecommit/reference-updated.json');
  Object.assign(event.detail, { commitId: NEW, oldCommitId: OLD, destinationCommitId: OLD });
  return event;
}

function setup() {
  const clock = fixedClock();
  const store = new MemoryRunStore({ clock });
  const receive = makeReceiveCodecommit({ store, file: () => testFile, codecommit: client, clock });
  return { receive, store };
}

function commitAnswer(message = 'Merge myBranch into main\n') {
  codecommit.on(GetCommitCommand).resolves({
    commit: {
      commitId: NEW,
      message,
      author: { name: 'Mary Major', email: 'mary@example.com' },
      parents: [OLD],
    },
  });
}

describe('makeReceiveCodecommit against the CodeCommit API', () => {
  beforeEach(() => {
    codecommit.reset();
  });

  it('asks GetCommit for the pushed commit and GetDifferences page by page between the two commits', async () => {
    commitAnswer();
    codecommit
      .on(GetDifferencesCommand)
      .resolvesOnce({
        differences: [{ afterBlob: { path: 'src/new.ts', blobId: 'b1', mode: '100644' }, changeType: 'A' }],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        differences: [
          {
            beforeBlob: { path: 'src/old.ts', blobId: 'b2' },
            afterBlob: { path: 'src/renamed.ts', blobId: 'b2' },
            changeType: 'M',
          },
          { beforeBlob: { path: 'docs/gone.md', blobId: 'b3' }, changeType: 'D' },
        ],
      });
    const { receive, store } = setup();

    const outcome = await receive(updated());

    expect(codecommit.commandCalls(GetCommitCommand).map((c) => c.args[0].input)).toEqual([
      { repositoryName: 'MyDemoRepo', commitId: NEW },
    ]);
    expect(codecommit.commandCalls(GetDifferencesCommand).map((c) => c.args[0].input)).toEqual([
      { repositoryName: 'MyDemoRepo', beforeCommitSpecifier: OLD, afterCommitSpecifier: NEW },
      {
        repositoryName: 'MyDemoRepo',
        beforeCommitSpecifier: OLD,
        afterCommitSpecifier: NEW,
        NextToken: 'page-2',
      },
    ]);
    expect(outcome).toEqual({
      kind: 'started',
      runs: [{ runId: expect.any(String), pipeline: 'demo' }],
      skipped: expect.any(Array),
    });
    expect(store.appended[0]!.detail.source).toMatchObject({
      provider: 'codecommit',
      message: 'Merge myBranch into main',
      author: 'Mary Major',
      changedPaths: ['src/new.ts', 'src/old.ts', 'src/renamed.ts', 'docs/gone.md'],
      deliveryId: '01234567-EXAMPLE',
    });
  });

  it('asks no GetDifferences for a created branch and says why the paths are unknown', async () => {
    commitAnswer('First commit');
    const created = fixture('codecommit/reference-created.json');
    created.detail.commitId = NEW;
    const { receive, store } = setup();

    await receive(created);

    expect(codecommit.commandCalls(GetDifferencesCommand)).toHaveLength(0);
    expect(store.appended[0]!.detail.source.pathsUnknownReason).toContain('created refs/heads/myBranch');
  });

  it('starts nothing the second time the same EventBridge event arrives', async () => {
    commitAnswer();
    codecommit.on(GetDifferencesCommand).resolves({ differences: [] });
    const { receive, store } = setup();
    const first = await receive(updated());

    const again = await receive(updated());

    expect(again).toEqual({ kind: 'duplicate', runs: first.kind === 'started' ? first.runs : [] });
    expect(store.appended).toHaveLength(1);
  });

  it('calls no API for a deletion, another event or a repository no pipeline watches', async () => {
    const { receive } = setup();
    const elsewhere = updated();
    elsewhere.detail.repositoryName = 'SomeoneElsesRepo';

    const outcomes = [
      await receive(fixture('codecommit/reference-deleted.json')),
      await receive(fixture('codecommit/unreferenced-merge-commit-created.json')),
      await receive(elsewhere),
    ];

    expect(outcomes.map((o) => o.kind)).toEqual(['ignored', 'ignored', 'ignored']);
    expect(codecommit.calls()).toHaveLength(0);
  });

  it('stops listing after the limit and leaves the paths unknown', async () => {
    commitAnswer();
    let page = 0;
    codecommit.on(GetDifferencesCommand).callsFake(async () => {
      page += 1;
      return {
        differences: Array.from({ length: 30 }, (_, i) => ({ afterBlob: { path: `p${page}/f${i}` } })),
        NextToken: `page-${page + 1}`,
      };
    });
    const store = new MemoryRunStore();
    const receive = makeReceiveCodecommit({
      store,
      file: () => testFile,
      codecommit: client,
      clock: fixedClock(),
      maxChangedPaths: 50,
    });

    await receive(updated());

    expect(codecommit.commandCalls(GetDifferencesCommand)).toHaveLength(2);
    expect(store.appended[0]!.detail.source.pathsUnknownReason).toContain('more than 50 paths');
  });

  it('stops when CodeCommit hands out the same page token twice', async () => {
    commitAnswer();
    let page = 0;
    codecommit.on(GetDifferencesCommand).callsFake(async () => {
      page += 1;
      return { differences: [{ afterBlob: { path: `f${page}` } }], NextToken: 'same' };
    });
    const { receive, store } = setup();

    await receive(updated());

    expect(codecommit.commandCalls(GetDifferencesCommand)).toHaveLength(2);
    expect(store.appended[0]!.detail.source.pathsUnknownReason).toContain('repeated a page token');
  });

  it('throws a TransientError naming the call when CodeCommit fails, so Lambda retries', async () => {
    codecommit
      .on(GetCommitCommand)
      .rejects(new CommitDoesNotExistException({ message: 'no such commit', $metadata: {} }));
    const { receive, store } = setup();

    await expect(receive(updated())).rejects.toThrow(TransientError);
    await expect(receive(updated())).rejects.toThrow(
      'CodeCommit GetCommit failed: CommitDoesNotExistException',
    );
    expect(store.appended).toHaveLength(0);
  });

  it('throws a ValidationError naming the field for an event of the wrong shape', async () => {
    const { receive } = setup();
    const broken = updated();
    delete broken.detail.repositoryName;

    await expect(receive(broken)).rejects.toThrow(ValidationError);
    await expect(receive(broken)).rejects.toThrow('detail.repositoryName');
  });
});
