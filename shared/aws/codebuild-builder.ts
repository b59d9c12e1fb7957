import { type CodeBuildClient, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { ConfigError, NotFoundError } from '../domain/errors.ts';
import type { Builder, BuildRequest } from '../ports/builder.ts';
import { asTransientAws } from './aws-errors.ts';
import { BUILD_ENV, consoleUrl } from './codebuild-ids.ts';
import { stopBuild } from './codebuild-stop.ts';

export { BUILD_ENV, buildIdFromArn, consoleUrl } from './codebuild-ids.ts';

/** The buildspec path CodeBuild uses when none is given; anything else is sent as an override. */
const DEFAULT_BUILDSPEC = 'buildspec.yml';

/**
 * Starts builds on CodeBuild: the pipeline's project, at the pushed commit, with the run's id in
 * the environment. `idempotencyToken` is the run and attempt, so a redelivered `Run Started` that
 * reaches `start` again (within CodeBuild's 5-minute token window) gets the same build back instead
 * of a second one; beyond the window start-build's own check (the build stage is no longer
 * pending) is what prevents a duplicate.
 */
export class CodeBuildBuilder implements Builder {
  private readonly client: CodeBuildClient;

  constructor({ client }: { client: CodeBuildClient }) {
    this.client = client;
  }

  async start({
    runId,
    attempt,
    pipeline,
    source,
  }: BuildRequest): Promise<{ buildId: string; logUrl?: string }> {
    const projectName = pipeline.build.codebuild?.project;
    if (!projectName) {
      throw new ConfigError(`pipeline ${pipeline.name} has no build.codebuild.project`, [
        { path: `pipelines[${pipeline.name}].build.codebuild.project`, message: 'required on AWS' },
      ]);
    }
    const input = {
      projectName,
      sourceVersion: source.commit,
      idempotencyToken: `${runId}-${attempt}`,
      environmentVariablesOverride: [
        { name: BUILD_ENV.runId, value: runId, type: 'PLAINTEXT' as const },
        { name: BUILD_ENV.pipeline, value: pipeline.name, type: 'PLAINTEXT' as const },
        { name: BUILD_ENV.attempt, value: String(attempt), type: 'PLAINTEXT' as const },
      ],
      ...(pipeline.build.buildspec !== DEFAULT_BUILDSPEC
        ? { buildspecOverride: pipeline.build.buildspec }
        : {}),
    };
    try {
      const { build } = await this.client.send(new StartBuildCommand(input));
      if (!build?.id) throw new Error('StartBuild returned no build id');
      const logUrl = usableLink(build.logs?.deepLink) ?? consoleUrl(build.arn, build.id);
      return { buildId: build.id, ...(logUrl ? { logUrl } : {}) };
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') {
        throw new NotFoundError(`CodeBuild project ${projectName} does not exist`, {
          cause: error,
          projectName,
        });
      }
      throw asTransientAws(error, 'CodeBuild StartBuild');
    }
  }

  stop(buildId: string, _reason: string): Promise<void> {
    return stopBuild(this.client, buildId);
  }
}

/** StartBuild answers before the log group exists: its deep link then reads `group=null;stream=null`. */
function usableLink(link: string | undefined): string | undefined {
  return link && !link.includes('=null') ? link : undefined;
}
