import type * as z from 'zod';
import { type CodeDeployPlatform, deploymentConfigProblem } from './codedeploy-configs.ts';
import { formatPath } from './config-problems.ts';
import { formatDuration } from './duration.ts';
import type { ConfigProblem } from './errors.ts';

/**
 * The rules of the pipeline file that span more than one key: a canary that bakes shorter than its
 * interval, a metric whose `min` is above its `max`, a CodeDeploy configuration of another
 * platform… The schema runs them even when other keys are wrong (`when: always`), so a file gets
 * every problem at once; that is also why they read the value defensively.
 */

type Path = (string | number)[];
export type Report = (path: Path, message: string) => void;

/** Runs a refinement whatever else failed, so every problem of a file is reported in one go. */
export const ALWAYS = { when: () => true } as const;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Adapts `Report` to a zod refinement context. */
export function reporter(ctx: z.core.$RefinementCtx): Report {
  return (path, message) => ctx.addIssue({ code: 'custom', path, message });
}

const PLATFORM_FIELDS: Record<string, CodeDeployPlatform> = {
  container: 'ECS',
  containerPort: 'ECS',
  functionName: 'Lambda',
  alias: 'Lambda',
};

function checkCodeDeploy(target: unknown, path: Path, report: Report): void {
  const codedeploy = record(target);
  const platform = str(codedeploy?.platform);
  if (!codedeploy || !platform || !['ECS', 'Lambda', 'Server'].includes(platform)) return;
  const config = str(codedeploy.deploymentConfig);
  const problem = config && deploymentConfigProblem(config, platform as CodeDeployPlatform);
  if (problem) report([...path, 'deploymentConfig'], problem);
  for (const [field, owner] of Object.entries(PLATFORM_FIELDS)) {
    if (codedeploy[field] !== undefined && owner !== platform) {
      report([...path, field], `${field} is for ${owner} targets; this target's platform is ${platform}`);
    }
  }
}

function checkCanary(pipeline: Record<string, unknown>, report: Report): void {
  const canary = record(record(pipeline.production)?.canary);
  if (!canary) return;
  const path: Path = ['production', 'canary'];
  const interval = num(canary.interval);
  const bake = num(canary.bake);
  if (interval !== undefined && bake !== undefined && bake < interval) {
    report(
      [...path, 'bake'],
      `bake (${formatDuration(bake)}) is shorter than interval (${formatDuration(interval)}): the canary would end before its first check`,
    );
  }
  const timeout = num(record(pipeline.timeouts)?.canary);
  if (timeout !== undefined && bake !== undefined && timeout < bake) {
    report(
      ['timeouts', 'canary'],
      `the canary timeout (${formatDuration(timeout)}) is shorter than its bake (${formatDuration(bake)}): the watchdog would stop every canary`,
    );
  }
  checkCodeDeployCanary(
    str(record(record(pipeline.production)?.codedeploy)?.deploymentConfig),
    canary,
    report,
  );
  const compares = record(canary.baseline)?.compare === true;
  const metrics = Array.isArray(canary.metrics) ? canary.metrics : [];
  const names = new Map<string, number>();
  metrics.forEach((value, i) => {
    const metric = record(value);
    if (!metric) return;
    const at: Path = [...path, 'metrics', i];
    const name = str(metric.name) ?? `metrics[${i}]`;
    const min = num(metric.min);
    const max = num(metric.max);
    if (min !== undefined && max !== undefined && min > max) {
      report([...at, 'min'], `min (${min}) is greater than max (${max}): no value of ${name} could pass`);
    }
    if (metric.local === undefined && metric.cloudwatch === undefined) {
      report(
        at,
        `metric ${name} names no source: give it \`local\` (the local proxy) or \`cloudwatch\` (a CloudWatch metric)`,
      );
    }
    if (min === undefined && max === undefined && !compares) {
      report(
        at,
        `metric ${name} has neither min nor max and the canary does not compare with a baseline: it could never fail`,
      );
    }
    const seen = names.get(name);
    if (seen !== undefined)
      report([...at, 'name'], `metric name ${name} is already used by metrics[${seen}]`);
    else names.set(name, i);
  });
}

/**
 * CloudWatch metrics that count requests (ALB per target and per load balancer, API Gateway,
 * Lambda): summed over a window they are the canary's request count, which the judge compares
 * with `minRequests`. The same list as the AWS metrics source's (shared/aws/cloudwatch-queries.ts;
 * a property test keeps the two in agreement).
 */
export const REQUEST_COUNT_METRICS: readonly string[] = [
  'RequestCountPerTarget',
  'RequestCount',
  'Count',
  'Invocations',
];

/**
 * A canary judged on AWS for an ECS or Server target reads every metric from CloudWatch as written
 * (only Lambda targets have built-in metrics, per version), and needs one that counts requests:
 * without it every verdict would be "inconclusive" and the canary would end on `noData`. Said here,
 * at `pushline validate` and packaging, rather than at the first canary check.
 */
function checkAwsCanaryMetrics(pipeline: Record<string, unknown>, report: Report): void {
  const production = record(pipeline.production);
  const platform = str(record(production?.codedeploy)?.platform);
  if (platform !== 'ECS' && platform !== 'Server') return;
  const canary = record(production?.canary);
  if (!canary || !Array.isArray(canary.metrics)) return;
  const path: Path = ['production', 'canary', 'metrics'];
  let counted = false;
  canary.metrics.forEach((value, i) => {
    const metric = record(value);
    if (!metric) return;
    const cloudwatch = record(metric.cloudwatch);
    if (!cloudwatch) {
      const name = str(metric.name) ?? `metrics[${i}]`;
      report(
        [...path, i, 'cloudwatch'],
        `metric ${name} has no cloudwatch block: on AWS the canary of ${platform === 'ECS' ? 'an ECS' : 'a Server'} target reads every metric from CloudWatch (built-in metrics exist for Lambda targets only)`,
      );
      return;
    }
    if (REQUEST_COUNT_METRICS.includes(str(cloudwatch.metricName) ?? '')) counted = true;
  });
  if (!counted) {
    report(
      path,
      `no metric counts the canary's requests: add one whose cloudwatch.metricName is ${REQUEST_COUNT_METRICS.join(', ')} (summed), or every verdict of this ${platform} canary is inconclusive`,
    );
  }
}

/** Lifecycle hooks run Lambda functions on ECS and Lambda targets only. */
function checkSmokeChecks(target: unknown, path: Path, report: Report): void {
  const codedeploy = record(target);
  if (codedeploy?.smokeChecks !== undefined && codedeploy.platform === 'Server') {
    report(
      [...path, 'smokeChecks'],
      'smokeChecks are for ECS and Lambda targets; a Server target runs its checks as hook scripts in its own appspec.yml',
    );
  }
}

/**
 * A predefined CodeDeploy canary (`…Canary10Percent15Minutes`) holds its share of traffic for a
 * fixed time, then shifts the rest: the judge must be done by then, and both must mean the same share.
 */
function checkCodeDeployCanary(
  config: string | undefined,
  canary: Record<string, unknown>,
  report: Report,
): void {
  const match = config?.startsWith('CodeDeployDefault.') && /Canary(\d+)Percent(\d+)Minutes$/.exec(config);
  if (!match) return;
  const [percent, minutes] = [Number(match[1]), Number(match[2])];
  const bake = num(canary.bake);
  if (bake !== undefined && bake > minutes * 60) {
    report(
      ['production', 'codedeploy', 'deploymentConfig'],
      `${config} shifts all traffic after ${formatDuration(minutes * 60)}, before the canary's bake (${formatDuration(bake)}) ends`,
    );
  }
  const traffic = num(canary.traffic);
  if (traffic !== undefined && traffic !== percent) {
    report(
      ['production', 'canary', 'traffic'],
      `traffic is ${traffic}%, but ${config} sends ${percent}% to the canary`,
    );
  }
}

/** The cross-key rules of one pipeline; paths are relative to the pipeline. */
export function checkPipeline(value: unknown, report: Report): void {
  const pipeline = record(value);
  if (!pipeline) return;
  for (const environment of ['staging', 'production'] as const) {
    const target = record(pipeline[environment])?.codedeploy;
    checkCodeDeploy(target, [environment, 'codedeploy'], report);
    checkSmokeChecks(target, [environment, 'codedeploy'], report);
  }
  checkCanary(pipeline, report);
  checkAwsCanaryMetrics(pipeline, report);
  const slack = record(record(pipeline.notifications)?.slack);
  if (slack && slack.channel === undefined && slack.webhook === undefined) {
    report(['notifications', 'slack'], 'name a Slack `channel` (bot token) or a `webhook` secret');
  }
}

/** Where a local target listens: `[index, 'staging', 'local', 'port']` and its port. */
interface LocalPort {
  path: Path;
  port: number;
}

/** Every `local.port` of the file, in file order; paths are relative to `pipelines`. */
function localPorts(pipelines: readonly unknown[]): LocalPort[] {
  const ports: LocalPort[] = [];
  pipelines.forEach((pipeline, i) => {
    for (const environment of ['staging', 'production'] as const) {
      const port = num(record(record(record(pipeline)?.[environment])?.local)?.port);
      if (port !== undefined) ports.push({ path: [i, environment, 'local', 'port'], port });
    }
  });
  return ports;
}

const pipelinesPath = (path: Path) => formatPath(['pipelines', ...path]);

/**
 * One machine, one listener per port: staging's app and production's proxy of every pipeline each
 * need their own (a staging app on production's port would be answered by the proxy, and the
 * second of two pipelines on one port never starts).
 */
function checkLocalPorts(pipelines: readonly unknown[], report: Report): void {
  const seen = new Map<number, Path>();
  for (const { path, port } of localPorts(pipelines)) {
    const first = seen.get(port);
    if (first) report(path, `${port} is already used by ${pipelinesPath(first)}`);
    else seen.set(port, path);
  }
}

/**
 * The local targets that would listen on Pushline's own port (`pushline up --port`, 8787 by
 * default), which only `up` and `validate --port` know: the file does not say where Pushline runs.
 * Paths are whole (`pipelines[0].staging.local.port`); port 0 (any free port) clashes with nothing.
 */
export function ownPortProblems(pipelines: readonly unknown[], ownPort: number): ConfigProblem[] {
  if (ownPort === 0) return [];
  return localPorts(pipelines)
    .filter(({ port }) => port === ownPort)
    .map(({ path }) => ({
      path: pipelinesPath(path),
      message: `${ownPort} is Pushline's own port (pushline up --port ${ownPort}); give this target another port, or start Pushline on another with --port`,
    }));
}

/**
 * The rules across pipelines: names are unique, since runs, events and Slack messages go by them;
 * local ports are unique, since each target listens on its own.
 */
export function checkPipelines(value: unknown, report: Report): void {
  if (!Array.isArray(value)) return;
  checkLocalPorts(value, report);
  const names = new Map<string, number>();
  value.forEach((pipeline, i) => {
    const name = str(record(pipeline)?.name);
    if (name === undefined) return;
    const seen = names.get(name);
    if (seen !== undefined)
      report([i, 'name'], `pipeline name ${name} is already used by pipelines[${seen}]`);
    else names.set(name, i);
  });
}
