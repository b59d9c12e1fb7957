import { Worker } from 'node:worker_threads';
import { percentile } from './figure.ts';

/** One kind of request, sent over and over; `uniqueHeader` gets a fresh UUID each time (a delivery id). */
export interface LoadSpec {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  uniqueHeader?: string;
}

export interface LoadResult {
  /** Answered requests per second over the measurement. */
  rps: number;
  p50: number;
  p99: number;
  /** Requests answered, by status code. */
  statuses: Record<number, number>;
  /** Connection errors. */
  errors: number;
  /** Requests still unanswered `graceMs` after the measurement ended. */
  unanswered: number;
}

/**
 * `clients` loops, each on its own keep-alive connection, sending `spec` to 127.0.0.1:`port` for
 * `seconds`, from a worker thread (load-worker.mjs): the generator has its own event loop and can
 * use another core, as a real client would. Latency runs from sending to the end of the answer; a
 * request still in flight at the end gets `graceMs` (10 s, GitHub's limit) before it counts unanswered.
 */
export async function load(options: {
  port: number;
  clients: number;
  seconds: number;
  spec: LoadSpec;
  graceMs?: number;
}): Promise<LoadResult> {
  const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), {
    workerData: {
      port: options.port,
      clients: options.clients,
      seconds: options.seconds,
      graceMs: options.graceMs ?? 10_000,
      spec: { method: 'GET', ...options.spec },
    },
  });
  const raw = await new Promise<{
    latencies: number[];
    statuses: Record<number, number>;
    errors: number;
    unanswered: number;
  }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the load worker exited with ${code} before reporting`)));
  });
  await worker.terminate();
  return {
    rps: raw.latencies.length / options.seconds,
    p50: percentile(raw.latencies, 50),
    p99: percentile(raw.latencies, 99),
    statuses: raw.statuses,
    errors: raw.errors,
    unanswered: raw.unanswered,
  };
}
