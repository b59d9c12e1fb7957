import {
  BranchDoesNotExistException,
  CodeCommitClient,
  FolderDoesNotExistException,
  GetBranchCommand,
  GetCommitCommand,
  GetFolderCommand,
} from '@aws-sdk/client-codecommit';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoRunStore } from '../../../../shared/aws/dynamo-run-store.ts';
import { answerTokens, startApiFunction } from '../../../support/api-function.ts';

/**
 * `POST /api/pipelines/{name}/runs` through the api function's real handler, configured as the
 * stack configures it: the run store on dynalite, SSM and CodeCommit answering through
 * aws-sdk-client-mock with AWS's documented shapes.
 */
const TOKENS = { 'Priya Natarajan': 'tok-priya-4f0c1a9e7b3d5e62' };
const _PARAMETER = '/pushline/test/api-tokens';
const TIP = '317f8570ee57ab95ec82fd9c7e2e84ba3e8d1b5d';
const ssm = mockClient(SSMClient);
const codecommit = mockClient(CodeCommitClient);
const context = { awsRequestId: 'req-1', functionName: 'pushline-test-api' };
type Result = { statusCode: number; body: string };
let handler: (event: unknown, context: unknown) => Promise<Result>;
let api: Awaited<ReturnType<typeof startApiFunction>>;
let store: DynamoRunStore;

async function startRun(
  pipeline: string,
  body: unknown,
  token: string | undefined = TOKENS['Priya Natarajan'],
) {
  const path = `/api/pipelines/${pipeline}/runs`;
  const result = await handler(
    {
      version: '2.0',
      routeKey: 'POST /api/pipelines/{name}/runs',
      rawPath: path,
      rawQueryString: '',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      isBase64Encoded: false,
      requestContext: { requestId: 'r-1', http: { method: 'POST', path } },
    },
    context,
  );
  return { status: result.statusCode, json: JSON.parse(result.body) as Record<string, unknown> };
}

describe('a manual run through the api function', () => {
  beforeAll(async () => {
    api = await startApiFunction(
      {
        pipelines: [
          {
            name: 'payments',
            source: { codecommit: 'MyDemoRepo' },
            build: { codebuild: { project: 'p-build' } },
          },
          { name: 'shop', source: { gitlab: 'acme/shop' }, build: { codebuild: { project: 's-build' } } },
        ],
      },
      'pushline-api-manual',
    );
    ({ handler, store } = api);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
  });

  beforeEach(() => {
    ssm.reset();
    codecommit.reset();
    answerTokens(ssm, TOKENS);
    codecommit
      .on(GetBranchCommand)
      .rejects(new BranchDoesNotExistException({ message: 'no branch', $metadata: {} }));
    codecommit
      .on(GetFolderCommand)
      .rejects(new FolderDoesNotExistException({ message: 'no folder', $metadata: {} }));
    codecommit
      .on(GetBranchCommand, { repositoryName: 'MyDemoRepo', branchName: 'main' })
      .resolves({ branch: { branchName: 'main', commitId: TIP } });
    codecommit.on(GetCommitCommand).resolves({
      commit: {
        commitId: TIP,
        treeId: '347a3408a1b2c3d4e5f60718293a4b5c6d7e8f92',
        parents: ['7aa87a03a1b2c3d4e5f60718293a4b5c6d7e8f93'],
        message: 'Fix incorrect variable name\n',
        author: { name: 'Mary Major', email: 'mary_major@example.com', date: '1484167798 -0800' },
        committer: { name: 'Mary Major', email: 'mary_major@example.com', date: '1484167798 -0800' },
        additionalData: '',
      },
    });
  });

  it('starts a run of the branch on CodeCommit, as the token names, and answers 201 with it', async () => {
    // Act
    const { status, json } = await startRun('payments', { ref: 'main', by: 'someone else' });

    // Assess
    expect(status).toBe(201);
    const id = (json.run as { id: string }).id;
    const run = (await store.get(id))!.run;
    expect(run).toMatchObject({
      pipeline: 'payments',
      trigger: 'manual',
      by: 'Priya Natarajan',
      source: { provider: 'codecommit', commit: TIP, branch: 'main', message: 'Fix incorrect variable name' },
    });
    expect(codecommit.commandCalls(GetBranchCommand)[0]!.args[0].input).toEqual({
      repositoryName: 'MyDemoRepo',
      branchName: 'main',
    });
  });

  it('refuses what it cannot serve: no token 401, an unknown ref 404, a local-mode field 400, a GitLab pipeline 400', async () => {
    // Act
    const noToken = await startRun('payments', { ref: 'main' }, '');
    const unknownRef = await startRun('payments', { ref: 'nope' });
    const localField = await startRun('payments', { ref: 'main', repository: '/srv/git/payments.git' });
    const gitlab = await startRun('shop', { ref: 'main' });
    const unknownPipeline = await startRun('nope', { ref: 'main' });

    // Assess
    expect(noToken.status).toBe(401);
    expect(unknownRef).toMatchObject({ status: 404, json: { error: expect.stringContaining('"nope"') } });
    expect(localField).toMatchObject({
      status: 400,
      json: { error: expect.stringContaining('local-mode field') },
    });
    expect(gitlab).toMatchObject({ status: 400, json: { error: expect.stringContaining('gitlab') } });
    expect(unknownPipeline.status).toBe(404);
  });
});
