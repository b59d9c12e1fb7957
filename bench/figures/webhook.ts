import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { createNodeMiddleware, Webhooks } from '@octokit/webhooks';
import { sign } from '@octokit/webhooks-methods';
import { makeReceiveGithub } from '../../functions/receive-github/receive-github.ts';
import { EnvSecretSource } from '../../shared/local/env-secret-source.ts';
import { loadPipelineFile } from '../../shared/local/local-config.ts';
import { type BenchPipeline, startBenchApp, WEBHOOK_SECRET } from '../lib/bench-app.ts';
import {
  type BenchOptions,
  type Figure,
  type FigureResult,
  fmt,
  interleaved,
  median,
} from '../lib/figure.ts';
import { type LoadResult, type LoadSpec, load } from '../lib/load.ts';

const CLIENTS = 50;
const require = createRequire(import.meta.url);

/** The real push of `@octokit/webhooks-examples` (api.github.com, a branch push to Codertocat/Hello-World). */
export function examplePush(): Buffer {
  const definitions = require('@octokit/webhooks-examples/api.github.com/index.json') as {
    name: string;
    examples: { ref: string; deleted: boolean }[];
  }[];
  const push = definitions
    .find((d) => d.name === 'push')!
    .examples.find((e) => e.ref.startsWith('refs/heads/') && !e.deleted)!;
  return Buffer.from(JSON.stringify(push));
}

const REPO = 'Codertocat/Hello-World';
const SCENARIOS = {
  queue: { name: 'web', repo: REPO, concurrency: 'queue' },
  supersede: { name: 'web', repo: REPO, concurrency: 'supersede' },
  'no match': { name: 'web', repo: REPO, branches: ['release/**'] },
} satisfies Record<string, BenchPipeline>;
type Variant = keyof typeof SCENARIOS | 'octokit';

/** Signed GitHub push deliveries of one body, each with its own delivery id. */
function deliveries(body: Buffer, signature: string): LoadSpec {
  return {
    method: 'POST',
    path: '/webhooks/github',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-hub-signature-256': signature,
    },
    body,
    uniqueHeader: 'x-github-delivery',
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** `@octokit/webhooks`' Node middleware on bare `node:http`: verifies, parses, emits; stores nothing. */
async function octokitServer(): Promise<{ port: number; close: () => void }> {
  const webhooks = new Webhooks({ secret: WEBHOOK_SECRET });
  webhooks.on('push', () => {});
  const server = createServer(createNodeMiddleware(webhooks, { path: '/webhooks/github' }));
  const port = await listen(server);
  return { port, close: () => server.close() };
}

async function measureThroughput(variant: Variant, options: BenchOptions, spec: LoadSpec) {
  if (variant === 'octokit') {
    const peer = await octokitServer();
    try {
      return {
        load: await load({ port: peer.port, clients: CLIENTS, seconds: options.seconds, spec }),
        recorded: 0,
      };
    } finally {
      peer.close();
    }
  }
  const bench = await startBenchApp([SCENARIOS[variant]]);
  try {
    const result = await load({
      port: bench.app.port,
      clients: CLIENTS,
      seconds: options.seconds,
      spec,
    });
    const recorded = (
      bench.app.store.db.prepare('SELECT count(*) AS n FROM deliveries').get() as { n: number }
    ).n;
    return { load: result, recorded };
  } finally {
    await bench.close();
  }
}

export const webhookThroughputFigure: Figure = {
  id: 3,
  name: 'signed pushes under load',
  async run(options: BenchOptions): Promise<FigureResult[]> {
    const body = examplePush();
    const spec = deliveries(body, await sign(WEBHOOK_SECRET, body.toString('utf8')));
    const variants: Variant[] = ['octokit', 'queue', 'supersede', 'no match'];
    const results = await interleaved(
      options.rounds,
      variants,
      (variant) => {
        options.log(`  3: ${variant}`);
        return measureThroughput(variant, options, spec);
      },
      (variant) => measureThroughput(variant, { ...options, seconds: 0.3 }, spec),
    );
    const rps = (v: Variant) => median(results[v].map((r) => r.load.rps));
    const p99 = (v: Variant) => median(results[v].map((r) => r.load.p99));
    const lost = (r: { load: LoadResult }) => r.load.errors + r.load.unanswered;
    return (['queue', 'supersede', 'no match'] as const).map((variant, i) => {
      const ratio = rps(variant) / rps('octokit');
      const unanswered = results[variant].reduce((n, r) => n + lost(r), 0);
      const accepted = results[variant].reduce(
        (n, r) => n + Object.entries(r.load.statuses).reduce((m, [s, c]) => m + (Number(s) < 300 ? c : 0), 0),
        0,
      );
      const recorded = results[variant].reduce((n, r) => n + r.recorded, 0);
      // A push that matches a pipeline is answered only once its runs are committed (one delivery row).
      const durable = variant === 'no match' || recorded >= accepted;
      return {
        id: `3${'abc'[i]}`,
        name: `signed pushes/s at ${CLIENTS} connections, ${variant === 'no match' ? 'matching no pipeline' : `one pipeline, concurrency ${variant}`}`,
        value: `${fmt.n(rps(variant))} req/s, p99 ${fmt.n(p99(variant), 1)} ms, ${unanswered} unanswered`,
        baseline: `@octokit/webhooks middleware: ${fmt.n(rps('octokit'))} req/s, p99 ${fmt.n(p99('octokit'), 1)} ms`,
        ratio,
        goal: '≥ 1.0× throughput, p99 ≤ its p99, none unanswered, every push recorded',
        pass: ratio >= 1 && p99(variant) <= p99('octokit') && unanswered === 0 && durable,
        detail: { ours: results[variant], octokit: results.octokit, accepted, recorded },
      };
    });
  },
};

/**
 * CPU per signed push through the webhook logic in process — signature, parse, normalise, match,
 * the runs committed to SQLite — against the floor of any receiver: HMAC-SHA256 of the same bytes
 * and `JSON.parse`.
 */
export const webhookCpuFigure: Figure = {
  id: 2,
  name: 'CPU per signed push',
  async run(options: BenchOptions): Promise<FigureResult[]> {
    const body = examplePush();
    const signature = await sign(WEBHOOK_SECRET, body.toString('utf8'));
    const count = Math.max(20, Math.round((options.quick ? 500 : 3000) * options.scale));
    const bench = await startBenchApp([SCENARIOS.queue]);
    // The receiver alone, as the server's route calls it, over the bench app's store: the outbox is
    // stopped, so the runs are committed and nothing else runs meanwhile.
    await bench.app.outbox.stop();
    const file = loadPipelineFile(bench.app.file);
    const receive = makeReceiveGithub({
      store: bench.app.store,
      file: () => file,
      secrets: new EnvSecretSource({ env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET } }),
      clock: bench.app.clock,
    });
    try {
      const results = await interleaved(options.rounds, ['floor', 'pushline'] as const, async (variant) => {
        const ids = Array.from({ length: count }, () => randomUUID()); // not the receiver's cost
        const t0 = process.cpuUsage();
        const w0 = performance.now();
        for (let i = 0; i < count; i++) {
          if (variant === 'floor') {
            createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex');
            JSON.parse(body.toString('utf8'));
          } else {
            const response = await receive({
              headers: {
                'x-github-event': 'push',
                'x-github-delivery': ids[i]!,
                'x-hub-signature-256': signature,
                'content-type': 'application/json',
              },
              body,
            });
            if (response.statusCode >= 300) throw new Error(`the receiver answered ${response.statusCode}`);
          }
        }
        const cpu = process.cpuUsage(t0);
        return { cpuUs: (cpu.user + cpu.system) / count, wallUs: ((performance.now() - w0) * 1000) / count };
      });
      const ours = median(results.pushline.map((r) => r.cpuUs));
      const floor = median(results.floor.map((r) => r.cpuUs));
      return [
        {
          id: '2',
          name: 'CPU per signed push through the webhook logic, in process (runs committed)',
          value: `${fmt.n(ours)} µs`,
          baseline: `HMAC-SHA256 + JSON.parse: ${fmt.n(floor)} µs`,
          ratio: ours / floor,
          goal: '≤ 10×',
          pass: ours / floor <= 10,
          detail: results,
        },
      ];
    } finally {
      await bench.close();
    }
  },
};
