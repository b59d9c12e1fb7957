import { describe, expect, it } from '@jest/globals';
import {
  CODEDEPLOY_DEFAULT_CONFIGS,
  type CodeDeployPlatform,
} from '../../../../shared/domain/codedeploy-configs.ts';
import { CanaryConfig, PushlineFile } from '../../../../shared/domain/pipeline-config.ts';

/** A minimal valid pipeline, with `extra` merged over it. */
function pipeline(extra: Record<string, unknown> = {}) {
  return { name: 'web', source: { github: 'acme/web' }, ...extra };
}

/** The problems of a file of the given pipelines, as `path: message`. */
function problems(...pipelines: Record<string, unknown>[]): string[] {
  const result = PushlineFile.safeParse({ pipelines });
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

/** A metric an ECS canary on AWS can be judged by: it counts the canary's requests. */
const ALB_REQUESTS = {
  name: 'requests',
  cloudwatch: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCountPerTarget', stat: 'Sum' },
  min: 1,
};

const codedeploy = (platform: string, more: Record<string, unknown> = {}) => ({
  application: 'acme-web',
  deploymentGroup: 'acme-web-production',
  platform,
  ...more,
});

describe('PushlineFile', () => {
  it('fills every default of a minimal pipeline', () => {
    // Act
    const file = PushlineFile.parse({ pipelines: [pipeline()] });

    // Assess
    const [web] = file.pipelines;
    expect(file.version).toBe(1);
    expect(web).toMatchObject({
      on: {},
      build: { buildspec: 'buildspec.yml' },
      staging: {},
      notifications: { commitStatus: true },
      timeouts: { build: 1800, staging: 900, canary: 3600, production: 1800 },
      concurrency: 'supersede',
    });
    expect(web!.production.canary).toMatchObject({
      traffic: 10,
      interval: 60,
      bake: 300,
      minRequests: 20,
      noData: 'rollback',
      baseline: { compare: false },
    });
    expect(web!.production.canary.metrics.map((m) => m.name)).toEqual(['error_rate', 'latency_p95']);
  });

  it('reads durations as seconds and a single glob as a list', () => {
    // Act
    const file = PushlineFile.parse({
      pipelines: [
        pipeline({
          on: { branches: 'main', pathsIgnore: ['docs/**'] },
          production: { canary: { interval: '30s', bake: '1h30m' } },
          timeouts: { canary: 7200 },
        }),
      ],
    });

    // Assess
    const [web] = file.pipelines;
    expect(web!.on).toEqual({ branches: ['main'], pathsIgnore: ['docs/**'] });
    expect(web!.production.canary).toMatchObject({ interval: 30, bake: 5400 });
  });

  it('refuses a duration that is not one', () => {
    // Act / Assess
    expect(problems(pipeline({ timeouts: { build: '5 minutes' } }))).toEqual([
      'pipelines.0.timeouts.build: "5 minutes" is not a duration (use e.g. 30s, 5m, 1h30m, 14d)',
    ]);
    expect(problems(pipeline({ timeouts: { build: true } }))).toEqual([
      'pipelines.0.timeouts.build: must be a duration such as 30s, 5m or 1h30m',
    ]);
  });

  it.each([
    ['release/[0-9', /is not a valid glob: Missing closing: "\]"/],
    ['src/{a,b', /is not a valid glob: Missing closing: "\}"/],
    ['', /a glob cannot be empty/],
    ['!main', /negates with "!": list it under the matching \*Ignore key instead/],
    ['./src/**', /starts with "\.\/": globs are relative to the repository root/],
  ])('refuses the glob %p', (glob, message) => {
    // Act
    const found = problems(pipeline({ on: { paths: ['src/**', glob] } }));

    // Assess
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^pipelines\.0\.on\.paths\.1: /);
    expect(found[0]).toMatch(message);
  });

  it('refuses two pipelines with one name', () => {
    // Act / Assess
    expect(problems(pipeline(), pipeline({ source: { codecommit: 'web' } }))).toEqual([
      'pipelines.1.name: pipeline name web is already used by pipelines[0]',
    ]);
  });

  it('refuses a source that names no repository or two', () => {
    // Act / Assess
    expect(problems(pipeline({ source: {} }))).toEqual([
      'pipelines.0.source: name exactly one of github, gitlab or codecommit',
    ]);
    expect(problems(pipeline({ source: { github: 'acme/web', codecommit: 'web' } }))).toHaveLength(1);
  });

  describe('CodeDeploy deployment configs', () => {
    const platforms = Object.keys(CODEDEPLOY_DEFAULT_CONFIGS) as CodeDeployPlatform[];
    const cases = platforms.flatMap((platform) =>
      CODEDEPLOY_DEFAULT_CONFIGS[platform].map((config) => [platform, config] as const),
    );

    it.each(cases)('accepts %s with %s', (platform, deploymentConfig) => {
      // Act / Assess
      expect(
        problems(pipeline({ staging: { codedeploy: codedeploy(platform, { deploymentConfig }) } })),
      ).toEqual([]);
    });

    it.each(cases)('refuses %s config %s on the other platforms', (owner, deploymentConfig) => {
      for (const platform of platforms.filter((p) => p !== owner)) {
        // Act
        const found = problems(
          pipeline({ staging: { codedeploy: codedeploy(platform, { deploymentConfig }) } }),
        );

        // Assess
        expect(found).toEqual([
          expect.stringContaining(
            `pipelines.0.staging.codedeploy.deploymentConfig: ${deploymentConfig} is ${owner === 'ECS' ? 'an' : 'a'} ${owner} configuration`,
          ),
        ]);
      }
    });

    it('counts 17 predefined configurations: 5 ECS, 9 Lambda, 3 Server', () => {
      // Assess
      expect(cases).toHaveLength(17);
      expect(platforms.map((p) => CODEDEPLOY_DEFAULT_CONFIGS[p].length)).toEqual([5, 9, 3]);
    });

    it('refuses a CodeDeployDefault name that does not exist, listing the platform’s', () => {
      // Act
      const found = problems(
        pipeline({
          staging: {
            codedeploy: codedeploy('ECS', {
              deploymentConfig: 'CodeDeployDefault.ECSCanary10Percent10Minutes',
            }),
          },
        }),
      );

      // Assess
      expect(found).toEqual([
        'pipelines.0.staging.codedeploy.deploymentConfig: CodeDeployDefault.ECSCanary10Percent10Minutes is not a configuration CodeDeploy predefines; for ECS use one of CodeDeployDefault.ECSAllAtOnce, CodeDeployDefault.ECSLinear10PercentEvery1Minutes, CodeDeployDefault.ECSLinear10PercentEvery3Minutes, CodeDeployDefault.ECSCanary10Percent5Minutes, CodeDeployDefault.ECSCanary10Percent15Minutes, or a custom configuration',
      ]);
    });

    it('accepts a custom deployment config by name', () => {
      // Act / Assess
      expect(
        problems(
          pipeline({
            staging: { codedeploy: codedeploy('Lambda', { deploymentConfig: 'acme-linear-5pct' }) },
          }),
        ),
      ).toEqual([]);
    });

    it('refuses fields of another platform', () => {
      // Act / Assess
      expect(
        problems(
          pipeline({
            staging: { codedeploy: codedeploy('Lambda', { container: 'web', functionName: 'f' }) },
          }),
        ),
      ).toEqual([
        "pipelines.0.staging.codedeploy.container: container is for ECS targets; this target's platform is Lambda",
      ]);
    });

    it('refuses a CodeDeploy canary that shifts all traffic before the bake ends, or another share', () => {
      // Act
      const found = problems(
        pipeline({
          production: {
            codedeploy: codedeploy('ECS', {
              deploymentConfig: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
            }),
            canary: { traffic: 20, bake: '10m', metrics: [ALB_REQUESTS] },
          },
        }),
      );

      // Assess
      expect(found).toEqual([
        "pipelines.0.production.codedeploy.deploymentConfig: CodeDeployDefault.ECSCanary10Percent5Minutes shifts all traffic after 5m, before the canary's bake (10m) ends",
        'pipelines.0.production.canary.traffic: traffic is 20%, but CodeDeployDefault.ECSCanary10Percent5Minutes sends 10% to the canary',
      ]);
    });
  });

  describe('canary rules', () => {
    const canary = (c: Record<string, unknown>, more: Record<string, unknown> = {}) =>
      pipeline({ production: { canary: c }, ...more });

    it('refuses a bake shorter than the interval', () => {
      // Act / Assess
      expect(problems(canary({ interval: '5m', bake: '2m' }))).toEqual([
        'pipelines.0.production.canary.bake: bake (2m) is shorter than interval (5m): the canary would end before its first check',
      ]);
    });

    it('refuses a canary timeout shorter than the bake', () => {
      // Act / Assess
      expect(problems(canary({ bake: '45m' }, { timeouts: { canary: '30m' } }))).toEqual([
        'pipelines.0.timeouts.canary: the canary timeout (30m) is shorter than its bake (45m): the watchdog would stop every canary',
      ]);
    });

    it('refuses a metric whose min is above its max', () => {
      // Act / Assess
      expect(
        problems(canary({ metrics: [{ name: 'success_rate', local: 'error_rate', min: 0.99, max: 0.5 }] })),
      ).toEqual([
        'pipelines.0.production.canary.metrics.0.min: min (0.99) is greater than max (0.5): no value of success_rate could pass',
      ]);
    });

    it('refuses a metric with neither local nor cloudwatch', () => {
      // Act / Assess
      expect(problems(canary({ metrics: [{ name: 'errors', max: 1 }] }))).toEqual([
        'pipelines.0.production.canary.metrics.0: metric errors names no source: give it `local` (the local proxy) or `cloudwatch` (a CloudWatch metric)',
      ]);
    });

    it('refuses a metric that could never fail: no threshold and no baseline comparison', () => {
      // Act / Assess
      expect(problems(canary({ metrics: [{ name: 'p95', local: 'latency_p95' }] }))).toEqual([
        'pipelines.0.production.canary.metrics.0: metric p95 has neither min nor max and the canary does not compare with a baseline: it could never fail',
      ]);
      expect(
        problems(canary({ baseline: { compare: true }, metrics: [{ name: 'p95', local: 'latency_p95' }] })),
      ).toEqual([]);
    });

    it('refuses two metrics with one name', () => {
      // Act / Assess
      expect(
        problems(
          canary({
            metrics: [
              { name: 'errors', local: 'error_rate', max: 0.01 },
              { name: 'errors', local: 'error_rate', max: 0.02 },
            ],
          }),
        ),
      ).toEqual([
        'pipelines.0.production.canary.metrics.1.name: metric name errors is already used by metrics[0]',
      ]);
    });

    it('leaves CanaryConfig alone lenient: the rules apply to whole pipeline files', () => {
      // Act / Assess: the canary judge's tests build bare configs
      expect(CanaryConfig.safeParse({ metrics: [{ name: 'm', min: 5, max: 1 }] }).success).toBe(true);
    });
  });

  it('refuses a Slack notification with neither channel nor webhook', () => {
    // Act / Assess
    expect(problems(pipeline({ notifications: { slack: { mentionOnFailure: '@oncall' } } }))).toEqual([
      'pipelines.0.notifications.slack: name a Slack `channel` (bot token) or a `webhook` secret',
    ]);
  });

  it('reports the cross-key rules even when other keys are wrong too', () => {
    // Act
    const found = problems(
      pipeline({
        concurrency: 'sometimes',
        production: { canary: { interval: '5m', bake: '1m', traffic: 'lots' } },
      }),
      pipeline(),
    );

    // Assess
    expect(found.map((p) => p.split(':')[0])).toEqual([
      'pipelines.0.production.canary.traffic',
      'pipelines.0.concurrency',
      'pipelines.0.production.canary.bake',
      'pipelines.1.name',
    ]);
  });
});
