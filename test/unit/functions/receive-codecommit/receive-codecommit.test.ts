import { GetCommitCommand, GetDifferencesCommand } from '@aws-sdk/client-codecommit';
import { describe, expect, it } from '@jest/globals';
import { makeReceiveCodecommit } from '../../../../functions/receive-codecommit/receive-codecommit.ts';
import { PushlineFile } from '../../../../shared/domain/pipeline-config.ts';
import { MemoryRunStore } from '../../../../shared/local/memory-run-store.ts';
import { fixture } from '../../shared/sources/fixtures.ts';
import { fixedClock } from '../receive-github/support.ts';

const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);

/** A CodeCommit client fake: answers GetCommit and one page of GetDifferences with these paths. */
function fakeCodecommit(paths: string[]) {
  const sent: unknown[] = [];
  return {
    sent,
    send: async (command: unknown) => {
      sent.push(command);
      if (command instanceof GetCommitCommand) {
        return { commit: { message: 'Change things', author: { name: 'Ada' } } };
      }
      if (command instanceof GetDifferencesCommand) {
        return { differences: paths.map((path) => ({ afterBlob: { path } })) };
      }
      throw new Error('unexpected command');
    },
  };
}

const file = PushlineFile.parse({
  pipelines: [
    { name: 'api', source: { codecommit: 'MyDemoRepo' }, on: { branches: ['myBranch'], paths: ['api/**'] } },
    { name: 'web', source: { codecommit: 'MyDemoRepo' }, on: { branches: ['myBranch'], paths: ['web/**'] } },
    { name: 'release', source: { codecommit: 'MyDemoRepo' }, on: { tags: ['v*'] } },
  ],
});

function event(name: string, detail: Record<string, unknown>) {
  const value = fixture(`codecommit/${name}.json`);
  Object.assign(value.detail, detail);
  return value;
}

describe('makeReceiveCodecommit', () => {
  it('starts only the pipelines whose path filters match the differences', async () => {
    const codecommit = fakeCodecommit(['web/index.html']);
    const store = new MemoryRunStore();
    const receive = makeReceiveCodecommit({
      store,
      file: () => file,
      codecommit: codecommit as never,
      clock: fixedClock(),
    });

    const outcome = await receive(event('reference-updated', { commitId: NEW, oldCommitId: OLD }));

    expect(outcome).toMatchObject({
      kind: 'started',
      runs: [{ pipeline: 'web' }],
      skipped: expect.arrayContaining([
        { pipeline: 'api', reason: expect.stringContaining('does not match paths') },
      ]),
    });
  });

  it('starts the tag pipeline for a created tag', async () => {
    const codecommit = fakeCodecommit([]);
    const store = new MemoryRunStore();
    const receive = makeReceiveCodecommit({
      store,
      file: () => file,
      codecommit: codecommit as never,
      clock: fixedClock(),
    });

    const outcome = await receive(
      event('reference-created', {
        commitId: NEW,
        referenceType: 'tag',
        referenceName: 'v1.0.0',
        referenceFullName: 'refs/tags/v1.0.0',
      }),
    );

    expect(outcome).toMatchObject({ kind: 'started', runs: [{ pipeline: 'release' }] });
    expect(store.appended[0]!.detail.source).toMatchObject({
      tag: 'v1.0.0',
      message: 'Change things',
      author: 'Ada',
    });
  });
});
