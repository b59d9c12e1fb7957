import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { parseDocument } from 'yaml';
import { installHook } from '../../cli/commands/hook.ts';
import { commitAndPush, DEMO_REPO, freePort, scaffoldDemo } from '../../cli/demo/scaffold.ts';
import { startTraffic } from '../../cli/demo/traffic.ts';
import { createLocalApp } from '../../cli/local/create-local-app.ts';
import { silentBusLogger } from '../../shared/local/local-bus.ts';
import { type BenchOptions, type Figure, type FigureResult, fmt, median } from '../lib/figure.ts';

const run$ = promisify(execFile);
const BAKE_SECONDS = 1;

/** Edits that make the demo's service answer with another version. */
const bump = (version: string) => ({
  'app.js': (text: string) => text.replace(/VERSION = '[\d.]+'/, `VERSION = '${version}'`),
});

/**
 * The steps of a run, done by hand in a shell script — the least any tool must do: fetch the commit,
 * run the buildspec's commands, start the new release for staging and wait for its health check,
 * start it for production and wait again, stop the old one. No canary bake (subtracted from Pushline).
 */
const SCRIPT = `set -e
W=$(mktemp -d)
git clone -q "$ORIGIN" "$W/src" && cd "$W/src" && git checkout -q "$COMMIT"
node --version > /dev/null
mkdir -p reports
node --test --test-reporter=junit --test-reporter-destination=reports/junit.xml test/*.test.js
export APP_VERSION=$(node -p "require('./package.json').version")
wait_healthy() { until curl -sf "http://127.0.0.1:$1/healthz" > /dev/null; do sleep 0.02; done; }
PORT=$STAGING node server.js > /dev/null 2>&1 & S=$!
wait_healthy $STAGING
PORT=$PRODUCTION node server.js > /dev/null 2>&1 & P=$!
wait_healthy $PRODUCTION
kill $S $P
rm -rf "$W"
`;

interface Timing {
  toBuildStarted: number;
  toProduction: number;
}

/** The demo's service with Pushline's local mode, real builder and deployer: one change pushed to production. */
async function pushline(
  rounds: number,
  log: (line: string) => void,
): Promise<{ pushline: Timing[]; script: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'pushline-bench-push-'));
  const ports = { staging: await freePort(), production: await freePort() };
  const repo = await scaffoldDemo(dir, ports);
  const file = parseDocument(readFileSync(repo.configFile, 'utf8'));
  const canary = ['pipelines', 0, 'production', 'canary'];
  file.setIn([...canary, 'interval'], `${BAKE_SECONDS}s`);
  file.setIn([...canary, 'bake'], `${BAKE_SECONDS}s`);
  file.setIn([...canary, 'minRequests'], 5);
  writeFileSync(repo.configFile, file.toString());
  const env = { ...process.env, GITHUB_WEBHOOK_SECRET: randomBytes(16).toString('hex') };
  const app = await createLocalApp({
    file: repo.configFile,
    dataDir: repo.dataDir,
    port: 0,
    env,
    logger: silentBusLogger,
    quiet: true,
  });
  const traffic = startTraffic({ port: ports.production, ratePerSecond: 50 });
  const results: { pushline: Timing[]; script: number[] } = { pushline: [], script: [] };
  try {
    await installHook({ gitDir: repo.origin, repo: DEMO_REPO, url: app.url, dataDir: repo.dataDir });
    const until = async (predicate: () => boolean) => {
      const deadline = Date.now() + 120_000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error('the run did not end within 2 minutes');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const lastRun = () =>
      app.store.db.prepare('SELECT id, status FROM runs ORDER BY id DESC LIMIT 1').get() as
        | { id: string; status: string }
        | undefined;
    const buildStarted = (runId: string) =>
      app.store.db
        .prepare("SELECT 1 FROM events WHERE run_id = ? AND detail_type = 'Build Started'")
        .get(runId);
    // The first release, so that each measured push goes through a canary against a live one.
    await commitAndPush(repo, 'Initial commit', {}, env);
    await until(() => lastRun()?.status === 'succeeded');
    for (let round = 0; round < rounds; round++) {
      log(`  6: push ${round + 1}`);
      const before = lastRun()?.id;
      const t0 = performance.now();
      const { commit } = await commitAndPush(repo, `Version 1.${round + 1}`, bump(`1.${round + 1}.0`), env);
      await until(() => lastRun()?.id !== before);
      const runId = lastRun()!.id;
      await until(() => buildStarted(runId) !== undefined);
      const toBuildStarted = performance.now() - t0;
      await until(() => lastRun()?.status !== 'running');
      if (lastRun()?.status !== 'succeeded') throw new Error(`the run ended ${lastRun()?.status}`);
      results.pushline.push({ toBuildStarted, toProduction: performance.now() - t0 - BAKE_SECONDS * 1000 });
      const s0 = performance.now();
      const scriptPorts = { staging: await freePort(), production: await freePort() };
      await run$('bash', ['-c', SCRIPT], {
        env: {
          ...process.env,
          ORIGIN: repo.origin,
          COMMIT: commit,
          STAGING: String(scriptPorts.staging),
          PRODUCTION: String(scriptPorts.production),
        },
      });
      results.script.push(performance.now() - s0);
    }
    return results;
  } finally {
    await traffic.stop();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const pushToProductionFigure: Figure = {
  id: 6,
  name: 'git push to production',
  async run(options: BenchOptions): Promise<FigureResult[]> {
    const results = await pushline(options.quick ? 1 : options.rounds, options.log);
    const toProduction = median(results.pushline.map((t) => t.toProduction));
    const toBuild = median(results.pushline.map((t) => t.toBuildStarted));
    const script = median(results.script);
    return [
      {
        id: '6a',
        name: `git push → production, the demo's service, minus the ${BAKE_SECONDS} s bake`,
        value: `${fmt.n(toProduction / 1000, 2)} s`,
        baseline: `a shell script doing the same steps: ${fmt.n(script / 1000, 2)} s`,
        ratio: toProduction / script,
        goal: '≤ 1.5×',
        pass: toProduction / script <= 1.5,
        detail: results,
      },
      {
        id: '6b',
        name: 'git push → Build Started recorded',
        value: `${fmt.n(toBuild)} ms`,
        baseline: 'the push itself is in it (git commit + push + the hook)',
        ratio: null,
        goal: '≤ 200 ms',
        pass: toBuild <= 200,
      },
    ];
  },
};
