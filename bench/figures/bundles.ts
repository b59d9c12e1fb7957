import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { DEPLOYED_NAMES, type DeployedName } from '../../serverless/functions.ts';
import { type BenchOptions, type Figure, type FigureResult, fmt, median } from '../lib/figure.ts';
import { entryOptions, environmentOf, productionOptions, ROOT } from '../production-options.ts';

const require = createRequire(import.meta.url);

/** Milliseconds to `import()` a bundle in a new node process (process start excluded). */
function loadTime(node: string, file: string, environment: Record<string, string>): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  const out = execFileSync(node, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...environment },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return Number(out.trim());
}

/** The AWS SDK client packages a bundle holds, from esbuild's metafile. */
function sdkClientsOf(inputs: Record<string, unknown>): string[] {
  const packages = new Set<string>();
  for (const path of Object.keys(inputs)) {
    const match = /node_modules\/(@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb))\//.exec(path);
    if (match) packages.add(match[1]!);
  }
  return [...packages].sort();
}

/** The client class a package exports (`@aws-sdk/client-dynamodb` → `DynamoDBClient`). */
function clientClassOf(pkg: string): string {
  if (pkg === '@aws-sdk/lib-dynamodb') return 'DynamoDBDocumentClient';
  const exports = Object.keys(require(pkg) as object);
  const name = exports.find((e) => /^[A-Z]\w*Client$/.test(e) && e !== 'Client' && !e.startsWith('__'));
  if (!name) throw new Error(`${pkg} exports no client class`);
  return name;
}

/**
 * A function's own floor: a bundle that only constructs the SDK clients the function's bundle
 * holds, built with the same options — what the function could not load faster than.
 */
function floorEntry(packages: readonly string[]): string {
  const lines: string[] = [];
  const hasDocument = packages.includes('@aws-sdk/lib-dynamodb');
  for (const pkg of packages) {
    if (pkg === '@aws-sdk/lib-dynamodb') continue;
    const name = clientClassOf(pkg);
    lines.push(`import { ${name} } from '${pkg}';`, `globalThis.__${name} = new ${name}({});`);
  }
  if (hasDocument) {
    lines.push(
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
      'globalThis.__doc = DynamoDBDocumentClient.from(globalThis.__DynamoDBClient);',
    );
  }
  return lines.join('\n');
}

export const bundlesFigure: Figure = {
  id: 1,
  name: 'Lambda bundle load time',
  async run(options: BenchOptions): Promise<FigureResult[]> {
    const node = process.env.BENCH_NODE ?? process.execPath;
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    const runs = Math.max(2, Math.round((options.quick ? 3 : 11) * Math.min(1, options.scale * 100)));
    // --quick: one function of each kind (a receiver, a stage on the store, the judge, the outbox's).
    const quickNames: readonly DeployedName[] = ['receive-github', 'start-build', 'judge-canary', 'publish'];
    const names: readonly DeployedName[] =
      options.scale < 1
        ? quickNames.slice(0, 2)
        : options.quick
          ? quickNames.filter((n) => DEPLOYED_NAMES.includes(n))
          : DEPLOYED_NAMES;
    const work = mkdtempSync(join(tmpdir(), 'pushline-bench-bundles-'));
    const base: BuildOptions = { ...productionOptions(), metafile: true };
    try {
      const out = (name: string) => join(work, `${name}.mjs`);
      const built = await Promise.all(
        names.map(async (name) => {
          const result = await build({ ...base, ...entryOptions(name), outfile: out(name) });
          const packages = sdkClientsOf(result.metafile?.inputs ?? {});
          await build({
            ...base,
            stdin: {
              contents: floorEntry(packages),
              resolveDir: ROOT,
              loader: 'js',
              sourcefile: `${name}-floor.mjs`,
            },
            outfile: out(`${name}-floor`),
          });
          return { name, packages, env: environmentOf(name) };
        }),
      );
      await build({ ...base, ...entryOptions('naive'), outfile: out('naive') });
      const times = new Map<string, number[]>();
      const time = (key: string, env: Record<string, string>) => {
        const list = times.get(key) ?? [];
        list.push(loadTime(node, out(key), env));
        times.set(key, list);
      };
      options.log(
        `  1: ${built.length} functions, their floors and the naive bundle, ${runs} runs under node ${version}`,
      );
      for (let run = 0; run < runs; run++) {
        for (const b of built) {
          time(b.name, b.env);
          time(`${b.name}-floor`, b.env);
        }
        time('naive', { AWS_REGION: 'eu-west-1' });
      }
      const ms = (key: string) => median(times.get(key)!);
      const naive = ms('naive');
      return built.map((b) => {
        const ratio = ms(b.name) / ms(`${b.name}-floor`);
        return {
          id: `1${b.name}`,
          name: `${b.name} bundle load, node ${version} (${(statSync(out(b.name)).size / 1024).toFixed(0)} KiB; ${b.packages.map((p) => p.replace('@aws-sdk/', '')).join(', ') || 'no SDK client'})`,
          value: `${fmt.n(ms(b.name), 1)} ms (${fmt.n(ms(b.name) / naive, 2)}× the naive bundle)`,
          baseline: `its SDK clients alone: ${fmt.n(ms(`${b.name}-floor`), 1)} ms`,
          ratio,
          goal: '≤ 1.15× its floor',
          pass: ratio <= 1.15,
          detail: {
            times: { fn: times.get(b.name), floor: times.get(`${b.name}-floor`), naive: times.get('naive') },
          },
        };
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
