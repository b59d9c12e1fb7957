import type { TestCounts } from '../../events/common.ts';
import type { BuildArtifacts } from '../../events/pipeline-events.ts';
import type { SourcePush } from '../../events/source-push.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';

export interface BuildRequest {
  runId: string;
  attempt: number;
  pipeline: PipelineConfig;
  source: SourcePush;
}

/** What a finished build says, normalised from CodeBuild (state change + BatchGetBuilds + reports) or the local runner. */
export interface BuildOutcome {
  buildId: string;
  /** The run the build belongs to, when the builder knows it (CodeBuild: from the environment override). */
  runId?: string;
  status: 'SUCCEEDED' | 'FAILED' | 'FAULT' | 'STOPPED' | 'TIMED_OUT';
  /** The failing phase (`BUILD`, `INSTALL`, `POST_BUILD`…) and its message, on failure. */
  phase?: string;
  reason?: string;
  tests?: TestCounts;
  failingTests: string[];
  artifacts: BuildArtifacts;
  durationSeconds?: number;
}

/**
 * Starts builds. Completion arrives separately (CodeBuild state-change events, or the local
 * runner's callback) as a `BuildOutcome`.
 *
 * Contract: `start` is idempotent for the same run and attempt (CodeBuild `idempotencyToken`);
 * it throws `TransientError` when the build service cannot be reached. `stop` is idempotent.
 */
export interface Builder {
  start(request: BuildRequest): Promise<{ buildId: string; logUrl?: string }>;
  stop(buildId: string, reason: string): Promise<void>;
}
