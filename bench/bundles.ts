/**
 * `npm run bench:bundles`: builds each deployed function's production bundle exactly as
 * serverless.yml does (serverless-esbuild's options, pushline.yml compiled in), and measures its
 * size and how long `import()` of it takes in a fresh `node` process (median of N runs) — the
 * module-load part of a Lambda cold start. Beside them, a naive bundle of the usual stack
 * (@aws-sdk/client-codebuild, all of zod, @middy/core, Powertools logger and metrics) built with
 * the same options in the same run; the ratio column is function ÷ naive. Not a test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { parse } from 'yaml';
import { DEPLOYED, DEPLOYED_NAMES } from '../serverless/functions.ts';
import { stack } from '../serverless/stack.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const work = mkdtempSync(join(tmpdir(), 'pushline-bench-'));

/** serverless.yml's `custom.esbuild`, minus the plugin's own keys, plus the resolved `define`. */
function productionOptions(): BuildOptions {
  const yml = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    custom: { esbuild: Record<string, unknown> };
  };
  const {
    exclude: _e,
    outputFileExtension: _o,
    define: _d,
    plugins: pluginFile,
    ...esbuild
  } = yml.custom.esbuild;
  const plugins = createRequire(import.meta.url)(join(ROOT, String(pluginFile))) as Plugin[];
  const { define } = stack({
    stage: 'bench',
    service: 'pushline',
    pipelineFileText: readFileSync(join(ROOT, 'pushline.yml'), 'utf8'),
  });
  return { ...(esbuild as BuildOptions), define, plugins, write: true, logLevel: 'silent' };
}

const NAIVE_ENTRY = `
import { CodeBuildClient, StartBuildCommand } from '@aws-sdk/client-codebuild';
import * as z from 'zod';
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
const client = new CodeBuildClient({});
const logger = new Logger({ serviceName: 'naive' });
const metrics = new Metrics({ namespace: 'naive', serviceName: 'naive' });
const Input = z.object({ projectName: z.string() });
export const handler = middy(async (event) => {
  const input = Input.parse(event);
  logger.info('starting', { input });
  metrics.addMetric('starts', 'Count', 1);
  return client.send(new StartBuildCommand(input));
});
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median milliseconds to `import()` the bundle in a new node process (process start excluded). */
function loadTime(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  const env = {
    PATH: process.env.PATH,
    AWS_REGION: 'eu-west-1',
    PUSHLINE_TABLE: 'pushline-bench',
    PUSHLINE_STAGE: 'bench',
  };
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env,
      encoding: 'utf8',
    });
    times.push(Number(out.trim()));
  }
  return median(times);
}

async function bundle(name: string, options: BuildOptions): Promise<{ file: string; bytes: number }> {
  const file = join(work, `${name}.mjs`);
  await build({ ...options, outfile: file });
  return { file, bytes: statSync(file).size };
}

async function main(): Promise<void> {
  const options = productionOptions();
  const naiveEntry = join(ROOT, 'bench', '.naive-entry.mjs');
  writeFileSync(naiveEntry, NAIVE_ENTRY);
  const rows: { name: string; bytes: number; ms: number }[] = [];
  try {
    const naive = await bundle('naive', { ...options, entryPoints: [naiveEntry] });
    const naiveMs = loadTime(naive.file);
    for (const name of DEPLOYED_NAMES) {
      const { file, bytes } = await bundle(name, {
        ...options,
        entryPoints: [join(ROOT, 'functions', DEPLOYED[name].dir, 'handler.ts')],
      });
      rows.push({ name, bytes, ms: loadTime(file) });
    }
    rows.push({ name: 'naive (codebuild+zod+middy+powertools)', bytes: naive.bytes, ms: naiveMs });
    const pad = (text: string, width: number) => text.padEnd(width);
    console.log(`node ${process.version}, ${RUNS} runs each, median import() time\n`);
    console.log(`${pad('bundle', 42)}${pad('size', 12)}${pad('load ms', 10)}ratio to naive`);
    for (const row of rows) {
      console.log(
        `${pad(row.name, 42)}${pad(`${(row.bytes / 1024).toFixed(0)} KiB`, 12)}${pad(row.ms.toFixed(1), 10)}${(row.ms / naiveMs).toFixed(2)}`,
      );
    }
  } finally {
    rmSync(naiveEntry, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
