/**
 * CloudWatch's embedded metric format: fields to merge into one JSON log line so that CloudWatch
 * Logs extracts a metric from it (no API call, no extra latency). The `_aws` member names the
 * namespace, the dimension and the metric; the values sit beside it at the top level.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export function embeddedCount(
  metric: { namespace: string; name: string; dimension: string },
  dimensionValue: string,
  count: number,
  now: Date = new Date(),
): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: metric.namespace,
          Dimensions: [[metric.dimension]],
          Metrics: [{ Name: metric.name, Unit: 'Count' }],
        },
      ],
    },
    [metric.dimension]: dimensionValue,
    [metric.name]: count,
  };
}
