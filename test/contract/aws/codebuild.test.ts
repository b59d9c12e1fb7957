import {
  BatchGetBuildsCommand,
  type BatchGetBuildsCommandOutput,
  BatchGetReportsCommand,
  type BatchGetReportsCommandOutput,
  CodeBuildClient,
  DescribeTestCasesCommand,
  InvalidInputException,
  ResourceNotFoundException,
  StartBuildCommand,
  type StartBuildCommandOutput,
  StopBuildCommand,
} from '@aws-sdk/client-codebuild';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CodeBuildBuildStateChange } from '../../../events/aws.ts';
import { buildIdFromArn, CodeBuildBuilder } from '../../../shared/aws/codebuild-builder.ts';
import { CodeBuildOutcomeReader } from '../../../shared/aws/codebuild-outcome.ts';
import { ConfigError, NotFoundError, TransientError } from '../../../shared/domain/errors.ts';
import { PipelineConfig } from '../../../shared/domain/pipeline-config.ts';
import { awsFixture, awsResponse } from './support/aws-shapes.ts';
import { runStarted } from './support/events.ts';

const codebuild = mockClient(CodeBuildClient);
const client = new CodeBuildClient({ region: 'us-west-2' });
const pipeline = PipelineConfig.parse({
  name: 'web',
  source: { github: 'acme/web' },
  build: { codebuild: { project: 'my-sample-project' } },
});
const source = runStarted({ runId: '01JP9ZMQ6R7C0VV1EG6MGAF6HH' }).detail.source;
const BUILD_ID = 'my-sample-project:8745a7a9-c340-456a-9166-edf953571bEX';
const stateChange = (name: string, status?: string) => {
  const event = awsFixture<{ detail: Record<string, unknown> }>(name);
  if (status) event.detail['build-status'] = status;
  return CodeBuildBuildStateChange.parse(event);
};

describe('CodeBuildBuilder', () => {
  beforeEach(() => {
    codebuild.reset();
  });

  it('starts the project at the commit with an idempotency token and the run in the environment', async () => {
    codebuild.on(StartBuildCommand).resolves(awsResponse<StartBuildCommandOutput>('codebuild-start-build'));

    const started = await new CodeBuildBuilder({ client }).start({
      runId: '01RUN',
      attempt: 2,
      pipeline,
      source,
    });

    expect(codebuild.commandCalls(StartBuildCommand)[0]!.args[0].input).toEqual({
      projectName: 'my-sample-project',
      sourceVersion: '7c3f9a1e5b2d4c8f0a6e9b1d3f5a7c9e2b4d6f80',
      idempotencyToken: '01RUN-2',
      environmentVariablesOverride: [
        { name: 'PUSHLINE_RUN_ID', value: '01RUN', type: 'PLAINTEXT' },
        { name: 'PUSHLINE_PIPELINE', value: 'web', type: 'PLAINTEXT' },
        { name: 'PUSHLINE_ATTEMPT', value: '2', type: 'PLAINTEXT' },
      ],
    });
    expect(started).toEqual({
      buildId: BUILD_ID,
      logUrl:
        'https://us-west-2.console.aws.amazon.com/codesuite/codebuild/123456789012/projects/my-sample-project/build/my-sample-project%3A8745a7a9-c340-456a-9166-edf953571bEX/?region=us-west-2',
    });
  });

  it('overrides the buildspec only when the pipeline names another file', async () => {
    codebuild.on(StartBuildCommand).resolves(awsResponse<StartBuildCommandOutput>('codebuild-start-build'));
    const custom = { ...pipeline, build: { ...pipeline.build, buildspec: 'ci/buildspec.yml' } };

    await new CodeBuildBuilder({ client }).start({ runId: '01RUN', attempt: 1, pipeline: custom, source });

    expect(codebuild.commandCalls(StartBuildCommand)[0]!.args[0].input.buildspecOverride).toBe(
      'ci/buildspec.yml',
    );
  });

  it('refuses a pipeline without a CodeBuild project and calls nothing', async () => {
    const local = PipelineConfig.parse({ name: 'web', source: { github: 'acme/web' } });

    const start = new CodeBuildBuilder({ client }).start({
      runId: '01RUN',
      attempt: 1,
      pipeline: local,
      source,
    });

    await expect(start).rejects.toBeInstanceOf(ConfigError);
    expect(codebuild.calls()).toHaveLength(0);
  });

  it('maps a missing project to NotFoundError and throttling to TransientError', async () => {
    const builder = new CodeBuildBuilder({ client });
    codebuild
      .on(StartBuildCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'Project cannot be found', $metadata: {} }))
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(builder.start({ runId: 'r', attempt: 1, pipeline, source })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(builder.start({ runId: 'r', attempt: 1, pipeline, source })).rejects.toBeInstanceOf(
      TransientError,
    );
  });

  it('stops a build by id and treats an already finished one as stopped', async () => {
    codebuild
      .on(StopBuildCommand)
      .resolvesOnce({})
      .rejectsOnce(new InvalidInputException({ message: 'Build is already completed', $metadata: {} }));
    const builder = new CodeBuildBuilder({ client });

    await builder.stop(BUILD_ID, 'superseded');
    await builder.stop(BUILD_ID, 'superseded');

    expect(codebuild.commandCalls(StopBuildCommand).map((c) => c.args[0].input)).toEqual([
      { id: BUILD_ID },
      { id: BUILD_ID },
    ]);
  });

  it('turns a build ARN into the id the APIs take', () => {
    expect(buildIdFromArn(`arn:aws:codebuild:us-west-2:123456789012:build/${BUILD_ID}`)).toBe(BUILD_ID);
    expect(buildIdFromArn(BUILD_ID)).toBe(BUILD_ID);
  });
});

describe('CodeBuildOutcomeReader', () => {
  beforeEach(() => {
    codebuild.reset();
  });

  it('reads a failed build: the failing phase, its YAML_FILE_ERROR context and the run', async () => {
    codebuild
      .on(BatchGetBuildsCommand)
      .resolves(awsResponse<BatchGetBuildsCommandOutput>('codebuild-batch-get-builds-failed'));

    const outcome = await new CodeBuildOutcomeReader({ client }).read(
      stateChange('codebuild-build-state-change-failed'),
    );

    expect(codebuild.commandCalls(BatchGetBuildsCommand)[0]!.args[0].input).toEqual({ ids: [BUILD_ID] });
    expect(codebuild.commandCalls(BatchGetReportsCommand)).toHaveLength(0);
    expect(outcome).toEqual({
      buildId: BUILD_ID,
      runId: '01JP9ZMQ6R7C0VV1EG6MGAF6HH',
      status: 'FAILED',
      phase: 'INSTALL',
      reason: 'YAML_FILE_ERROR: stat /codebuild/output/src123/src/buildspec.yml: no such file or directory',
      failingTests: [],
      artifacts: { files: [], exportedVariables: {} },
      durationSeconds: 111,
    });
  });

  it('reads a build with tests: totals over test reports, failing test names, exported variables', async () => {
    codebuild
      .on(BatchGetBuildsCommand)
      .resolves(awsResponse<BatchGetBuildsCommandOutput>('codebuild-batch-get-builds-succeeded'));
    codebuild
      .on(BatchGetReportsCommand)
      .resolves(awsResponse<BatchGetReportsCommandOutput>('codebuild-batch-get-reports'));
    codebuild
      .on(DescribeTestCasesCommand, { filter: { status: 'FAILED' } })
      .resolves({ testCases: [{ prefix: 'checkout', name: 'retries twice', status: 'FAILED' }] })
      .on(DescribeTestCasesCommand, { filter: { status: 'ERROR' } })
      .resolvesOnce({ testCases: [{ prefix: 'cart', name: 'totals', status: 'ERROR' }], nextToken: 'page-2' })
      .resolvesOnce({ testCases: [{ name: 'boots', status: 'ERROR' }] });

    const outcome = await new CodeBuildOutcomeReader({ client }).read(
      stateChange('codebuild-build-state-change-succeeded'),
    );

    const unit =
      'arn:aws:codebuild:us-west-2:123456789012:report/web-unit:1f2e3d4c-0000-4000-8000-000000000001';
    expect(codebuild.commandCalls(BatchGetReportsCommand)[0]!.args[0].input).toEqual({
      reportArns: [
        unit,
        'arn:aws:codebuild:us-west-2:123456789012:report/web-coverage:1f2e3d4c-0000-4000-8000-000000000002',
      ],
    });
    expect(codebuild.commandCalls(DescribeTestCasesCommand).map((c) => c.args[0].input)).toEqual([
      { reportArn: unit, filter: { status: 'FAILED' }, maxResults: 50 },
      { reportArn: unit, filter: { status: 'ERROR' }, maxResults: 49 },
      { reportArn: unit, filter: { status: 'ERROR' }, maxResults: 48, nextToken: 'page-2' },
    ]);
    expect(outcome).toMatchObject({
      status: 'SUCCEEDED',
      tests: { total: 28, passed: 18, failed: 6, skipped: 4 },
      failingTests: ['checkout › retries twice', 'cart › totals', 'boots'],
      artifacts: {
        location: 'arn:aws:s3:::codebuild-123456789012-output-bucket/web/7c3f9a1e.zip',
        exportedVariables: { IMAGE_TAG: '7c3f9a1e', ARTIFACT_KEY: 'web/7c3f9a1e.zip' },
      },
    });
    expect(outcome).not.toHaveProperty('reason');
  });

  it.each([
    ['STOPPED', 'build was stopped'],
    ['TIMED_OUT', 'build timed out after 60 minutes'],
    ['FAULT', 'CodeBuild had an internal fault'],
  ])('gives %s its own reason when no phase says why', async (status, reason) => {
    const response = awsResponse<BatchGetBuildsCommandOutput>('codebuild-batch-get-builds-succeeded');
    response.builds![0]!.buildStatus = status as 'STOPPED';
    response.builds![0]!.reportArns = [];
    codebuild.on(BatchGetBuildsCommand).resolves(response);

    const outcome = await new CodeBuildOutcomeReader({ client }).read(
      stateChange('codebuild-build-state-change-succeeded', status),
    );

    expect(outcome).toMatchObject({ status, reason });
  });

  it('ignores builds Pushline did not start and builds still in progress', async () => {
    const foreign = awsResponse<BatchGetBuildsCommandOutput>('codebuild-batch-get-builds-failed');
    foreign.builds![0]!.environment!.environmentVariables = [];
    codebuild.on(BatchGetBuildsCommand).resolves(foreign);
    const reader = new CodeBuildOutcomeReader({ client });

    const notOurs = await reader.read(stateChange('codebuild-build-state-change-failed'));
    const running = await reader.read(stateChange('codebuild-build-state-change-failed', 'IN_PROGRESS'));

    expect(notOurs).toBeUndefined();
    expect(running).toBeUndefined();
    expect(codebuild.commandCalls(BatchGetBuildsCommand)).toHaveLength(1);
  });
});
