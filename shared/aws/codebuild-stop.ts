import { type CodeBuildClient, StopBuildCommand } from '@aws-sdk/client-codebuild';
import type { Builder } from '../ports/builder.ts';
import { asTransientAws } from './aws-errors.ts';

// StopBuild alone, in its own file: the watchdog imports it without StartBuild (a function's role
// grants the SDK calls its import graph makes, so importing CodeBuildBuilder would grant starting builds).

/**
 * Stops a CodeBuild build. Idempotent: a build that already ended (or never existed) is left as it
 * is; anything else that fails is a `TransientError`, for a retry.
 */
export async function stopBuild(client: CodeBuildClient, buildId: string): Promise<void> {
  try {
    await client.send(new StopBuildCommand({ id: buildId }));
  } catch (error) {
    if (
      error instanceof Error &&
      ['InvalidInputException', 'ResourceNotFoundException'].includes(error.name)
    ) {
      return;
    }
    throw asTransientAws(error, 'CodeBuild StopBuild');
  }
}

/**
 * A `Builder` for the watchdog, which only stops builds: starting one from it is a wiring mistake,
 * and says so.
 */
export function stopOnlyBuilder(client: CodeBuildClient): Builder {
  return {
    start: async () => {
      throw new Error('this function only stops builds; starting one is not wired here');
    },
    stop: (buildId) => stopBuild(client, buildId),
  };
}
