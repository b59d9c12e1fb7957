import { Agent, createServer, type Server } from 'node:http';
import { Worker } from 'node:worker_threads';
import httpProxy from 'http-proxy';
import { CanaryProxy, seededRandom } from '../../shared/local/canary-proxy.ts';
import {
  type BenchOptions,
  type Figure,
  type FigureResult,
  fmt,
  interleaved,
  median,
} from '../lib/figure.ts';
import { load } from '../lib/load.ts';

const CLIENTS = 50;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** The two releases, in a worker thread (release-worker.mjs): their ports, and how to stop them. */
async function releases(): Promise<{ v1: number; v2: number; stop: () => Promise<number> }> {
  const worker = new Worker(new URL('../lib/release-worker.mjs', import.meta.url));
  const ports = await new Promise<{ v1: number; v2: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { ...ports, stop: () => worker.terminate() };
}

/**
 * `http-proxy` (node-http-proxy, the usual Node proxy) with a keep-alive agent, splitting 90/10
 * between the same two releases with the same seeded random: the peer the canary proxy is held to.
 */
function peerProxy(stable: number, canary: number): { server: Server; close: () => void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const proxy = httpProxy.createProxyServer({ agent });
  const random = seededRandom(1);
  proxy.on('error', (_error, _req, res) => {
    if ('writeHead' in res && !res.headersSent) res.writeHead(502).end();
  });
  const server = createServer((req, res) => {
    const port = random() < 0.1 ? canary : stable;
    proxy.web(req, res, { target: `http://127.0.0.1:${port}` });
  });
  return {
    server,
    close: () => {
      server.close();
      proxy.close();
      agent.destroy();
    },
  };
}

export const proxyFigure: Figure = {
  id: 4,
  name: 'canary proxy',
  async run(options: BenchOptions): Promise<FigureResult[]> {
    const upstream = await releases();
    const { v1: stablePort, v2: canaryPort } = upstream;
    const ours = new CanaryProxy({ port: 0, random: seededRandom(1) });
    await ours.start();
    ours.setStable({ release: 'v1', port: stablePort });
    ours.setCanary({ release: 'v2', port: canaryPort }, 10);
    const peer = peerProxy(stablePort, canaryPort);
    const peerPort = await listen(peer.server);
    const ports = { direct: stablePort, 'http-proxy': peerPort, pushline: ours.port } as const;
    try {
      const results = await interleaved(
        options.rounds,
        ['direct', 'http-proxy', 'pushline'] as const,
        (variant) =>
          load({
            port: ports[variant],
            clients: CLIENTS,
            seconds: options.seconds,
            spec: { path: '/' },
          }),
        (variant) => load({ port: ports[variant], clients: CLIENTS, seconds: 0.3, spec: { path: '/' } }),
      );
      const rps = (v: keyof typeof results) => median(results[v].map((r) => r.rps));
      const p99 = (v: keyof typeof results) => median(results[v].map((r) => r.p99));
      const failed = (v: keyof typeof results) =>
        results[v].reduce((n, r) => n + r.errors + r.unanswered + (r.rps > 0 ? 0 : 1), 0);
      const ratio = rps('pushline') / rps('http-proxy');
      // Latency added, measured below saturation (one connection): at 50 connections on two cores
      // the p99 is queueing, 50 ÷ throughput, and says more about req/s than about the hop.
      const single = await interleaved(
        options.rounds,
        ['direct', 'http-proxy', 'pushline'] as const,
        (variant) =>
          load({ port: ports[variant], clients: 1, seconds: options.seconds, spec: { path: '/' } }),
      );
      const p99One = (v: keyof typeof single) => median(single[v].map((r) => r.p99));
      const added = p99One('pushline') - p99One('direct');
      const peerAdded = p99One('http-proxy') - p99One('direct');
      return [
        {
          id: '4a',
          name: `canary proxy req/s, ${CLIENTS} connections, 90/10`,
          value: `${fmt.n(rps('pushline'))} req/s`,
          baseline: `http-proxy, keep-alive: ${fmt.n(rps('http-proxy'))} req/s (direct: ${fmt.n(rps('direct'))})`,
          ratio,
          goal: '≥ 1.0× http-proxy',
          pass: ratio >= 1 && failed('pushline') === 0,
          detail: results,
        },
        {
          id: '4b',
          name: 'canary proxy p99 added over a direct connection, one connection',
          value: `+${fmt.n(added, 2)} ms (p99 ${fmt.n(p99One('pushline'), 2)} ms)`,
          baseline: `direct p99 ${fmt.n(p99One('direct'), 2)} ms; http-proxy adds ${fmt.n(peerAdded, 2)} ms`,
          ratio: null,
          goal: '≤ 1 ms added',
          pass: added <= 1,
          detail: {
            single,
            at50: { p99: { direct: p99('direct'), httpProxy: p99('http-proxy'), pushline: p99('pushline') } },
          },
        },
      ];
    } finally {
      peer.close();
      await ours.close();
      await upstream.stop();
    }
  },
};
