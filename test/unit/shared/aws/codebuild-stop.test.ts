import { CodeBuildClient, ResourceNotFoundException, StopBuildCommand } from '@aws-sdk/client-codebuild';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { stopOnlyBuilder } from '../../../../shared/aws/codebuild-stop.ts';
import { TransientError } from '../../../../shared/domain/errors.ts';
import { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';

const codebuild = mockClient(CodeBuildClient);
const client = new CodeBuildClient({ region: 'eu-west-1' });
const BUILD_ID = 'web-build:0c41b5ad-4a37-4d0f-9f2a-1d2c3e4f5a6b';

describe('stopOnlyBuilder', () => {
  beforeEach(() => {
    codebuild.reset();
  });

  it('stops builds, a missing one included, and says what failed otherwise', async () => {
    // Prepare
    codebuild
      .on(StopBuildCommand)
      .resolvesOnce({})
      .rejectsOnce(new ResourceNotFoundException({ message: 'Build not found', $metadata: {} }))
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const builder = stopOnlyBuilder(client);

    // Act / Assess
    await builder.stop(BUILD_ID, 'timed out');
    await builder.stop(BUILD_ID, 'timed out');
    await expect(builder.stop(BUILD_ID, 'timed out')).rejects.toBeInstanceOf(TransientError);
    expect(codebuild.commandCalls(StopBuildCommand)).toHaveLength(3);
  });

  it('refuses to start a build, calling nothing', async () => {
    // Prepare
    const pipeline = PipelineConfig.parse({ name: 'web', source: { github: 'acme/web' } });

    // Act / Assess
    await expect(
      stopOnlyBuilder(client).start({
        runId: 'r',
        attempt: 1,
        pipeline,
        source: {} as never,
      }),
    ).rejects.toThrow('only stops builds');
    expect(codebuild.calls()).toHaveLength(0);
  });
});
