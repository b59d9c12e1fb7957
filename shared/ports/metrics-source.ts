import type { PipelineConfig } from '../domain/pipeline-config.ts';

/** Samples of one metric over a window: per-interval values of the canary and, if asked, the baseline. */
export interface MetricSeries {
  metric: string;
  canary: number[];
  baseline?: number[];
}

export interface CanarySamples {
  series: MetricSeries[];
  /** Requests the canary served in the window (for the minimum-requests rule). */
  canaryRequests: number;
  baselineRequests?: number;
  alarms: { name: string; state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' }[];
}

/**
 * Reads the canary's (and the baseline's) metrics for a window. CloudWatch on AWS, the local
 * proxy's counters locally. Returns empty series when there is no data — never invented zeros.
 * Throws `TransientError` when the metrics service cannot be reached.
 */
export interface MetricsSource {
  sample(request: {
    pipeline: PipelineConfig;
    deploymentId: string;
    start: Date;
    end: Date;
  }): Promise<CanarySamples>;
}
