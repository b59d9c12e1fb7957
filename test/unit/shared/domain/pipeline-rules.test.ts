import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { planQueries } from '../../../../shared/aws/cloudwatch-queries.ts';
import { CanaryMetric, PipelineConfig, PushlineFile } from '../../../../shared/domain/pipeline-config.ts';
import { formatProblems, parsePipelineFile } from '../../../../shared/domain/pipeline-file.ts';
import { ownPortProblems, REQUEST_COUNT_METRICS } from '../../../../shared/domain/pipeline-rules.ts';

/** The problems of a one-pipeline file, as `path: message`. */
function problems(production: Record<string, unknown>, staging: Record<string, unknown> = {}): string[] {
  const result = PushlineFile.safeParse({
    pipelines: [{ name: 'web', source: { github: 'acme/web' }, staging, production }],
  });
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const target = (platform: string, more: Record<string, unknown> = {}) => ({
  application: 'acme-web',
  deploymentGroup: 'acme-web-production',
  platform,
  ...more,
});
const ALB_REQUESTS = {
  name: 'requests',
  cloudwatch: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCountPerTarget', stat: 'Sum' },
  min: 1,
};
const ALB_5XX = {
  name: 'error_5xx',
  cloudwatch: { namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', stat: 'Sum' },
  max: 5,
};

describe('the AWS canary rule', () => {
  it('refuses an ECS canary whose metrics have no cloudwatch block, naming each, and no request count', () => {
    // Act
    const found = problems({
      codedeploy: target('ECS'),
      canary: { metrics: [{ name: 'error_rate', local: 'error_rate', max: 0.01 }, ALB_5XX] },
    });

    // Assess
    expect(found).toEqual([
      'pipelines.0.production.canary.metrics.0.cloudwatch: metric error_rate has no cloudwatch block: on AWS the canary of an ECS target reads every metric from CloudWatch (built-in metrics exist for Lambda targets only)',
      "pipelines.0.production.canary.metrics: no metric counts the canary's requests: add one whose cloudwatch.metricName is RequestCountPerTarget, RequestCount, Count, Invocations (summed), or every verdict of this ECS canary is inconclusive",
    ]);
  });

  it("refuses a Server canary left with local mode's default metrics", () => {
    // Act
    const found = problems({ codedeploy: target('Server') });

    // Assess
    expect(found.map((p) => p.split(': ')[0])).toEqual([
      'pipelines.0.production.canary.metrics.0.cloudwatch',
      'pipelines.0.production.canary.metrics.1.cloudwatch',
      'pipelines.0.production.canary.metrics',
    ]);
    expect(found[0]).toContain('the canary of a Server target');
  });

  it('accepts an ECS canary that counts its requests, a Lambda canary on built-in metrics, and a local-only one', () => {
    // Act / Assess
    expect(problems({ codedeploy: target('ECS'), canary: { metrics: [ALB_REQUESTS, ALB_5XX] } })).toEqual([]);
    expect(problems({ codedeploy: target('Lambda', { functionName: 'orders', alias: 'live' }) })).toEqual([]);
    expect(problems({ local: { start: 'node server.js', port: 4200 } })).toEqual([]);
  });

  it('agrees with the AWS metrics source: a file is refused exactly when planQueries would throw', () => {
    const metric = fc.record(
      {
        local: fc.constantFrom('error_rate', 'latency_p95', 'requests'),
        cloudwatch: fc.record({
          namespace: fc.constantFrom('AWS/ApplicationELB', 'AWS/ApiGateway', 'AWS/Lambda', 'Acme/Web'),
          metricName: fc.constantFrom(...REQUEST_COUNT_METRICS, 'Latency', 'HTTPCode_Target_5XX_Count'),
          stat: fc.constantFrom('Sum', 'Average', 'p95'),
        }),
      },
      { requiredKeys: [] },
    );
    const seen = { refused: 0, accepted: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom('ECS', 'Server', 'Lambda'),
        fc.array(metric, { maxLength: 4 }),
        (platform, drawn) => {
          // Prepare: unique names and a threshold each, so that no other canary rule applies
          const metrics = drawn.map((m, i) => ({ ...m, name: `m${i}`, max: 1 }));
          const codedeploy = target(
            platform,
            platform === 'Lambda' ? { functionName: 'f', alias: 'live' } : {},
          );
          const valid = PipelineConfig.parse({
            name: 'web',
            source: { github: 'acme/web' },
            production: { codedeploy, canary: { metrics: [ALB_REQUESTS] } },
          });
          valid.production.canary.metrics = metrics.map((m) => CanaryMetric.parse(m));
          const lambda =
            platform === 'Lambda'
              ? { functionName: 'f', alias: 'live', canary: '2', baseline: '1' }
              : undefined;

          // Act
          const refused = problems({ codedeploy, canary: { metrics } }).length > 0;
          let threw = false;
          try {
            planQueries(valid, lambda);
          } catch {
            threw = true;
          }

          // Assess
          expect(refused).toBe(threw);
          seen[refused ? 'refused' : 'accepted']++;
        },
      ),
      { numRuns: 300 },
    );
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.accepted).toBeGreaterThan(0);
  });
});

describe('smoke checks', () => {
  it('reads a target’s smoke checks with their defaults', () => {
    // Act
    const file = PushlineFile.parse({
      pipelines: [
        {
          name: 'web',
          source: { github: 'acme/web' },
          staging: {
            codedeploy: target('ECS', {
              smokeChecks: [
                { url: 'https://test.web.example.com/healthz' },
                { url: 'http://10.0.0.7:8080/ready', expectStatus: 204, timeoutSeconds: 3 },
              ],
            }),
          },
        },
      ],
    });

    // Assess
    expect(file.pipelines[0]!.staging.codedeploy?.smokeChecks).toEqual([
      { url: 'https://test.web.example.com/healthz', expectStatus: 200, timeoutSeconds: 10 },
      { url: 'http://10.0.0.7:8080/ready', expectStatus: 204, timeoutSeconds: 3 },
    ]);
  });

  it('refuses a check that is not an http(s) URL, a status or timeout out of range, a misspelt key, an empty list', () => {
    // Act
    const found = problems(
      { codedeploy: target('Lambda', { smokeChecks: [] }) },
      {
        codedeploy: target('ECS', {
          smokeChecks: [
            { url: 'ftp://example.com/x' },
            { url: 'https://example.com/', expectStatus: 700, timeoutSeconds: 61 },
            { url: 'https://example.com/', expectedStatus: 200 },
          ],
        }),
      },
    );

    // Assess
    expect(found.map((p) => p.split(': ')[0])).toEqual([
      'pipelines.0.staging.codedeploy.smokeChecks.0.url',
      'pipelines.0.staging.codedeploy.smokeChecks.1.expectStatus',
      'pipelines.0.staging.codedeploy.smokeChecks.1.timeoutSeconds',
      'pipelines.0.staging.codedeploy.smokeChecks.2',
      'pipelines.0.production.codedeploy.smokeChecks',
    ]);
    expect(found[0]).toContain('must be an http:// or https:// URL');
  });

  it('refuses smoke checks on a Server target, whose hooks are scripts of its own appspec.yml', () => {
    // Act / Assess
    expect(
      problems({}, { codedeploy: target('Server', { smokeChecks: [{ url: 'https://test.example.com/' }] }) }),
    ).toEqual([
      'pipelines.0.staging.codedeploy.smokeChecks: smokeChecks are for ECS and Lambda targets; a Server target runs its checks as hook scripts in its own appspec.yml',
    ]);
  });
});

describe('local ports', () => {
  const local = (port: number) => ({ local: { start: 'node server.js', port } });
  const pipeline = (name: string, staging: number, production: number) => ({
    name,
    source: { github: `acme/${name}` },
    staging: local(staging),
    production: local(production),
  });

  it('refuses a port used twice, naming both keys: within a pipeline and across pipelines', () => {
    const result = PushlineFile.safeParse({
      pipelines: [pipeline('web', 4100, 4100), pipeline('api', 4100, 4300), pipeline('docs', 4400, 4300)],
    });

    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'pipelines.0.production.local.port: 4100 is already used by pipelines[0].staging.local.port',
      'pipelines.1.staging.local.port: 4100 is already used by pipelines[0].staging.local.port',
      'pipelines.2.production.local.port: 4300 is already used by pipelines[1].production.local.port',
    ]);
  });

  it('prints each clash with its line and the full path of the key it clashes with', () => {
    const text = [
      'pipelines:',
      '  - name: web',
      '    source: { github: acme/web }',
      '    production: { local: { start: node server.js, port: 8787 } }',
      '  - name: api',
      '    source: { github: acme/api }',
      '    staging:',
      '      local: { start: node server.js, port: 8787 }',
    ].join('\n');

    const result = parsePipelineFile(text);

    expect(result.ok).toBe(false);
    expect(formatProblems(result.ok ? [] : result.problems, 'pushline.yml')).toBe(
      'pushline.yml:8  pipelines[1].staging.local.port: 8787 is already used by pipelines[0].production.local.port',
    );
  });

  it('accepts distinct ports', () => {
    expect(
      PushlineFile.safeParse({ pipelines: [pipeline('web', 4100, 4200), pipeline('api', 4300, 4400)] })
        .success,
    ).toBe(true);
  });

  it("names every target on Pushline's own port, and none when Pushline takes any free port (0)", () => {
    const pipelines = [pipeline('web', 4100, 8787), pipeline('api', 8787, 4300)];

    expect(ownPortProblems(pipelines, 8787)).toEqual([
      {
        path: 'pipelines[0].production.local.port',
        message:
          "8787 is Pushline's own port (pushline up --port 8787); give this target another port, or start Pushline on another with --port",
      },
      {
        path: 'pipelines[1].staging.local.port',
        message: expect.stringMatching(/^8787 is Pushline's own port/),
      },
    ]);
    expect(ownPortProblems(pipelines, 9000)).toEqual([]);
    expect(ownPortProblems(pipelines, 0)).toEqual([]);
  });
});
