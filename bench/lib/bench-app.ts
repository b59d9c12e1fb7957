import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalApp, type LocalApp } from '../../cli/local/create-local-app.ts';
import { silentBusLogger } from '../../shared/local/local-bus.ts';
import { registerInstantHandlers } from './instant-pipeline.ts';

export const WEBHOOK_SECRET = 'bench-secret';

export interface BenchPipeline {
  name: string;
  /** `owner/name` on GitHub. */
  repo: string;
  concurrency?: 'supersede' | 'queue' | 'parallel';
  /** Branch filter (`on.branches`); default: every push. */
  branches?: string[];
}

/** A `pushline.yml` of local pipelines with a fast canary, each on its own ports. */
export function pipelineFile(pipelines: readonly BenchPipeline[]): string {
  return pipelines
    .map((p, i) =>
      [
        `  - name: ${p.name}`,
        `    source: { github: ${p.repo} }`,
        ...(p.branches ? [`    on: { branches: [${p.branches.map((b) => `'${b}'`).join(', ')}] }`] : []),
        `    concurrency: ${p.concurrency ?? 'supersede'}`,
        `    staging: { local: { start: 'node server.js', port: ${20_000 + 2 * i} } }`,
        '    production:',
        `      local: { start: 'node server.js', port: ${20_001 + 2 * i} }`,
        '      canary: { traffic: 10, interval: 1s, bake: 1s, minRequests: 1 }',
      ].join('\n'),
    )
    .reduce((file, block) => `${file}${block}\n`, 'pipelines:\n');
}

/**
 * The real local app (SQLite store, outbox, bus, HTTP server, the stage handlers) over a fresh data
 * folder, with the instant builder, deployer, scheduler and metrics of `registerInstantHandlers`.
 */
export async function startBenchApp(pipelines: readonly BenchPipeline[]): Promise<{
  app: LocalApp;
  dir: string;
  close: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'pushline-bench-app-'));
  const file = join(dir, 'pushline.yml');
  writeFileSync(file, pipelineFile(pipelines));
  const app = await createLocalApp({
    file,
    dataDir: join(dir, '.pushline'),
    port: 0,
    env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET, PATH: process.env.PATH },
    logger: silentBusLogger,
    quiet: true,
    retryDelaysMs: [50, 200],
    registerHandlers: registerInstantHandlers,
  });
  return {
    app,
    dir,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once no run of the store is running (polled), or rejects after `timeoutMs`. */
export async function untilAllEnded(app: LocalApp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const running = app.store.db.prepare("SELECT count(*) AS n FROM runs WHERE status = 'running'");
  while ((running.get() as { n: number }).n > 0) {
    if (Date.now() > deadline) {
      throw new Error(`${(running.get() as { n: number }).n} runs still running after ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
