import { stat } from 'node:fs/promises';
import type { Environment } from '../../ports/deployer.ts';
import { artifactsGoneReason } from '../data-retention.ts';
import { ProcessStartError } from '../process-manager.ts';

/**
 * Why the build's artifacts cannot start an app, or `undefined` when they can: the build left no
 * artifacts directory, or it is gone (removed by the retention policy, or a data folder cleaned by hand).
 */
export async function artifactsProblem(request: {
  artifacts: { location?: string | undefined };
}): Promise<string | undefined> {
  const dir = request.artifacts.location;
  if (!dir) return 'the build left no artifacts directory to start the app from';
  const info = await stat(dir).catch(() => undefined);
  if (info?.isDirectory()) return undefined;
  return (await artifactsGoneReason(dir)) ?? `the artifacts directory ${dir} does not exist`;
}

/** The reason given when a pipeline has no local target for an environment. */
export function noTarget(d: { pipeline: string; environment: Environment }): string {
  return `pipeline ${d.pipeline} has no ${d.environment}.local target (start, port) in pushline.yml`;
}

/** The error code of a failed start: the process manager's own, else `DEPLOY_ERROR`. */
export function errorCodeOf(error: unknown): string {
  return error instanceof ProcessStartError ? error.code : 'DEPLOY_ERROR';
}

/**
 * A failed start in words, with the last lines of the app's log when there are some: the reason
 * reaches Slack and `pushline show`, where the log tail is what tells the user what went wrong.
 */
export function explain(error: unknown): string {
  if (error instanceof ProcessStartError) {
    return error.logTail
      ? `${error.message}\n--- last lines of its log ---\n${error.logTail}`
      : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
