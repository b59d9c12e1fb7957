import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TransientError } from '../domain/errors.ts';
import type { Builder, BuildOutcome, BuildRequest } from '../ports/builder.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import { silentLogger } from '../ports/logger.ts';
import { type BuildRecord, buildDir, indexPath, readRecord, writeRecord } from './buildspec/build-record.ts';
import { type ReapedBuild, reapOrphanBuilds } from './buildspec/reap-orphans.ts';
import { BuildExecution } from './buildspec/run-build.ts';

/** The logger the local builder takes (one `Logger` for the whole code base). */
export type BuilderLogger = Logger;

/** Which run a finished build belongs to (`onFinished`'s second argument). */
export interface FinishedBuild {
  runId: string;
  attempt: number;
  pipeline: string;
  /** `<dataDir>/builds/<build>`: build.json, build.log, artifacts/. */
  dir: string;
}

export interface LocalBuilderOptions {
  /** Builds live in `<dataDir>/builds/<build>/`. */
  dataDir: string;
  clock?: Clock;
  /** Called once per build when it ends, whatever the status; a throw is logged, not retried. */
  onFinished: (outcome: BuildOutcome, build: FinishedBuild) => Promise<void> | void;
  logger?: BuilderLogger;
  /** The base environment of builds; pass `pickBaseEnv(process.env)`. Default: a plain PATH. */
  env?: Record<string, string | undefined>;
  /** SIGTERM → SIGKILL grace when a build is stopped or times out (default 3000 ms). */
  killGraceMs?: number;
  /** Commits of history to fetch: 1 (default, as CodeBuild webhooks) or 0 for a full clone. */
  cloneDepth?: number;
  /** Keep `src/` after the build (default: removed; the artifacts stay). */
  keepSource?: boolean;
}

const DEFAULT_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin' };

interface RunningBuild {
  execution: BuildExecution;
  record: BuildRecord;
  /** Stopped by a graceful shutdown: recorded `INTERRUPTED`, not reported to its run. */
  interrupted: boolean;
  /** Resolves once the outcome is recorded in build.json (before `onFinished` is awaited). */
  recorded: Promise<void>;
}

/**
 * The `Builder` of local mode: runs the commit's `buildspec.yml` with real processes, CodeBuild
 * style (see docs/local-builds.md). `start` answers at once and the build runs in the background;
 * its end arrives through `onFinished`. `start` is idempotent per run and attempt, also across a
 * restart (an index file ties the two); `stop` is idempotent and waits until the build's
 * processes are gone. build.json records the shell's process group so `reapOrphans` can clean
 * up after a server that died mid-build.
 */
export class LocalBuilder implements Builder {
  private readonly clock: Clock;
  private readonly logger: BuilderLogger;
  private readonly builds = new Map<string, RunningBuild>();
  private readonly starting = new Map<string, Promise<{ buildId: string; logUrl: string }>>();
  private numbering: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LocalBuilderOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  /** Kills and marks FAULT the builds a previous server left IN_PROGRESS; see `reapOrphanBuilds`. */
  static reapOrphans(dataDir: string, clock: Clock = systemClock): Promise<ReapedBuild[]> {
    return reapOrphanBuilds(dataDir, clock);
  }

  start(request: BuildRequest): Promise<{ buildId: string; logUrl: string }> {
    const key = `${request.runId}#${request.attempt}`;
    let started = this.starting.get(key);
    if (!started) {
      started = this.begin(request);
      this.starting.set(key, started);
      started.catch(() => this.starting.delete(key));
    }
    return started;
  }

  async stop(buildId: string, reason: string): Promise<void> {
    const build = this.builds.get(buildId);
    if (!build) return;
    this.logger.info('stopping build', { buildId, reason });
    build.execution.stop('STOPPED', reason);
    await build.recorded;
  }

  /** The ids of the builds running now. */
  running(): string[] {
    return [...this.builds.keys()];
  }

  /** Stops every running build (at shutdown) and waits for their processes to end. */
  async stopAll(reason = 'the server is shutting down'): Promise<void> {
    await Promise.all(this.running().map((id) => this.stop(id, reason)));
  }

  /**
   * A graceful shutdown: every running build is stopped and recorded `INTERRUPTED` instead of
   * ending — its run hears nothing and stays building — so that the next server starts it again
   * (`resume`). A crash leaves `IN_PROGRESS` instead, which `reapOrphans` ends as `FAULT`: a build
   * killed at an unknown point is not run twice on our own.
   */
  async interruptAll(): Promise<void> {
    await Promise.all(
      [...this.builds.values()].map(async (build) => {
        build.interrupted = true;
        build.execution.stop('STOPPED', 'pushline is shutting down; the next pushline up starts it again');
        await build.recorded;
      }),
    );
  }

  /**
   * Starts again, under the same build id, folder and log, the build of a run's attempt that a
   * graceful shutdown interrupted; answers its id, or `undefined` when there is no such build
   * (none, or one that ended or crashed). Its outcome reaches `onFinished` as any build's does.
   */
  async resume(request: BuildRequest): Promise<{ buildId: string } | undefined> {
    const found = await this.findBuild(request.runId, request.attempt);
    if (!found || this.builds.has(found.buildId)) return undefined;
    const previous = await readRecord(found.dir);
    if (previous?.status !== 'INTERRUPTED') return undefined;
    // What the interrupted build left of its checkout and artifacts is not trusted: it starts clean.
    for (const part of ['src', 'artifacts', 'shell']) {
      await rm(join(found.dir, part), { recursive: true, force: true });
    }
    const record: BuildRecord = {
      buildId: previous.buildId,
      runId: previous.runId,
      attempt: previous.attempt,
      pipeline: previous.pipeline,
      buildNumber: previous.buildNumber,
      status: 'IN_PROGRESS',
      startedAt: this.clock.now().toISOString(),
    };
    await writeRecord(found.dir, record);
    this.launch(request, record, found.dir);
    this.logger.info('build started again after a shutdown', {
      buildId: record.buildId,
      runId: request.runId,
    });
    return { buildId: record.buildId };
  }

  /** Where the build of a run's attempt lives, once it has started. */
  async findBuild(
    runId: string,
    attempt: number,
  ): Promise<{ buildId: string; dir: string; logPath: string } | undefined> {
    const buildId = await readFile(indexPath(this.options.dataDir, runId, attempt), 'utf8').catch(
      () => undefined,
    );
    if (!buildId) return undefined;
    const dir = buildDir(this.options.dataDir, buildId);
    return { buildId, dir, logPath: join(dir, 'build.log') };
  }

  private async begin(request: BuildRequest): Promise<{ buildId: string; logUrl: string }> {
    const logUrl = `/api/runs/${encodeURIComponent(request.runId)}/logs/build`;
    try {
      const project = request.pipeline.build.codebuild?.project ?? request.pipeline.name;
      const candidate = `${project}:${randomUUID()}`;
      const buildId = await this.claim(request, candidate);
      if (buildId !== candidate) return { buildId, logUrl };
      const dir = buildDir(this.options.dataDir, buildId);
      await mkdir(dir, { recursive: true });
      const record: BuildRecord = {
        buildId,
        runId: request.runId,
        attempt: request.attempt,
        pipeline: request.pipeline.name,
        buildNumber: await this.nextBuildNumber(project),
        status: 'IN_PROGRESS',
        startedAt: this.clock.now().toISOString(),
      };
      await writeRecord(dir, record);
      this.launch(request, record, dir);
      this.logger.info('build started', { buildId, runId: request.runId, attempt: request.attempt });
      return { buildId, logUrl };
    } catch (error) {
      throw new TransientError(`cannot start a local build: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Ties run+attempt to a build id with an exclusive create; answers the id that won. */
  private async claim(request: BuildRequest, buildId: string): Promise<string> {
    const path = indexPath(this.options.dataDir, request.runId, request.attempt);
    await mkdir(dirname(path), { recursive: true });
    try {
      await writeFile(path, buildId, { flag: 'wx' });
      return buildId;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return (await readFile(path, 'utf8')).trim();
    }
  }

  private launch(request: BuildRequest, record: BuildRecord, dir: string): void {
    // build.json writes are chained so that a late pid update never overwrites the final status.
    let writes: Promise<void> = Promise.resolve();
    const persist = (change: Partial<BuildRecord>) => {
      Object.assign(record, change);
      const snapshot = { ...record };
      writes = writes
        .then(() => writeRecord(dir, snapshot))
        .catch((error) => {
          this.logger.warn('cannot write build.json', { buildId: record.buildId, error: String(error) });
        });
      return writes;
    };
    const execution = new BuildExecution({
      request,
      buildId: record.buildId,
      buildNumber: record.buildNumber,
      dir,
      clock: this.clock,
      baseEnv: this.options.env ?? DEFAULT_ENV,
      killGraceMs: this.options.killGraceMs ?? 3000,
      cloneDepth: this.options.cloneDepth ?? 1,
      keepSource: this.options.keepSource ?? false,
      onProcessGroup: (pid) => void persist({ pid }),
      onPhase: (phase) => void persist({ phase }),
    });
    const running: RunningBuild = {
      execution,
      record,
      interrupted: false,
      recorded: Promise.resolve(),
    };
    const recorded = execution.done.then((outcome) =>
      persist({
        status: running.interrupted ? 'INTERRUPTED' : outcome.status,
        phase: outcome.phase,
        reason: outcome.reason,
        pid: undefined,
        endedAt: this.clock.now().toISOString(),
      }).then(() => outcome),
    );
    running.recorded = recorded.then(() => undefined);
    this.builds.set(record.buildId, running);
    void recorded.then(async (outcome) => {
      this.builds.delete(record.buildId);
      // From now on the index file answers a repeated start; the map need not grow forever.
      this.starting.delete(`${request.runId}#${request.attempt}`);
      if (running.interrupted) {
        this.logger.info('build interrupted by the shutdown', { buildId: record.buildId });
        return;
      }
      this.logger.info('build finished', {
        buildId: record.buildId,
        status: outcome.status,
        reason: outcome.reason,
      });
      try {
        await this.options.onFinished(outcome, {
          runId: request.runId,
          attempt: request.attempt,
          pipeline: request.pipeline.name,
          dir,
        });
      } catch (error) {
        this.logger.error('onFinished failed for a local build', {
          buildId: record.buildId,
          error: String(error),
        });
      }
    });
  }

  /** CODEBUILD_BUILD_NUMBER: 1, 2, 3… per project, kept in `<dataDir>/builds/numbers.json`. */
  private nextBuildNumber(project: string): Promise<number> {
    const path = join(this.options.dataDir, 'builds', 'numbers.json');
    const next = this.numbering.then(async () => {
      const numbers = JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as Record<string, number>;
      numbers[project] = (numbers[project] ?? 0) + 1;
      await writeFile(path, JSON.stringify(numbers));
      return numbers[project];
    });
    this.numbering = next.catch(() => undefined);
    return next;
  }
}
