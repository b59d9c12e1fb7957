import { percentile } from '../domain/percentiles.ts';

/** One time bucket of one release: counts, and a bounded sample of latencies for percentiles. */
export interface MetricsBucket {
  /** Epoch milliseconds at which the bucket starts (a multiple of the bucket width). */
  start: number;
  requests: number;
  /** Responses with a 5xx status, the proxy's own 502s included. */
  errors: number;
  /** A uniform random sample (reservoir) of at most `reservoirSize` latencies, in milliseconds. */
  latencies: number[];
}

interface StoredBucket extends MetricsBucket {
  /** Latencies seen, of which `latencies` keeps a sample. */
  seen: number;
}

export interface ProxyMetricsOptions {
  /** Width of a time bucket; the metrics source's series have one value per bucket. Default 10 s. */
  bucketMs?: number;
  /** Latencies kept per bucket (reservoir sampling keeps memory bounded under load). Default 512. */
  reservoirSize?: number;
  /** Buckets older than this are dropped. Default 6 h, longer than any canary bake. */
  retentionMs?: number;
  /** Random numbers in [0, 1) for the reservoir; injectable so tests are deterministic. */
  random?: () => number;
}

/**
 * The local proxy's request metrics: per release, per time bucket, the number of requests, the
 * number of 5xx answers and a bounded reservoir of latencies. Memory stays bounded: at most
 * `reservoirSize` numbers per bucket, and buckets older than `retentionMs` are dropped.
 */
export class ProxyMetrics {
  readonly bucketMs: number;
  private readonly reservoirSize: number;
  private readonly retentionMs: number;
  private readonly random: () => number;
  private readonly byRelease = new Map<string, Map<number, StoredBucket>>();

  constructor(options: ProxyMetricsOptions = {}) {
    this.bucketMs = options.bucketMs ?? 10_000;
    this.reservoirSize = options.reservoirSize ?? 512;
    this.retentionMs = options.retentionMs ?? 6 * 3600_000;
    this.random = options.random ?? Math.random;
  }

  /** Records one answered request of `release` at `at` (epoch ms). */
  record(release: string, sample: { at: number; status: number; latencyMs: number }): void {
    let buckets = this.byRelease.get(release);
    if (!buckets) {
      buckets = new Map();
      this.byRelease.set(release, buckets);
    }
    const start = Math.floor(sample.at / this.bucketMs) * this.bucketMs;
    let bucket = buckets.get(start);
    if (!bucket) {
      bucket = { start, requests: 0, errors: 0, latencies: [], seen: 0 };
      buckets.set(start, bucket);
      this.prune(sample.at);
    }
    bucket.requests += 1;
    if (sample.status >= 500) bucket.errors += 1;
    // Algorithm R: every latency seen has the same chance to be in the sample.
    bucket.seen += 1;
    if (bucket.latencies.length < this.reservoirSize) {
      bucket.latencies.push(sample.latencyMs);
    } else {
      const slot = Math.floor(this.random() * bucket.seen);
      if (slot < this.reservoirSize) bucket.latencies[slot] = sample.latencyMs;
    }
  }

  /** The buckets of `release` that overlap [start, end), oldest first; only buckets with requests exist. */
  buckets(release: string, start: number, end: number): MetricsBucket[] {
    const buckets = this.byRelease.get(release);
    if (!buckets) return [];
    return [...buckets.values()]
      .filter((b) => b.start + this.bucketMs > start && b.start < end)
      .sort((a, b) => a.start - b.start)
      .map(({ start: s, requests, errors, latencies }) => ({
        start: s,
        requests,
        errors,
        latencies: [...latencies],
      }));
  }

  releases(): string[] {
    return [...this.byRelease.keys()];
  }

  /** A JSON-able summary of every release's retained buckets, for `GET /__pushline/metrics`. */
  snapshot(): Record<string, unknown> {
    const releases: Record<string, unknown> = {};
    for (const release of this.byRelease.keys()) {
      const buckets = this.buckets(release, 0, Number.POSITIVE_INFINITY);
      const requests = buckets.reduce((n, b) => n + b.requests, 0);
      const errors = buckets.reduce((n, b) => n + b.errors, 0);
      releases[release] = {
        requests,
        errors5xx: errors,
        errorRate: requests === 0 ? null : errors / requests,
        latencyMs: summary(buckets.flatMap((b) => b.latencies)),
        buckets: buckets.map((b) => ({
          start: new Date(b.start).toISOString(),
          requests: b.requests,
          errors5xx: b.errors,
          latencyMs: summary(b.latencies),
        })),
      };
    }
    return { bucketMs: this.bucketMs, releases };
  }

  private prune(now: number): void {
    const oldest = now - this.retentionMs;
    for (const [release, buckets] of this.byRelease) {
      for (const start of buckets.keys()) if (start + this.bucketMs < oldest) buckets.delete(start);
      if (buckets.size === 0) this.byRelease.delete(release);
    }
  }
}

function summary(latencies: number[]): { p50: number | null; p95: number | null; p99: number | null } {
  const round = (v: number | undefined) => (v === undefined ? null : Math.round(v * 100) / 100);
  return {
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
  };
}
