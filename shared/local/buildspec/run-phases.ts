import type { BuildLog } from './build-log.ts';
import { PHASE_NAMES, type PhaseName } from './buildspec-schema.ts';
import type { Buildspec, PhaseSpec } from './parse-buildspec.ts';
import type { ShellSession } from './shell-session.ts';

/** CodeBuild's phase types, in order. */
export const BuildPhase = {
  DownloadSource: 'DOWNLOAD_SOURCE',
  Install: 'INSTALL',
  PreBuild: 'PRE_BUILD',
  Build: 'BUILD',
  PostBuild: 'POST_BUILD',
  UploadArtifacts: 'UPLOAD_ARTIFACTS',
  Finalizing: 'FINALIZING',
} as const;
export type BuildPhase = (typeof BuildPhase)[keyof typeof BuildPhase];

const PHASE_TYPE: Record<PhaseName, BuildPhase> = {
  install: 'INSTALL',
  pre_build: 'PRE_BUILD',
  build: 'BUILD',
  post_build: 'POST_BUILD',
};

export type AbortStatus = 'STOPPED' | 'TIMED_OUT';

export interface PhaseRunContext {
  spec: Buildspec;
  shell: ShellSession;
  log: BuildLog;
  /** Whether the build was stopped or timed out; the runner starts nothing more once it is. */
  aborted(): AbortStatus | undefined;
  /** Told when a phase starts, so a stop or a timeout can name it. */
  onPhase(phase: BuildPhase): void;
}

export interface PhasesResult {
  /** The first phase that failed, and CodeBuild's phase context message for it. */
  failure?: { phase: BuildPhase; reason: string };
  /** Set when the build was stopped or timed out during the phases. */
  aborted?: { status: AbortStatus; phase: BuildPhase };
  /** BUILD ran, and no `on-failure: ABORT` ended the build: artifacts are uploaded. */
  uploadArtifacts: boolean;
}

/**
 * Runs the buildspec's phases with CodeBuild's transitions:
 * - INSTALL or PRE_BUILD fails → the later phases are skipped;
 * - BUILD fails → POST_BUILD still runs, with `CODEBUILD_BUILD_SUCCEEDING=0`;
 * - `on-failure: CONTINUE` goes on to the next phase; `on-failure: ABORT` skips everything after;
 * - a phase's `finally` commands run after its commands, whether they failed or not.
 * The first failure is the build's failure, even if later phases succeed.
 */
export async function runPhases(ctx: PhaseRunContext): Promise<PhasesResult> {
  let failure: PhasesResult['failure'];
  let ranBuild = false;
  for (const name of PHASE_NAMES) {
    const phase = PHASE_TYPE[name];
    const spec: PhaseSpec = ctx.spec.phases[name] ?? { commands: [], finally: [] };
    const stopped = ctx.aborted();
    if (stopped) return { failure, aborted: { status: stopped, phase }, uploadArtifacts: false };
    ctx.onPhase(phase);
    await ctx.shell.run(`export CODEBUILD_BUILD_SUCCEEDING=${failure ? 0 : 1}`);
    const outcome = await runPhase(ctx, phase, spec);
    if (outcome.aborted)
      return { failure, aborted: { status: outcome.aborted, phase }, uploadArtifacts: false };
    if (phase === 'BUILD') ranBuild = true;
    if (!outcome.reason) continue;
    failure ??= { phase, reason: outcome.reason };
    if (spec.onFailure === 'CONTINUE') continue;
    if (spec.onFailure === 'ABORT') return { failure, uploadArtifacts: false };
    if (phase === 'INSTALL' || phase === 'PRE_BUILD') return { failure, uploadArtifacts: false };
  }
  return { failure, uploadArtifacts: ranBuild };
}

async function runPhase(
  ctx: PhaseRunContext,
  phase: BuildPhase,
  spec: PhaseSpec,
): Promise<{ reason?: string; aborted?: AbortStatus }> {
  ctx.log.container(`Entering phase ${phase}`);
  let reason = await runCommands(ctx, spec.commands);
  if (!ctx.aborted() && spec.finally.length > 0) {
    const finallyReason = await runCommands(ctx, spec.finally);
    reason ??= finallyReason;
  }
  const aborted = ctx.aborted();
  const state = aborted ?? (reason ? 'FAILED' : 'SUCCEEDED');
  ctx.log.container(`Phase complete: ${phase} State: ${state}`);
  const code = aborted ? '' : reason ? 'COMMAND_EXECUTION_ERROR' : '';
  ctx.log.container(
    `Phase context status code: ${code} Message: ${aborted ? '' : (reason?.replace(/^\w+: /, '') ?? '')}`,
  );
  return aborted ? { aborted } : { reason };
}

/** Runs commands until one fails; returns CodeBuild's reason for the failure, if any. */
async function runCommands(ctx: PhaseRunContext, commands: readonly string[]): Promise<string | undefined> {
  for (const command of commands) {
    if (ctx.aborted()) return undefined;
    ctx.log.container(`Running command ${command}`);
    const result = await ctx.shell.run(command);
    if (ctx.aborted()) return undefined;
    if (result.status !== 0) {
      ctx.log.container(`Command did not exit successfully ${command} exit status ${result.status}`);
      return `COMMAND_EXECUTION_ERROR: Error while executing command: ${command}. Reason: exit status ${result.status}`;
    }
  }
  return undefined;
}
