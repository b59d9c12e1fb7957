// The load generator of `npm run bench`, in a worker thread so that it does not share an event loop
// (or a core) with the server it measures. Plain JavaScript: a worker gets no TypeScript loader.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

const { port, clients, seconds, graceMs, spec } = workerData;
const body = spec.body ? Buffer.from(spec.body) : undefined;
const agent = new Agent({ keepAlive: true, maxSockets: clients });
const latencies = [];
const statuses = {};
let errors = 0;
let unanswered = 0;
const end = performance.now() + seconds * 1000;

function one() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      resolve();
      return true;
    };
    const timer = setTimeout(
      () => {
        if (settle()) unanswered++;
      },
      Math.max(0, end - t0) + graceMs,
    );
    const headers = { ...spec.headers };
    if (spec.uniqueHeader) headers[spec.uniqueHeader] = randomUUID();
    const req = request(
      { host: '127.0.0.1', port, path: spec.path, method: spec.method, headers, agent },
      (res) => {
        res.resume();
        res.once('end', () => {
          if (!settle()) return;
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          if (t0 < end) latencies.push(performance.now() - t0);
        });
      },
    );
    req.once('error', () => {
      if (settle()) errors++;
    });
    req.end(body);
  });
}

await Promise.all(
  Array.from({ length: clients }, async () => {
    while (performance.now() < end) await one();
  }),
);
agent.destroy();
parentPort.postMessage({ latencies, statuses, errors, unanswered });
