import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLocalApp, type LocalApp } from '../../cli/local/create-local-app.ts';
import { silentBusLogger } from '../../shared/local/local-bus.ts';
import { askProduction, type LocalDemo, production } from './local-demo.ts';

const BIN = fileURLToPath(new URL('../../bin/pushline.js', import.meta.url));
const run$ = promisify(execFile);

/** What a `pushline` command answered: its exit code and what it printed. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The demo's server, as the local integration tests run it: the real local app (`createLocalApp`)
 * on a free port, the origin's hook pointed at it, and steady traffic to production (the canary
 * needs requests to be judged). `pushline(...)` runs the real command against it, as a user would;
 * `versionsServed()` asks production which releases answer now.
 */
export async function startDemoServer(demo: LocalDemo, options: { watchdogEverySeconds?: number } = {}) {
  const app: LocalApp = await createLocalApp({
    ...options,
    file: demo.repo.configFile,
    dataDir: demo.repo.dataDir,
    port: 0,
    env: demo.env,
    logger: silentBusLogger,
    quiet: true,
  });
  await demo.hookTo(app.url);
  const traffic = production(demo.ports.production);
  return {
    app,
    traffic,
    /** `pushline <args> --server <this server>`, with no server or token of the environment. */
    async pushline(...args: string[]): Promise<CommandResult> {
      try {
        const { stdout, stderr } = await run$(process.execPath, [BIN, ...args, '--server', app.url], {
          env: { ...process.env, PUSHLINE_SERVER: '', PUSHLINE_TOKEN: '' },
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as CommandResult;
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
      }
    },
    /** The versions `n` requests through the production proxy are answered by, sorted. */
    async versionsServed(n = 20): Promise<string[]> {
      const answers = await Promise.all(
        Array.from({ length: n }, (_, i) => askProduction(demo.ports.production, i)),
      );
      return [...new Set(answers.map((a) => a.version ?? `status ${a.status}`))].sort();
    },
    async close(): Promise<void> {
      await traffic.stop();
      await app.close();
    },
  };
}

export type DemoServer = Awaited<ReturnType<typeof startDemoServer>>;
