import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildOutcome, BuildRequest } from '../../ports/builder.ts';
import type { Clock } from '../../ports/clock.ts';
import { buildEnvironment } from './build-env.ts';
import { BuildLog } from './build-log.ts';
import { collectReports, describeFailingTest } from './collect-reports.ts';
import { copyArtifacts, NoArtifactsError } from './copy-artifacts.ts';
import type { Buildspec } from './parse-buildspec.ts';
import { prepareSource, SourceError } from './prepare-source.ts';
import { type AbortStatus, BuildPhase, runPhases } from './run-phases.ts';
import { ShellSession } from './shell-session.ts';

export interface BuildExecutionOptions {
  request: BuildRequest;
  buildId: string;
  buildNumber: number;
  /** The build's own directory: build.log, src/, artifacts/. */
  dir: string;
  clock: Clock;
  baseEnv: Record<string, string | undefined>;
  /** Between SIGTERM and SIGKILL when a build is stopped or times out. */
  killGraceMs: number;
  cloneDepth: number;
  keepSource: boolean;
  /** Told the process group of every shell the build starts (for build.json). */
  onProcessGroup(pid: number): void;
  /** Told when the build enters a phase (for build.json). */
  onPhase?(phase: BuildPhase): void;
}

/**
 * One local build from checkout to outcome: DOWNLOAD_SOURCE, the buildspec's phases in one
 * shell, the JUnit reports, UPLOAD_ARTIFACTS. `done` never rejects: whatever goes wrong becomes
 * an outcome (FAILED for the build's own faults, FAULT for the runner's). `stop` ends it early.
 */
export class BuildExecution {
  readonly done: Promise<BuildOutcome>;
  private phase: BuildPhase = BuildPhase.DownloadSource;
  private abort?: { status: AbortStatus; reason: string };
  private ended = false;
  private readonly controller = new AbortController();
  private shell?: ShellSession;
  private readonly log: BuildLog;
  private readonly sourceDir: string;
  private readonly startedAt: Date;

  constructor(private readonly options: BuildExecutionOptions) {
    this.sourceDir = join(options.dir, 'src');
    this.startedAt = options.clock.now();
    this.log = new BuildLog(join(options.dir, 'build.log'), options.clock);
    this.done = this.run();
  }

  /** Kills the build's processes (SIGTERM, then SIGKILL after the grace period); idempotent. */
  stop(status: AbortStatus, reason: string): void {
    if (this.abort || this.ended) return;
    this.abort = { status, reason };
    this.controller.abort();
    this.shell?.terminate('SIGTERM');
    setTimeout(() => this.shell?.kill('SIGKILL'), this.options.killGraceMs).unref();
  }

  private async run(): Promise<BuildOutcome> {
    const { request } = this.options;
    const timeoutSeconds = request.pipeline.timeouts.build;
    const timer = setTimeout(
      () => this.stop('TIMED_OUT', `BUILD_TIMED_OUT: Build has timed out after ${timeoutSeconds} seconds`),
      timeoutSeconds * 1000,
    );
    try {
      return await this.execute();
    } catch (error) {
      this.log.container(`Build fault: ${(error as Error).message}`);
      return this.outcome({
        status: 'FAULT',
        phase: this.phase,
        reason: `FAULT: ${(error as Error).message}`,
      });
    } finally {
      clearTimeout(timer);
      this.ended = true;
      await this.shell?.close(this.options.killGraceMs).catch(() => undefined);
      await this.log.close().catch(() => undefined);
      // The shell's state holds the build's environment: it goes. A failed removal changes no outcome.
      await rm(join(this.options.dir, 'shell'), { recursive: true, force: true }).catch(() => undefined);
      if (!this.options.keepSource) {
        await rm(this.sourceDir, { recursive: true, force: true }).catch(() => undefined);
      }
    }
  }

  private async execute(): Promise<BuildOutcome> {
    const { request, dir } = this.options;
    this.log.container(`Running on Pushline local builder, build ${this.options.buildId}`);
    this.log.container('Entering phase DOWNLOAD_SOURCE');
    let spec: Buildspec;
    try {
      const prepared = await prepareSource({
        source: request.source,
        sourceDir: this.sourceDir,
        buildspec: request.pipeline.build.buildspec,
        env: this.options.baseEnv,
        signal: this.controller.signal,
        depth: this.options.cloneDepth,
      });
      spec = prepared.buildspec;
      this.log.container(`CODEBUILD_SRC_DIR=${this.sourceDir}`);
      this.log.container(`Checked out ${prepared.commit}`);
      this.log.container(`YAML location is ${prepared.buildspecPath}`);
    } catch (error) {
      if (this.abort) return this.aborted(BuildPhase.DownloadSource);
      if (!(error instanceof SourceError)) throw error;
      this.phaseComplete('DOWNLOAD_SOURCE', 'FAILED', error.reason);
      return this.outcome({ status: 'FAILED', phase: 'DOWNLOAD_SOURCE', reason: error.reason });
    }
    const { env, warnings } = buildEnvironment({
      request,
      buildId: this.options.buildId,
      buildNumber: this.options.buildNumber,
      sourceDir: this.sourceDir,
      startedAt: this.startedAt,
      variables: spec.variables,
      base: this.options.baseEnv,
    });
    for (const warning of [...spec.warnings, ...warnings]) this.log.container(`Warning: ${warning}`);
    const phases = Object.entries(spec.phases);
    this.log.container(`Phases found in YAML: ${phases.length}`);
    for (const [name, phase] of phases) {
      this.log.container(` ${name.toUpperCase()}: ${phase.commands.length} commands`);
    }
    this.phaseComplete('DOWNLOAD_SOURCE', 'SUCCEEDED');

    await mkdir(join(dir, 'shell'), { recursive: true });
    const shell = new ShellSession({
      shell: spec.shell,
      cwd: this.sourceDir,
      env,
      stateDir: join(dir, 'shell'),
      onOutput: (chunk) => this.log.output(chunk),
      onSpawn: (pid) => this.options.onProcessGroup(pid),
    });
    this.shell = shell;
    if (this.abort) shell.terminate('SIGTERM');
    const result = await runPhases({
      spec,
      shell,
      log: this.log,
      aborted: () => this.abort?.status,
      onPhase: (phase) => this.enter(phase),
    });
    const exportedVariables = this.abort ? {} : await this.exportedVariables(shell, spec);
    await shell.close(this.options.killGraceMs);
    const reports = await collectReports(this.sourceDir, spec.reports, (w) =>
      this.log.container(`Warning: ${w}`),
    );
    const tests = { tests: reports.tests, failingTests: reports.failing.map((t) => describeFailingTest(t)) };
    if (spec.reports.length === 0) {
      // Otherwise the run says "0 tests" and nobody knows why.
      this.log.container(
        'Warning: the buildspec has no reports: section, so no test results were read. Add one naming your JUnit XML files, e.g. reports: { tests: { files: [junit.xml], file-format: JUNITXML } } (docs/local-builds.md)',
      );
    }
    if (reports.tests) {
      const t = reports.tests;
      this.log.container(
        `Tests: ${t.total} total, ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`,
      );
    }
    if (result.aborted) return this.aborted(result.aborted.phase, tests);

    let failure = result.failure;
    let artifacts: { location?: string; files: string[] } = { files: [] };
    if (result.uploadArtifacts && spec.artifacts) {
      this.enter(BuildPhase.UploadArtifacts);
      this.log.container('Entering phase UPLOAD_ARTIFACTS');
      try {
        const location = join(dir, 'artifacts');
        const files = await copyArtifacts(this.sourceDir, spec.artifacts, location);
        this.log.container(`Found ${files.length} file(s)`);
        artifacts = { location, files };
        this.phaseComplete('UPLOAD_ARTIFACTS', 'SUCCEEDED');
      } catch (error) {
        if (!(error instanceof NoArtifactsError)) throw error;
        this.phaseComplete('UPLOAD_ARTIFACTS', 'FAILED', error.reason);
        failure ??= { phase: BuildPhase.UploadArtifacts, reason: error.reason };
      }
    }
    const base = { ...tests, artifacts: { ...artifacts, exportedVariables } };
    if (failure)
      return this.outcome({ status: 'FAILED', phase: failure.phase, reason: failure.reason, ...base });
    return this.outcome({ status: 'SUCCEEDED', ...base });
  }

  private enter(phase: BuildPhase): void {
    this.phase = phase;
    this.options.onPhase?.(phase);
  }

  private async exportedVariables(shell: ShellSession, spec: Buildspec): Promise<Record<string, string>> {
    if (spec.exportedVariables.length === 0) return {};
    const values = await shell.readVariables(spec.exportedVariables);
    for (const name of spec.exportedVariables) {
      if (!(name in values))
        this.log.container(`Warning: exported variable ${name} is not set; not exported`);
    }
    return values;
  }

  private phaseComplete(phase: string, state: string, reason?: string): void {
    this.log.container(`Phase complete: ${phase} State: ${state}`);
    const [code, ...message] = reason ? reason.split(': ') : [''];
    this.log.container(`Phase context status code: ${code} Message: ${message.join(': ')}`);
  }

  private aborted(phase: BuildPhase, extra: Partial<BuildOutcome> = {}): BuildOutcome {
    const abort = this.abort ?? { status: 'STOPPED' as const, reason: 'stopped' };
    this.log.container(`Build ${abort.status === 'STOPPED' ? 'stopped' : 'timed out'}: ${abort.reason}`);
    return this.outcome({ status: abort.status, phase, reason: abort.reason, ...extra });
  }

  private outcome(fields: Partial<BuildOutcome> & Pick<BuildOutcome, 'status'>): BuildOutcome {
    const seconds = (this.options.clock.now().getTime() - this.startedAt.getTime()) / 1000;
    return {
      buildId: this.options.buildId,
      runId: this.options.request.runId,
      failingTests: [],
      artifacts: { files: [], exportedVariables: {} },
      durationSeconds: Math.max(0, Math.round(seconds)),
      ...fields,
    };
  }
}
