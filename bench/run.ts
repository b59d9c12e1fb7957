/**
 * `npm run bench [-- --quick] [-- --only 3,4]`: every figure of BENCHMARKS.md, each against a
 * baseline measured in the same run (variants interleaved round by round, medians), printed as one
 * table with the goal and pass/miss, and written to bench/results.json. Not a test: CI never runs
 * it (test/unit/bench/smoke.test.ts runs it at a tiny scale, asserting no timing).
 *
 * `--quick`: one short round per figure, smaller counts — under a minute. Figure 1 times the Lambda
 * bundles with BENCH_NODE (a Node 22, as Lambda runs; docs/aws.md says where to get one) or this
 * node; `npm run bench:bundles` is its older table against the naive bundle and a DynamoDB floor.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { apiReadsFigure } from './figures/api-reads.ts';
import { awsCostFigure } from './figures/aws-cost.ts';
import { bundlesFigure } from './figures/bundles.ts';
import { choreographyFigure } from './figures/choreography.ts';
import { proxyFigure } from './figures/proxy.ts';
import { pushToProductionFigure } from './figures/push-to-production.ts';
import { webhookCpuFigure, webhookThroughputFigure } from './figures/webhook.ts';
import { type BenchOptions, type Figure, type FigureResult, fmt } from './lib/figure.ts';

export const FIGURES: readonly Figure[] = [
  bundlesFigure,
  webhookCpuFigure,
  webhookThroughputFigure,
  proxyFigure,
  choreographyFigure,
  pushToProductionFigure,
  apiReadsFigure,
  awsCostFigure,
];

/** Runs the figures (all, or those `only` names) and returns their rows. */
export async function runBench(options: BenchOptions, only?: readonly number[]): Promise<FigureResult[]> {
  const rows: FigureResult[] = [];
  for (const figure of FIGURES) {
    if (only && !only.includes(figure.id)) continue;
    options.log(`figure ${figure.id}: ${figure.name}`);
    rows.push(...(await figure.run(options)));
  }
  return rows;
}

export function table(rows: readonly FigureResult[]): string {
  const lines = [
    '| # | figure | Pushline | baseline, same run | ratio | goal | |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const verdict = row.pass === null ? '' : row.pass ? 'pass' : '**miss**';
    lines.push(
      `| ${row.id} | ${row.name} | ${row.value} | ${row.baseline} | ${fmt.ratio(row.ratio)} | ${row.goal} | ${verdict} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string', default: 'bench/results.json' },
    },
  });
  const only = values.only?.split(',').map((id) => {
    const n = Number(id.trim());
    if (!FIGURES.some((f) => f.id === n)) {
      throw new Error(
        `--only ${values.only}: no figure ${id} (figures: ${FIGURES.map((f) => f.id).join(', ')})`,
      );
    }
    return n;
  });
  const quick = values.quick;
  const options: BenchOptions = {
    quick,
    rounds: quick ? 1 : 3,
    seconds: quick ? 1 : 3,
    scale: 1,
    log: (line) => process.stderr.write(`${line}\n`),
  };
  const started = Date.now();
  const rows = await runBench(options, only);
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  console.log(table(rows));
  console.log(
    `\n${machine.cores} cores (${machine.cpu}), node ${machine.node}; ${((Date.now() - started) / 1000).toFixed(0)} s${quick ? ', --quick' : ''}`,
  );
  writeFileSync(
    values.out,
    `${JSON.stringify({ at: new Date().toISOString(), quick, machine, seconds: (Date.now() - started) / 1000, rows }, null, 2)}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
