import * as z from 'zod';
import { parseWindow, windowText } from './deploy-windows.ts';
import { parseDuration } from './duration.ts';
import { globProblem } from './globs.ts';
import { ALWAYS, checkPipeline, checkPipelines, reporter } from './pipeline-rules.ts';
import { DEFAULT_APPROVAL_TIMEOUT, DEFAULT_TIMEOUTS } from './timeouts.ts';

/**
 * The schema of `pushline.yml`. Everything a user should not have to write has a default; every
 * object is strict, so a misspelt key is an error rather than a silently ignored setting. The rules
 * that span keys live in `pipeline-rules.ts`; `parsePipelineFile` (pipeline-file.ts) reads the YAML
 * and adds line numbers to the problems. docs/pipeline-file.md documents every key.
 */

/** `30s`, `5m`, `1h30m` or a number of seconds → whole seconds. */
export const Duration = z
  .union([z.string(), z.number()], { error: 'must be a duration such as 30s, 5m or 1h30m' })
  .transform((value, ctx) => {
    const seconds = parseDuration(value);
    if (seconds === undefined || seconds <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not a duration (use e.g. 30s, 5m, 1h30m, 14d)`,
      });
      return z.NEVER;
    }
    return seconds;
  });

const Glob = z.string().superRefine((pattern, ctx) => {
  const problem = globProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
/** One glob or a list of them; always a list once parsed. */
const Globs = z
  .union([Glob, z.array(Glob)], { error: 'must be a glob or a list of globs' })
  .transform((v) => (typeof v === 'string' ? [v] : v));

export const SourceConfig = z
  .strictObject({
    github: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be "owner/repo"')
      .optional(),
    gitlab: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, 'must be "group/project"')
      .optional(),
    codecommit: z
      .string()
      .regex(/^[\w.-]{1,100}$/, 'must be a CodeCommit repository name')
      .optional(),
  })
  .refine((s) => [s.github, s.gitlab, s.codecommit].filter(Boolean).length === 1, {
    message: 'name exactly one of github, gitlab or codecommit',
  });

/** When a push starts the pipeline. Include lists default to "everything"; excludes win. */
export const TriggerConfig = z.strictObject({
  branches: Globs.optional(),
  branchesIgnore: Globs.optional(),
  tags: Globs.optional(),
  tagsIgnore: Globs.optional(),
  paths: Globs.optional(),
  pathsIgnore: Globs.optional(),
});

export const ComputePlatform = z.enum(['ECS', 'Lambda', 'Server']);

/**
 * A smoke check of a CodeDeploy target: an HTTP GET the lifecycle hook runs against the new
 * release inside the deployment, which must answer `expectStatus` within `timeoutSeconds`
 * (functions/lifecycle-hook; every check of a target runs at once, within the hook's 60 s).
 */
export const SmokeCheck = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  expectStatus: z.number().int().min(100).max(599).default(200),
  /** Seconds one GET may take before it counts as failed. */
  timeoutSeconds: z.number().int().min(1).max(60).default(10),
});

export const CodeDeployTarget = z.strictObject({
  application: z.string().min(1),
  deploymentGroup: z.string().min(1),
  platform: ComputePlatform,
  /** `CodeDeployDefault.*` or the name of a custom deployment config. */
  deploymentConfig: z.string().min(1).optional(),
  /** ECS: the container and port named in the AppSpec; Lambda: the function and alias. */
  container: z.string().optional(),
  containerPort: z.number().int().min(1).max(65535).optional(),
  functionName: z.string().optional(),
  alias: z.string().optional(),
  /** ECS and Lambda: checks the lifecycle hook runs before CodeDeploy goes on (AWS mode only). */
  smokeChecks: z.array(SmokeCheck).min(1, 'list at least one check, or leave smokeChecks out').optional(),
});

export const LocalTarget = z.strictObject({
  /** The command that starts the app, run in the build's artifacts; `$PORT` is set. */
  start: z.string().min(1),
  /** Staging: the app's port. Production: the stable port of the local proxy. */
  port: z.number().int().min(1).max(65535),
  health: z.string().startsWith('/').default('/healthz'),
  env: z.record(z.string(), z.string()).default({}),
});

export const CanaryMetric = z.strictObject({
  /** A name for people and for verdicts: `error_rate`, `latency_p95`… */
  name: z.string().min(1),
  /** Local mode's built-in metrics from the proxy; ignored on AWS when `cloudwatch` is set. */
  local: z.enum(['error_rate', 'latency_p50', 'latency_p95', 'latency_p99', 'requests']).optional(),
  cloudwatch: z
    .strictObject({
      namespace: z.string().min(1),
      metricName: z.string().min(1),
      dimensions: z.record(z.string(), z.string()).default({}),
      stat: z.string().default('Average'),
      periodSeconds: z.number().int().min(1).default(60),
    })
    .optional(),
  /** Fail when the canary's value is above `max` or below `min`. */
  max: z.number().optional(),
  min: z.number().optional(),
  /** With a baseline: fail when the canary is significantly worse (`higher` is worse by default). */
  worseWhen: z.enum(['higher', 'lower']).default('higher'),
});

export const CanaryConfig = z.strictObject({
  /** Percent of production traffic the new release takes during the canary. */
  traffic: z.number().min(1).max(99).default(10),
  interval: Duration.default(60),
  bake: Duration.default(300),
  /** Fewer requests than this in the window make the verdict inconclusive, not healthy. */
  minRequests: z.number().int().min(0).default(20),
  metrics: z.array(CanaryMetric).default([
    { name: 'error_rate', local: 'error_rate', max: 0.01, worseWhen: 'higher' },
    { name: 'latency_p95', local: 'latency_p95', max: 1000, worseWhen: 'higher' },
  ]),
  /** CloudWatch alarms that make the canary unhealthy when in ALARM. */
  alarms: z.array(z.string()).default([]),
  baseline: z
    .strictObject({
      compare: z.boolean().default(true),
      /** Mann-Whitney U significance level. */
      alpha: z.number().gt(0).lt(1).default(0.05),
    })
    .default({ compare: false, alpha: 0.05 }),
  /** What happens when the bake ends without enough data: roll back (safe default) or promote. */
  noData: z.enum(['rollback', 'promote']).default('rollback'),
});

export const StagingConfig = z.strictObject({
  codedeploy: CodeDeployTarget.optional(),
  local: LocalTarget.optional(),
});

/**
 * The approval gate before production: a person looks at staging and approves (or rejects) before
 * the canary starts. Writing the block means a gate (`required` defaults to true inside it); a
 * pipeline without one has no gate.
 */
export const ApprovalConfig = z.strictObject({
  required: z.boolean().default(true),
  /** How long the gate waits; then the watchdog ends the run `timed_out`. */
  timeout: Duration.default(DEFAULT_APPROVAL_TIMEOUT),
  /** Who may decide: names of the file's `people` (or logins / token names). Empty: anyone. */
  approvers: z.array(z.string().min(1)).default([]),
});

/**
 * One weekly deploy window: `"mon-fri 09:00-17:00 Europe/Berlin"`, or the same as an object
 * `{ days, from, to, timeZone }`. Always its one-line form once parsed (the file is carried as JSON
 * into the Lambda bundles, and read again as is).
 */
const DeployWindowLine = z
  .union(
    [
      z.string(),
      z
        .strictObject({ days: z.string(), from: z.string(), to: z.string(), timeZone: z.string() })
        .transform(windowText),
    ],
    {
      error: 'must be a window such as "mon-fri 09:00-17:00 Europe/Berlin", or { days, from, to, timeZone }',
    },
  )
  .superRefine((text, ctx) => {
    const window = parseWindow(text);
    if ('problem' in window) ctx.addIssue({ code: 'custom', message: window.problem });
  });

export const ProductionConfig = z.strictObject({
  codedeploy: CodeDeployTarget.optional(),
  local: LocalTarget.optional(),
  /** When production may start (weekly, each in a time zone); none: at any time. */
  windows: z.array(DeployWindowLine).optional(),
  approval: ApprovalConfig.default({ required: false, timeout: DEFAULT_APPROVAL_TIMEOUT, approvers: [] }),
  canary: CanaryConfig.default(CanaryConfig.parse({})),
});

export const BuildConfig = z.strictObject({
  codebuild: z.strictObject({ project: z.string().min(1) }).optional(),
  /** The buildspec the local runner (and CodeBuild, unless the project overrides it) uses. */
  buildspec: z.string().default('buildspec.yml'),
});

export const SlackConfig = z.strictObject({
  channel: z.string().optional(),
  /** Secret name of an incoming webhook URL (for teams without a bot). */
  webhook: z.string().optional(),
  on: z
    .array(z.enum(['started', 'succeeded', 'failed', 'rolled_back', 'superseded', 'timed_out', 'cancelled']))
    .default(['started', 'succeeded', 'failed', 'rolled_back', 'timed_out']),
  /** A Slack user group to mention on failure, e.g. `S0123ABCD` or `@oncall`. */
  mentionOnFailure: z.string().optional(),
  /** Also show failure thread replies in the channel. */
  broadcastFailures: z.boolean().default(false),
});

export const NotificationsConfig = z.strictObject({
  slack: SlackConfig.optional(),
  /** Commit statuses (and deployments) on the Git host. */
  commitStatus: z.boolean().default(true),
});

export const TimeoutsConfig = z.strictObject({
  build: Duration.default(DEFAULT_TIMEOUTS.build),
  staging: Duration.default(DEFAULT_TIMEOUTS.staging),
  canary: Duration.default(DEFAULT_TIMEOUTS.canary),
  production: Duration.default(DEFAULT_TIMEOUTS.production),
});

export const PipelineConfig = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (at most 63)'),
    source: SourceConfig,
    on: TriggerConfig.default({}),
    build: BuildConfig.default(BuildConfig.parse({})),
    staging: StagingConfig.default({}),
    production: ProductionConfig.default(ProductionConfig.parse({})),
    notifications: NotificationsConfig.default(NotificationsConfig.parse({})),
    timeouts: TimeoutsConfig.default(TimeoutsConfig.parse({})),
    concurrency: z.enum(['supersede', 'queue', 'parallel']).default('supersede'),
  })
  .superRefine((pipeline, ctx) => checkPipeline(pipeline, reporter(ctx)), ALWAYS);

/**
 * What local mode's data folder keeps (`shared/domain/retention.ts` decides, on a schedule): the
 * artifacts of the last `releases` production releases of each pipeline (what a redeploy starts
 * from); every other build's artifacts for `artifacts` after it ended (a retry or a redeploy of its
 * run needs them) and its folder (log, record) for `builds`; finished runs with their event logs
 * for `runs` after they started.
 */
export const RetentionConfig = z.strictObject({
  releases: z.number().int().min(1).max(1000).default(5),
  artifacts: Duration.default(86_400),
  builds: Duration.default(14 * 86_400),
  runs: Duration.default(365 * 86_400),
});

/** One person, by name, with the identities that act for them (a Slack user id, Git host logins). */
export const Person = z.strictObject({
  slack: z.string().min(1).optional(),
  github: z.string().min(1).optional(),
  gitlab: z.string().min(1).optional(),
});

export const PushlineFile = z
  .strictObject({
    version: z.literal(1).default(1),
    /** People by name: approvers are named here, and a Slack user or a login maps to its name. */
    people: z.record(z.string().min(1), Person).default({}),
    retention: RetentionConfig.default(RetentionConfig.parse({})),
    pipelines: z
      .array(PipelineConfig)
      .min(1, 'declare at least one pipeline')
      .superRefine((pipelines, ctx) => checkPipelines(pipelines, reporter(ctx)), ALWAYS),
  })
  .superRefine((file, ctx) => {
    // Approvers are people of the file when it names any, so a typo cannot lock a gate for good.
    // (It runs on a file with other problems too: every value is checked before it is used.)
    const people = typeof file.people === 'object' && file.people !== null ? file.people : {};
    const names = Object.keys(people);
    if (names.length === 0 || !Array.isArray(file.pipelines)) return;
    file.pipelines.forEach((pipeline, i) => {
      const approvers: unknown = pipeline?.production?.approval?.approvers;
      if (!Array.isArray(approvers)) return;
      approvers.forEach((approver, j) => {
        if (typeof approver !== 'string' || Object.hasOwn(people, approver)) return;
        ctx.addIssue({
          code: 'custom',
          path: ['pipelines', i, 'production', 'approval', 'approvers', j],
          message: `"${approver}" is not one of the people (${names.join(', ')})`,
        });
      });
    });
  }, ALWAYS);

export type PipelineConfig = z.output<typeof PipelineConfig>;
export type Person = z.output<typeof Person>;
export type RetentionConfig = z.output<typeof RetentionConfig>;
export type PushlineFile = z.output<typeof PushlineFile>;
export type CanaryConfig = z.output<typeof CanaryConfig>;
export type CanaryMetric = z.output<typeof CanaryMetric>;
export type LocalTarget = z.output<typeof LocalTarget>;
export type CodeDeployTarget = z.output<typeof CodeDeployTarget>;
export type SmokeCheck = z.output<typeof SmokeCheck>;
