import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ConfigError } from '../../../../shared/domain/errors.ts';
import {
  formatProblems,
  loadPipelineFile,
  parsePipelineFile,
} from '../../../../shared/domain/pipeline-file.ts';

const ROOT_FILE = new URL('../../../../pushline.yml', import.meta.url);

/** The problems of a text, as `line  path: message`, or a failure when the text is valid. */
function problemsOf(text: string): string[] {
  const result = parsePipelineFile(text);
  if (result.ok) throw new Error('expected the file to be refused');
  return result.problems.map((p) => `${p.line ?? '?'}  ${p.path}: ${p.message}`);
}

const lines = (...rows: string[]) => `${rows.join('\n')}\n`;

describe('parsePipelineFile', () => {
  it('reads the repository’s own pushline.yml: two pipelines with their defaults', () => {
    // Act
    const result = parsePipelineFile(readFileSync(ROOT_FILE, 'utf8'));

    // Assess
    if (!result.ok) throw new Error(formatProblems(result.problems, 'pushline.yml'));
    const [web, payments] = result.file.pipelines;
    expect(web).toMatchObject({
      name: 'web',
      source: { github: 'acme/web' },
      on: { branches: ['main', 'release/**'], tags: ['v*.*.*'] },
      staging: { codedeploy: { platform: 'ECS' }, local: { port: 4100 } },
      production: { canary: { interval: 60, bake: 600, baseline: { compare: true } } },
    });
    expect(payments).toMatchObject({
      name: 'payments-api',
      source: { codecommit: 'payments-api' },
      production: { codedeploy: { platform: 'Lambda', alias: 'live' } },
      timeouts: { build: 1800 },
      concurrency: 'queue',
    });
  });

  it('refuses an unknown top-level key, even one that only holds an anchor', () => {
    // Prepare
    const text = lines(
      'x-target: &target',
      '  application: acme-web',
      '  platform: ECS',
      'pipelines:',
      '  - name: web',
      '    source: { github: acme/web }',
      '    staging:',
      '      codedeploy:',
      '        <<: *target',
      '        deploymentGroup: staging',
    );

    // Act / Assess: the merge itself worked, or the target would lack its application
    expect(problemsOf(text)).toEqual([
      '1  x-target: unknown key; expected one of version, people, retention, pipelines',
    ]);
  });

  it('resolves YAML anchors, aliases and << merges', () => {
    // Prepare
    const text = lines(
      'pipelines:',
      '  - &web',
      '    name: web',
      '    source: { github: acme/web }',
      '    staging: { codedeploy: { application: a, deploymentGroup: g, platform: Lambda } }',
      '  - <<: *web',
      '    name: web-eu',
    );

    // Act
    const result = parsePipelineFile(text);

    // Assess
    expect(result.ok && result.file.pipelines.map((p) => [p.name, p.staging.codedeploy?.platform])).toEqual([
      ['web', 'Lambda'],
      ['web-eu', 'Lambda'],
    ]);
  });

  it('reports every problem of a file at once, with its path and line, sorted by line', () => {
    // Prepare
    const text = lines(
      'version: 1',
      'pipelines:',
      '  - name: web',
      '    source:',
      '      github: acme/web',
      '    on:',
      "      branches: [main, 'release/[0-9']",
      '      branches-ignore: wip/**',
      '    production:',
      '      codedeploy:',
      '        application: acme-web',
      '        deploymentGroup: acme-web-production',
      '        platform: ECS',
      '        deploymentConfig: CodeDeployDefault.LambdaCanary10Percent5Minutes',
      '      canary:',
      '        interval: 5m',
      '        bake: 2m',
      '        metrics:',
      '          - name: error_rate',
      '            local: error_rate',
      '            min: 0.5',
      '            max: 0.1',
      '  - name: web',
      '    source: { github: acme/web }',
      '    timeouts:',
      '      build: soon',
      '    concurency: queue',
      '    staging:',
      '      local: { start: npm start, port: "4100" }',
    );

    // Act
    const found = problemsOf(text);

    // Assess
    expect(found).toEqual([
      '7  pipelines[0].on.branches[1]: "release/[0-9" is not a valid glob: Missing closing: "]" - use "\\\\]" to match literal characters',
      '8  pipelines[0].on.branches-ignore: unknown key (did you mean branchesIgnore?)',
      expect.stringMatching(
        /^14 {2}pipelines\[0\]\.production\.codedeploy\.deploymentConfig: CodeDeployDefault\.LambdaCanary10Percent5Minutes is a Lambda configuration; an ECS target takes one of /,
      ),
      '17  pipelines[0].production.canary.bake: bake (2m) is shorter than interval (5m): the canary would end before its first check',
      expect.stringMatching(
        /^18 {2}pipelines\[0\]\.production\.canary\.metrics: no metric counts the canary's requests/,
      ),
      expect.stringMatching(
        /^19 {2}pipelines\[0\]\.production\.canary\.metrics\[0\]\.cloudwatch: metric error_rate has no cloudwatch block/,
      ),
      '21  pipelines[0].production.canary.metrics[0].min: min (0.5) is greater than max (0.1): no value of error_rate could pass',
      '23  pipelines[1].name: pipeline name web is already used by pipelines[0]',
      '26  pipelines[1].timeouts.build: "soon" is not a duration (use e.g. 30s, 5m, 1h30m, 14d)',
      '27  pipelines[1].concurency: unknown key (did you mean concurrency?)',
      '29  pipelines[1].staging.local.port: expected number, got string "4100"',
    ]);
  });

  it('says a required key is required, at the line of the mapping that lacks it', () => {
    // Act / Assess
    expect(problemsOf(lines('pipelines:', '  - source: { github: acme/web }'))).toEqual([
      '2  pipelines[0].name: is required',
    ]);
  });

  it('names the allowed values of a choice', () => {
    // Prepare
    const text = lines(
      'pipelines:',
      '  - name: web',
      '    source: { github: acme/web }',
      '    staging: { codedeploy: { application: a, deploymentGroup: g, platform: EC2 } }',
    );

    // Act / Assess
    expect(problemsOf(text)).toEqual([
      '4  pipelines[0].staging.codedeploy.platform: must be one of "ECS", "Lambda", "Server"',
    ]);
  });

  it('reports YAML syntax errors with their line, and nothing that a broken tree would invent', () => {
    // Prepare
    const text = lines('pipelines:', '  - name: web', '    source: {github: acme/web', '  - name: api');

    // Act
    const found = parsePipelineFile(text);

    // Assess
    expect(found.ok).toBe(false);
    expect(!found.ok && found.problems).toEqual([
      { path: '(syntax)', message: expect.stringContaining('Flow map'), line: 4 },
    ]);
  });

  it('reports a duplicate key as a YAML error at its line', () => {
    // Act / Assess
    expect(problemsOf(lines('pipelines:', '  - name: web', '    name: api'))).toEqual([
      '3  (syntax): Map keys must be unique',
    ]);
  });

  it('refuses an empty file with a hint', () => {
    // Act / Assess
    expect(problemsOf('')).toEqual(['1  (root): the file is empty: declare `pipelines:`']);
    expect(problemsOf('# nothing yet\n')).toEqual(['1  (root): the file is empty: declare `pipelines:`']);
  });

  it('refuses a file that is not a mapping', () => {
    // Act / Assess
    expect(problemsOf('- web\n- api\n')).toEqual(['1  (root): expected object, got a list']);
  });

  it('refuses a file of no pipelines', () => {
    // Act / Assess
    expect(problemsOf('pipelines: []\n')).toEqual(['1  pipelines: declare at least one pipeline']);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    // Prepare: each level doubles the one before it
    const levels = Array.from({ length: 12 }, (_, i) => `l${i + 1}: &l${i + 1} [*l${i}, *l${i}]`);
    const text = lines('l0: &l0 [x]', ...levels, 'pipelines: *l12');

    // Act
    const found = parsePipelineFile(text);

    // Assess
    expect(found.ok).toBe(false);
    expect(!found.ok && found.problems[0]!.message).toMatch(/alias/i);
  });

  it('refuses a file over 256 KiB and a list over 1,000 items at once, before checking any of it', () => {
    // Prepare: a list of 200,000 branches (1.5 MB), and one of 5,000 under the size limit
    const branches = (n: number) => Array.from({ length: n }, (_, i) => `b${i}`).join(', ');
    const huge = lines(
      'pipelines:',
      '  - name: web',
      '    source: { github: acme/web }',
      `    on: { branches: [${branches(200_000)}] }`,
    );
    const long = lines(
      'pipelines:',
      '  - name: web',
      '    source: { github: acme/web }',
      `    on: { branches: [${branches(5000)}] }`,
    );

    // Act
    const started = Date.now();
    const [hugeProblems, longProblems] = [problemsOf(huge), problemsOf(long)];
    const took = Date.now() - started;

    // Assess
    expect(hugeProblems).toEqual([
      expect.stringMatching(/the file is \d+ bytes; a pipeline file may be at most 262144/),
    ]);
    expect(longProblems).toEqual(['4  (list): a list of 5000 items; lists may have at most 1000']);
    expect(took).toBeLessThan(2000);
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: fc.constantFrom('pipelines', ':', '\n', '  ', '- ', '{', '[', '&a', '*a', 'x') }),
        ),
        (text) => {
          const result = parsePipelineFile(text);
          if (!result.ok) expect(result.problems.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('loadPipelineFile', () => {
  it('returns the file when it is valid', () => {
    // Act / Assess
    expect(loadPipelineFile(readFileSync(ROOT_FILE, 'utf8')).pipelines).toHaveLength(2);
  });

  it('throws a ConfigError that carries every problem and lists them in its message', () => {
    // Prepare
    const text = lines('pipelines:', '  - name: Web', '    source: { github: acme }');

    // Act
    let error: unknown;
    try {
      loadPipelineFile(text, 'deploy/pushline.yml');
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.expose).toBe(true);
    expect(configError.problems.map((p) => p.path)).toEqual([
      'pipelines[0].name',
      'pipelines[0].source.github',
    ]);
    expect(configError.message).toBe(
      [
        'deploy/pushline.yml is not valid:',
        'deploy/pushline.yml:2  pipelines[0].name: must be lowercase letters, digits and dashes (at most 63)',
        'deploy/pushline.yml:3  pipelines[0].source.github: must be "owner/repo"',
      ].join('\n'),
    );
  });
});
