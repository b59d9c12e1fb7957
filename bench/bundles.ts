/**
 * `npm run bench:bundles`: builds each deployed function's production bundle exactly as
 * serverless.yml does (serverless-esbuild's options, pushline.yml compiled in), and measures its
 * size and how long `import()` of it takes in a fresh `node` process (median of N runs) — the
 * module-load part of a Lambda cold start. Beside them, built with the same esbuild options in
 * the same run: the naive bundle of the usual stack (@aws-sdk/client-codebuild, all of zod,
 * @middy/core, Powertools logger and metrics; without our plugins), which the ratio column divides by; and, for reference, the
 * floor of any function that talks to DynamoDB (a bundle that only builds a DynamoDBClient).
 *
 * `BENCH_NODE=/path/to/node` times the bundles with another node than the one running the bench —
 * Lambda runs Node 22 (docs/aws.md says how to get one from the npm registry).
 *
 * The runs are interleaved (run 1 of every bundle, then run 2 of every bundle, …) so that a
 * machine that gets busier or quieter during the bench moves every row alike. Not a test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { DEPLOYED_NAMES } from '../serverless/functions.ts';
import { entryOptions, environmentOf, productionOptions } from './production-options.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const work = mkdtempSync(join(tmpdir(), 'pushline-bench-'));
const NAIVE = 'naive (codebuild+zod+middy+powertools)';
const FLOOR = 'floor (a DynamoDBClient, nothing else)';
const BASE_ENV = { AWS_REGION: 'eu-west-1' };
const NODE = process.env.BENCH_NODE ?? process.execPath;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds to `import()` the bundle in a new node process (process start excluded). */
function loadTime(file: string, environment: Record<string, string>): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  const env = { PATH: process.env.PATH, ...environment };
  try {
    const out = execFileSync(NODE, ['--input-type=module', '-e', script], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return Number(out.trim());
  } catch (error) {
    throw new Error(`${file} does not load: ${(error as { stderr?: string }).stderr ?? error}`);
  }
}

async function bundle(name: string, options: BuildOptions): Promise<{ file: string; bytes: number }> {
  const file = join(work, `${name.split(' ')[0]}.mjs`);
  await build({ ...options, outfile: file });
  return { file, bytes: statSync(file).size };
}

async function main(): Promise<void> {
  const options = productionOptions();
  try {
    const bundles = [
      ...(await Promise.all(
        DEPLOYED_NAMES.map(async (name) => ({
          name,
          env: environmentOf(name),
          ...(await bundle(name, { ...options, ...entryOptions(name) })),
        })),
      )),
      { name: FLOOR, env: BASE_ENV, ...(await bundle(FLOOR, { ...options, ...entryOptions('floor') })) },
      { name: NAIVE, env: BASE_ENV, ...(await bundle(NAIVE, { ...options, ...entryOptions('naive') })) },
    ];
    const times = new Map(bundles.map((b) => [b.name, [] as number[]]));
    for (let run = 0; run < RUNS; run++) {
      for (const b of bundles) times.get(b.name)!.push(loadTime(b.file, b.env));
    }
    const ms = (name: string) => median(times.get(name)!);
    const naiveMs = ms(NAIVE);
    const pad = (text: string, width: number) => text.padEnd(width);
    const version = execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim();
    console.log(`node ${version}, ${RUNS} interleaved runs each, median import() time\n`);
    console.log(`${pad('bundle', 42)}${pad('size', 12)}${pad('load ms', 10)}ratio to naive`);
    for (const b of bundles) {
      console.log(
        `${pad(b.name, 42)}${pad(`${(b.bytes / 1024).toFixed(0)} KiB`, 12)}${pad(ms(b.name).toFixed(1), 10)}${(ms(b.name) / naiveMs).toFixed(2)}`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
