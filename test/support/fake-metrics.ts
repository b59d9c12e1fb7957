import type { CanarySamples, MetricsSource } from '../../shared/ports/metrics-source.ts';

type SampleRequest = Parameters<MetricsSource['sample']>[0];

/** Samples of a canary that serves well: no errors, fast, plenty of requests. */
export function healthySamples(): CanarySamples {
  return {
    series: [
      { metric: 'error_rate', canary: [0, 0, 0.001] },
      { metric: 'latency_p95', canary: [120, 135, 128] },
    ],
    canaryRequests: 600,
    alarms: [],
  };
}

/** Samples of a canary that fails one request in five. */
export function failingSamples(): CanarySamples {
  return {
    series: [
      { metric: 'error_rate', canary: [0.2, 0.25, 0.18] },
      { metric: 'latency_p95', canary: [120, 135, 128] },
    ],
    canaryRequests: 600,
    alarms: [],
  };
}

/** Samples of a canary no request reached. */
export function emptySamples(): CanarySamples {
  return { series: [], canaryRequests: 0, alarms: [] };
}

/** A `MetricsSource` answering from a script (which may throw); records every request. */
export class FakeMetrics implements MetricsSource {
  readonly requests: SampleRequest[] = [];

  constructor(private readonly script: (request: SampleRequest) => CanarySamples = healthySamples) {}

  async sample(request: SampleRequest): Promise<CanarySamples> {
    this.requests.push(request);
    return this.script(request);
  }
}
