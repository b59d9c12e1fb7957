import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourcePush } from '../../../../../events/source-push.ts';
import { PipelineConfig } from '../../../../../shared/domain/pipeline-config.ts';
import { pickBaseEnv } from '../../../../../shared/local/buildspec/build-env.ts';
import {
  type FinishedBuild,
  LocalBuilder,
  type LocalBuilderOptions,
} from '../../../../../shared/local/local-builder.ts';
import type { BuildOutcome, BuildRequest } from '../../../../../shared/ports/builder.ts';
import { FakeClock } from '../../../../support/fake-clock.ts';

/** A LocalBuilder over a temporary data directory that collects its outcomes. */
export interface BuilderHarness {
  builder: LocalBuilder;
  dataDir: string;
  clock: FakeClock;
  finished: { outcome: BuildOutcome; build: FinishedBuild }[];
  errors: string[];
  /** The outcome of `buildId`, once `onFinished` has it. */
  outcome(buildId: string): Promise<BuildOutcome>;
  cleanup(): Promise<void>;
}

export async function makeBuilder(options: Partial<LocalBuilderOptions> = {}): Promise<BuilderHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pushline-builds-'));
  const clock = new FakeClock('2026-11-27T05:39:29.000Z');
  const finished: BuilderHarness['finished'] = [];
  const errors: string[] = [];
  const waiters = new Map<string, (outcome: BuildOutcome) => void>();
  const builder = new LocalBuilder({
    dataDir,
    clock,
    env: pickBaseEnv(process.env),
    killGraceMs: 300,
    logger: { info() {}, warn() {}, error: (message) => errors.push(message) },
    ...options,
    onFinished: async (outcome, build) => {
      finished.push({ outcome, build });
      waiters.get(outcome.buildId)?.(outcome);
      await options.onFinished?.(outcome, build);
    },
  });
  return {
    builder,
    dataDir,
    clock,
    finished,
    errors,
    outcome: (buildId) => {
      const done = finished.find((f) => f.outcome.buildId === buildId);
      if (done) return Promise.resolve(done.outcome);
      return new Promise((resolve) => waiters.set(buildId, resolve));
    },
    async cleanup() {
      await builder.stopAll('test over');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let runs = 0;

/** A build request for `commit` of the bare repository `cloneUrl`, on a fresh run id. */
export function buildRequest(
  cloneUrl: string,
  commit: string,
  overrides: {
    pipeline?: Record<string, unknown>;
    source?: Partial<SourcePush>;
    runId?: string;
    attempt?: number;
  } = {},
): BuildRequest {
  runs += 1;
  return {
    runId: overrides.runId ?? `01JDRUN${String(runs).padStart(19, '0')}`,
    attempt: overrides.attempt ?? 1,
    pipeline: PipelineConfig.parse({ name: 'shop', source: { github: 'acme/shop' }, ...overrides.pipeline }),
    source: {
      provider: 'github',
      repo: 'acme/shop',
      ref: 'refs/heads/main',
      branch: 'main',
      commit,
      previousCommit: '0'.repeat(40),
      message: 'Apply the discount before tax',
      author: 'Ada Lovelace',
      pushedAt: '2026-11-27T05:39:20Z',
      cloneUrl,
      ...overrides.source,
    },
  };
}
