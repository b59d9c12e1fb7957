import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = path.join(ROOT, 'bin/pushline.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `pushline` command, as a user would. */
function pushline(args: string[], cwd = ROOT): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Five different mistakes at known lines: a bad glob, a CodeDeploy config of another platform, a
 * wrong type, a pipeline name used twice and a misspelt key.
 */
const FIVE_MISTAKES = `version: 1
pipelines:
  - name: web
    source:
      github: acme/web
    on:
      branches: [main, 'release/[0-9']
    staging:
      codedeploy:
        application: acme-web
        deploymentGroup: acme-web-staging
        platform: ECS
        deploymentConfig: CodeDeployDefault.LambdaAllAtOnce
      local:
        start: node dist/server.js
        port: "4100"
  - name: web
    source: { codecommit: web }
    concurency: queue
`;

/** Staging on Pushline's default port (8787), production and a second pipeline on one port. */
const ON_PUSHLINES_PORT = `pipelines:
  - name: web
    source: { github: acme/web }
    staging:
      local: { start: node server.js, port: 8787 }
    production:
      local: { start: node server.js, port: 4200 }
  - name: api
    source: { github: acme/api }
    production:
      local: { start: node server.js, port: 4200 }
`;

describe('pushline validate', () => {
  let dir: string;
  /** Every run of the CLI, started together: each one pays for Node and tsx starting up. */
  let runs: Record<
    'valid' | 'mistakes' | 'broken' | 'missing' | 'directory' | 'ownPort' | 'otherPort' | 'badPort',
    CliResult
  >;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pushline-validate-'));
    await writeFile(path.join(dir, 'five-mistakes.yml'), FIVE_MISTAKES);
    await writeFile(
      path.join(dir, 'broken.yml'),
      'pipelines:\n  - name: web\n    source: {github: acme/web\n',
    );
    await writeFile(path.join(dir, 'own-port.yml'), ON_PUSHLINES_PORT);
    const [valid, mistakes, broken, missing, directory, ownPort, otherPort, badPort] = await Promise.all([
      pushline(['validate']), // no argument: ./pushline.yml of the repository
      pushline(['validate', path.join(dir, 'five-mistakes.yml')]),
      pushline(['validate', path.join(dir, 'broken.yml')]),
      pushline(['validate', 'nowhere/pushline.yml']),
      pushline(['validate', dir]),
      pushline(['validate', path.join(dir, 'own-port.yml')]),
      pushline(['validate', '--port', '9000', path.join(dir, 'own-port.yml')]),
      pushline(['validate', '--port', 'http', path.join(dir, 'own-port.yml')]),
    ]);
    runs = {
      valid: valid!,
      mistakes: mistakes!,
      broken: broken!,
      missing: missing!,
      directory: directory!,
      ownPort: ownPort!,
      otherPort: otherPort!,
      badPort: badPort!,
    };
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts the repository’s pushline.yml and summarises each pipeline on one line', async () => {
    // Act (in beforeAll)
    const { code, stdout, stderr } = runs.valid;

    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('pushline.yml: valid, 2 pipelines');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(
      '  web: github acme/web | on branches [main, release/**], tags [v*.*.*], pathsIgnore [docs/**, **/*.md]' +
        ' | build (CodeBuild acme-web-build) → staging (CodeDeploy ECS, local :4100) → canary → production (CodeDeploy ECS, local :4200)' +
        ' | canary 10% for 10m, every 1m on requests, error_rate, latency_p95 (vs baseline, 1 alarm)',
    );
    expect(lines[2]).toMatch(
      /^ {2}payments-api: codecommit payments-api \| on branches \[main\], paths \[src\/\*\*, /,
    );
    expect(lines[2]).toContain('staging (CodeDeploy Lambda)');
  });

  it('names all five mistakes of a file, each as file:line  path: message, and exits 1', async () => {
    // Prepare
    const file = path.join(dir, 'five-mistakes.yml');

    // Act (in beforeAll)
    const { code, stdout, stderr } = runs.mistakes;

    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, -2)).toEqual([
      `${file}:7  pipelines[0].on.branches[1]: "release/[0-9" is not a valid glob: Missing closing: "]" - use "\\\\]" to match literal characters`,
      expect.stringMatching(
        new RegExp(
          `^${escapeRegExp(file)}:13 {2}pipelines\\[0\\]\\.staging\\.codedeploy\\.deploymentConfig: CodeDeployDefault\\.LambdaAllAtOnce is a Lambda configuration; an ECS target takes one of `,
        ),
      ),
      `${file}:16  pipelines[0].staging.local.port: expected number, got string "4100"`,
      `${file}:17  pipelines[1].name: pipeline name web is already used by pipelines[0]`,
      `${file}:19  pipelines[1].concurency: unknown key (did you mean concurrency?)`,
    ]);
    expect(lines.at(-2)).toBe('');
    expect(lines.at(-1)).toBe(`${file}: 5 problems`);
  });

  it("refuses targets on one port and on Pushline's own port (8787 unless --port says otherwise)", async () => {
    // Prepare
    const file = path.join(dir, 'own-port.yml');

    // Act (in beforeAll)
    const { ownPort, otherPort } = runs;

    // Assess
    expect(ownPort.code).toBe(1);
    expect(ownPort.stdout.trim().split('\n')).toEqual([
      `${file}:11  pipelines[1].production.local.port: 4200 is already used by pipelines[0].production.local.port`,
      `${file}  pipelines[0].staging.local.port: 8787 is Pushline's own port (pushline up --port 8787); give this target another port, or start Pushline on another with --port`,
      '',
      `${file}: 2 problems`,
    ]);
    expect(otherPort.code).toBe(1);
    expect(otherPort.stdout).not.toContain("Pushline's own port");
    expect(otherPort.stdout).toContain(`${file}: 1 problem`);
  });

  it('exits 2 for a --port that is not a port', async () => {
    expect(runs.badPort.code).toBe(2);
    expect(runs.badPort.stderr.trim()).toBe(
      'pushline validate: --port must be a number from 0 to 65535, not "http"',
    );
  });

  it('reports a YAML syntax error with its line and exits 1', async () => {
    // Act (in beforeAll)
    const { code, stdout } = runs.broken;

    // Assess
    expect(code).toBe(1);
    expect(stdout).toMatch(/broken\.yml:\d+ {2}\(syntax\): Flow map in block collection/);
  });

  it('exits 2 with a clear message and no stack trace when the file does not exist', async () => {
    // Act (in beforeAll)
    const { code, stdout, stderr } = runs.missing;

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(
      'pushline validate: nowhere/pushline.yml does not exist (run it next to your pushline.yml, or name the file: pushline validate path/to/pushline.yml)',
    );
  });

  it('exits 2 when the path is a directory', async () => {
    // Act (in beforeAll)
    const { code, stderr } = runs.directory;

    // Assess
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`pushline validate: ${dir} is a directory, not a pipeline file`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
