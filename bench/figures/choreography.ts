import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { SourcePush } from '../../events/source-push.ts';
import { prepareDatabase } from '../../shared/local/sqlite-schema.ts';
import { startPushRuns } from '../../shared/sources/start-push-runs.ts';
import { type BenchPipeline, startBenchApp, untilAllEnded } from '../lib/bench-app.ts';
import { type BenchOptions, type Figure, type FigureResult, fmt, median } from '../lib/figure.ts';

const PIPELINES = 100;

/** A push to repository `repo`, commit number `n`. */
export function push(repo: string, n: number): SourcePush {
  return {
    provider: 'github',
    repo,
    ref: 'refs/heads/main',
    branch: 'main',
    commit: n.toString(16).padStart(40, '0'),
    message: `commit ${n}`,
    author: 'bench',
    pushedAt: new Date().toISOString(),
  };
}

interface Measured {
  runs: number;
  ms: number;
  rows: number;
  /** Runs that did not end succeeded or superseded. */
  wrong: number;
  /** Stage events applied twice to one run. */
  twice: number;
  /** Bytes of the database file after the runs, and of their events' JSON. */
  dbBytes: number;
  eventJsonBytes: number;
}

/** `runs` pushes spread over 100 pipelines (even ones `supersede`, odd ones `queue`), every run to its end. */
async function choreography(runs: number): Promise<Measured> {
  const pipelines: BenchPipeline[] = Array.from({ length: PIPELINES }, (_, i) => ({
    name: `p${String(i).padStart(3, '0')}`,
    repo: `bench/repo-${i}`,
    concurrency: i % 2 === 0 ? 'supersede' : 'queue',
  }));
  const bench = await startBenchApp(pipelines);
  const { app } = bench;
  try {
    const t0 = performance.now();
    for (let n = 0; n < runs; n++) {
      const p = pipelines[n % PIPELINES]!;
      await startPushRuns(
        app,
        { id: `delivery-${n}`, provider: 'github' },
        app.config(),
        push(p.repo, n + 1),
      );
    }
    await untilAllEnded(app, 600_000);
    const ms = performance.now() - t0;
    const db = app.store.db;
    const rows = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    const wrong = (
      db.prepare("SELECT count(*) AS n FROM runs WHERE status NOT IN ('succeeded', 'superseded')").get() as {
        n: number;
      }
    ).n;
    const twice = (
      db
        .prepare(
          `SELECT count(*) AS n FROM (SELECT run_id, detail_type FROM events WHERE disposition = 'applied'
           GROUP BY run_id, detail_type HAVING count(*) > 1)`,
        )
        .get() as { n: number }
    ).n;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const eventJsonBytes = (
      db.prepare('SELECT sum(length(detail) + length(detail_type)) AS n FROM events').get() as { n: number }
    ).n;
    return { runs, ms, rows, wrong, twice, dbBytes: pages * pageSize, eventJsonBytes };
  } finally {
    await bench.close();
  }
}

/** The baseline: the same number of event rows inserted raw, one transaction each, same pragmas. */
function rawInserts(rows: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'pushline-bench-raw-'));
  const db = new Database(join(dir, 'raw.db'));
  try {
    prepareDatabase(db);
    db.pragma('foreign_keys = OFF');
    const insert = db.prepare(
      `INSERT INTO events (run_id, seq, event_id, detail_type, detail, disposition, recorded_at)
       VALUES (?, ?, ?, 'Build Started', ?, 'applied', ?)`,
    );
    const detail = JSON.stringify({
      version: 1,
      runId: 'x'.repeat(26),
      stage: 'build',
      data: { buildId: 'b' },
    });
    const t0 = performance.now();
    for (let i = 0; i < rows; i++)
      insert.run(`run-${i >> 4}`, i & 15, `event-${i}`, detail, new Date().toISOString());
    return performance.now() - t0;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const choreographyFigure: Figure = {
  id: 5,
  name: 'choreography at scale',
  async run(options: BenchOptions): Promise<FigureResult[]> {
    const small = Math.max(10, Math.round((options.quick ? 200 : 1000) * options.scale));
    const large = small * 10;
    const results: { small: Measured[]; large: Measured[]; rawSmall: number[] } = {
      small: [],
      large: [],
      rawSmall: [],
    };
    const rounds = options.quick ? 1 : Math.min(options.rounds, 2);
    for (let round = 0; round < rounds; round++) {
      options.log(`  5: ${small} runs (round ${round + 1})`);
      const s = await choreography(small);
      results.small.push(s);
      results.rawSmall.push(rawInserts(s.rows));
      options.log(`  5: ${large} runs (round ${round + 1})`);
      results.large.push(await choreography(large));
    }
    const s = results.small.at(-1)!;
    const l = results.large.at(-1)!;
    const smallMs = median(results.small.map((m) => m.ms));
    const largeMs = median(results.large.map((m) => m.ms));
    const rawMs = median(results.rawSmall);
    const ours = s.rows / (smallMs / 1000);
    const raw = s.rows / (rawMs / 1000);
    const intact = [...results.small, ...results.large].every((m) => m.wrong === 0 && m.twice === 0);
    const growth = largeMs / smallMs;
    return [
      {
        id: '5a',
        name: `${fmt.n(small)} runs over ${PIPELINES} pipelines, real bus and store: event rows/s`,
        value: `${fmt.n(ours)} rows/s (${fmt.n(small / (smallMs / 1000))} runs/s)`,
        baseline: `raw SQLite inserts: ${fmt.n(raw)} rows/s`,
        ratio: ours / raw,
        goal: '≥ 0.25×; nothing lost or applied twice',
        pass: ours / raw >= 0.25 && intact,
        detail: { small: results.small, rawMs: results.rawSmall },
      },
      {
        id: '5b',
        name: `${fmt.n(large)} runs vs ${fmt.n(small)}: time`,
        value: `${fmt.n(largeMs / 1000, 1)} s`,
        baseline: `${fmt.n(smallMs / 1000, 1)} s`,
        ratio: growth,
        goal: '≤ 11× for 10× the runs; nothing lost or applied twice',
        pass: growth <= 11 && intact,
        detail: { large: results.large, wrongRuns: l.wrong, appliedTwice: l.twice },
      },
      {
        id: '8',
        name: 'bytes on disk per finished run (SQLite file after a checkpoint)',
        value: `${fmt.n(l.dbBytes / l.runs)} B`,
        baseline: `the JSON of its events: ${fmt.n(l.eventJsonBytes / l.runs)} B`,
        ratio: l.dbBytes / l.eventJsonBytes,
        goal: '≤ 2×',
        pass: l.dbBytes / l.eventJsonBytes <= 2,
        detail: { runs: l.runs, dbBytes: l.dbBytes, eventJsonBytes: l.eventJsonBytes },
      },
    ];
  },
};
