import {
  BranchDoesNotExistException,
  CodeCommitClient,
  CommitDoesNotExistException,
  CommitIdDoesNotExistException,
  GetBranchCommand,
  GetCommitCommand,
  GetFolderCommand,
  RepositoryDoesNotExistException,
} from '@aws-sdk/client-codecommit';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CodeCommitRefResolver } from '../../../../shared/aws/codecommit-ref-resolver.ts';
import { TransientError } from '../../../../shared/domain/errors.ts';
import { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';

const codecommit = mockClient(CodeCommitClient);
const resolver = new CodeCommitRefResolver({
  client: new CodeCommitClient({ region: 'eu-west-1' }),
  region: 'eu-west-1',
});
const pipeline = PipelineConfig.parse({ name: 'api', source: { codecommit: 'MyDemoRepo' } });

const TIP = '317f8570ee57ab95ec82fd9c7e2e84ba3e8d1b5d';
const TAGGED = '2fe6ed85c0a1e3b4d5f60718293a4b5c6d7e8f90';
const OLDER = 'c5709475a1b2c3d4e5f60718293a4b5c6d7e8f91';

/** `GetCommit`'s documented answer (the API reference's example), for `commitId`. */
function commitAnswer(commitId: string, message = 'Fix incorrect variable name') {
  return {
    commit: {
      commitId,
      treeId: '347a3408a1b2c3d4e5f60718293a4b5c6d7e8f92',
      parents: ['7aa87a03a1b2c3d4e5f60718293a4b5c6d7e8f93'],
      message: `${message}\n`,
      author: { name: 'Mary Major', email: 'mary_major@example.com', date: '1484167798 -0800' },
      committer: { name: 'Mary Major', email: 'mary_major@example.com', date: '1484167798 -0800' },
      additionalData: '',
    },
  };
}

/** `GetFolder`'s documented answer at the root, for the commit the specifier resolved to. */
function folderAnswer(commitId: string) {
  return {
    commitId,
    folderPath: '',
    treeId: '49d9f3b0a1b2c3d4e5f60718293a4b5c6d7e8f94',
    files: [
      {
        absolutePath: 'README.md',
        blobId: 'a1b2c3d4e5f60718293a4b5c6d7e8f9a1b2c3d4e',
        fileMode: 'NORMAL' as const,
        relativePath: 'README.md',
      },
    ],
    subFolders: [],
    subModules: [],
    symbolicLinks: [],
  };
}

const missing = {
  branch: () => new BranchDoesNotExistException({ message: 'Could not find branch', $metadata: {} }),
  commit: () => new CommitDoesNotExistException({ message: 'Could not find commit', $metadata: {} }),
  commitId: () => new CommitIdDoesNotExistException({ message: 'Could not find commit', $metadata: {} }),
};

describe('CodeCommitRefResolver', () => {
  beforeEach(() => {
    codecommit.reset();
    codecommit.on(GetCommitCommand).callsFake(({ commitId }: { commitId: string }) => commitAnswer(commitId));
  });

  it('resolves a branch with GetBranch, then reads the commit with GetCommit', async () => {
    // Prepare
    codecommit.on(GetBranchCommand, { repositoryName: 'MyDemoRepo', branchName: 'main' }).resolves({
      branch: { branchName: 'main', commitId: TIP },
    });

    // Act
    const push = await resolver.resolve(pipeline, 'main');

    // Assess
    expect(push).toEqual({
      provider: 'codecommit',
      repo: 'MyDemoRepo',
      ref: 'refs/heads/main',
      branch: 'main',
      commit: TIP,
      message: 'Fix incorrect variable name',
      author: 'Mary Major',
      pushedAt: '2017-01-11T20:49:58.000Z',
      url: `https://eu-west-1.console.aws.amazon.com/codesuite/codecommit/repositories/MyDemoRepo/commit/${TIP}?region=eu-west-1`,
      cloneUrl: 'https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/MyDemoRepo',
    });
    expect(codecommit.commandCalls(GetCommitCommand)[0]!.args[0].input).toEqual({
      repositoryName: 'MyDemoRepo',
      commitId: TIP,
    });
    expect(codecommit.commandCalls(GetFolderCommand)).toHaveLength(0);
  });

  it('resolves a tag through GetFolder at refs/tags/<tag> when no branch has the name', async () => {
    // Prepare
    codecommit.on(GetBranchCommand).rejects(missing.branch());
    codecommit
      .on(GetFolderCommand, {
        repositoryName: 'MyDemoRepo',
        commitSpecifier: 'refs/tags/v1.2.0',
        folderPath: '/',
      })
      .resolves(folderAnswer(TAGGED));

    // Act
    const push = await resolver.resolve(pipeline, 'v1.2.0');

    // Assess
    expect(push).toMatchObject({ ref: 'refs/tags/v1.2.0', tag: 'v1.2.0', commit: TAGGED });
    expect(push.branch).toBeUndefined();
  });

  it('reads a whole commit id with GetCommit alone, and an abbreviated one through GetFolder', async () => {
    // Prepare
    codecommit.on(GetBranchCommand).rejects(missing.branch());
    codecommit.on(GetFolderCommand).rejects(missing.commit());
    codecommit.on(GetFolderCommand, { commitSpecifier: OLDER.slice(0, 8) }).resolves(folderAnswer(OLDER));

    // Act
    const whole = await resolver.resolve(pipeline, OLDER);
    const short = await resolver.resolve(pipeline, OLDER.slice(0, 8));

    // Assess
    expect(whole).toMatchObject({ ref: `refs/commits/${OLDER}`, commit: OLDER });
    expect(short).toMatchObject({ ref: `refs/commits/${OLDER}`, commit: OLDER });
    expect(codecommit.commandCalls(GetBranchCommand)).toHaveLength(1);
  });

  it('answers 404 for a ref CodeCommit does not have, and for a missing repository', async () => {
    // Prepare
    codecommit.on(GetBranchCommand).rejects(missing.branch());
    codecommit.on(GetFolderCommand).rejects(missing.commit());
    codecommit.on(GetCommitCommand).rejects(missing.commitId());

    // Act / Assess
    await expect(resolver.resolve(pipeline, 'nope')).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'no branch, tag or commit "nope" in MyDemoRepo',
    });
    await expect(resolver.resolve(pipeline, 'f'.repeat(40))).rejects.toMatchObject({ name: 'NotFoundError' });
    codecommit
      .on(GetBranchCommand)
      .rejects(new RepositoryDoesNotExistException({ message: 'MyDemoRepo does not exist', $metadata: {} }));
    await expect(resolver.resolve(pipeline, 'main')).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'CodeCommit repository MyDemoRepo does not exist',
    });
  });

  it('lets throttling be retried, and refuses a malformed ref or another host without calling AWS', async () => {
    // Prepare
    codecommit
      .on(GetBranchCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }));

    // Act / Assess
    await expect(resolver.resolve(pipeline, 'main')).rejects.toBeInstanceOf(TransientError);
    codecommit.resetHistory();
    await expect(resolver.resolve(pipeline, 'main..dev')).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(
      resolver.resolve(PipelineConfig.parse({ name: 'web', source: { github: 'acme/web' } }), 'main'),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    expect(codecommit.calls()).toHaveLength(0);
  });
});
