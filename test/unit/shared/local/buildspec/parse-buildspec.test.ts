import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BuildspecError, parseBuildspec } from '../../../../../shared/local/buildspec/parse-buildspec.ts';
import { fixture } from './git-fixture.ts';

/** The `BuildspecError` that parsing `text` throws. */
function refusal(text: string): BuildspecError {
  try {
    parseBuildspec(text);
  } catch (error) {
    if (error instanceof BuildspecError) return error;
    throw error;
  }
  throw new Error('the buildspec was accepted');
}

describe('parseBuildspec', () => {
  it('reads a real-world buildspec and warns about the keys it does not run locally', async () => {
    // Act
    const spec = parseBuildspec(await fixture('specs/node-app.yml'));

    // Assess
    expect(spec.shell).toBe('bash');
    expect(spec.variables).toEqual({ NODE_ENV: 'test', JEST_JUNIT_OUTPUT_DIR: 'reports' });
    expect(spec.exportedVariables).toEqual(['IMAGE_TAG', 'NODE_ENV']);
    expect(spec.phases.pre_build).toEqual({
      onFailure: 'ABORT',
      commands: [
        'IMAGE_TAG=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)',
        'echo "Building $IMAGE_TAG"',
      ],
      finally: [],
    });
    expect(spec.phases.build?.commands[0]).toBe(
      'mkdir -p dist\necho "console.log(\'shop\')" > dist/index.js\n',
    );
    expect(spec.phases.build?.finally).toEqual(['echo Build phase done']);
    expect(spec.reports).toEqual([
      { name: 'jest-reports', files: ['junit.xml'], baseDirectory: 'reports', fileFormat: 'JUNITXML' },
    ]);
    expect(spec.artifacts).toEqual({
      files: ['dist/**/*', 'package.json'],
      name: 'shop-$(date +%Y-%m-%d)',
      discardPaths: false,
      excludePaths: [],
    });
    expect(spec.warnings).toEqual([
      'run-as is not supported locally; ignored',
      'env.parameter-store is not supported locally; ignored',
      'env.secrets-manager is not supported locally; ignored',
      'env.git-credential-helper is not supported locally; ignored',
      'phases.install.runtime-versions is not supported locally; ignored',
      'artifacts.enable-symlinks is not supported locally; ignored',
      'cache is not supported locally; ignored',
      'reports.coverage: file-format CLOVERXML is not supported locally; ignored',
    ]);
  });

  it('reads every scalar as text, as CodeBuild does: `- true` is a command, `yes` a boolean', () => {
    const spec = parseBuildspec(
      'version: "0.2"\nenv:\n  variables:\n    RETRIES: 3\nphases:\n  build:\n    commands:\n      - true\n      - 42\n' +
        'artifacts:\n  files: dist/app.js\n  discard-paths: yes\n',
    );

    expect(spec.phases.build?.commands).toEqual(['true', '42']);
    expect(spec.variables).toEqual({ RETRIES: '3' });
    expect(spec.artifacts?.files).toEqual(['dist/app.js']);
    expect(spec.artifacts?.discardPaths).toBe(true);
  });

  it('accepts empty phases and drops blank commands', () => {
    const spec = parseBuildspec(
      'version: 0.2\nphases:\n  install:\n  build:\n    commands:\n      -\n      - make\n',
    );

    expect(spec.phases.install).toEqual({ commands: [], finally: [] });
    expect(spec.phases.build?.commands).toEqual(['make']);
  });

  it('runs sh when env.shell says so', () => {
    expect(
      parseBuildspec('version: 0.2\nenv:\n  shell: /bin/sh\nphases:\n  build:\n    commands: [make]\n').shell,
    ).toBe('sh');
  });

  it('refuses a command with an unquoted ": " and names its path and line, as CodeBuild does', async () => {
    const error = refusal(await fixture('specs/unquoted-colon.yml'));

    expect(error.reason).toBe(
      'YAML_FILE_ERROR: phases.build.commands[1]: expected a command (a string) but found a mapping; ' +
        'quote a command that contains ": " at line 6',
    );
    expect(error.problems).toEqual([expect.objectContaining({ path: 'phases.build.commands[1]', line: 6 })]);
  });

  it('refuses YAML that does not parse, with the line', () => {
    const error = refusal('version: 0.2\nphases:\n  build:\n    commands:\n      - make\n    - oops\n');

    expect(error.reason).toMatch(/^YAML_FILE_ERROR: .+ at line 6/);
  });

  it.each([
    [
      'version: 0.1\nphases:\n  build:\n    commands: [make]\n',
      'version: 0.1 is not supported locally; use 0.2 at line 1',
    ],
    ['phases:\n  build:\n    commands: [make]\n', 'version: is required (version: 0.2) at line 1'],
    ['version: 0.2\n', 'phases: is required'],
    [
      'version: 0.2\nphases:\n  biuld:\n    commands: [make]\n',
      'phases.biuld: unknown phase "biuld" (expected install, pre_build, build or post_build) at line 4',
    ],
    [
      'version: 0.2\nphases:\n  build:\n    on-failure: RETRY\n    commands: [make]\n',
      'phases.build.on-failure: must be ABORT or CONTINUE at line 4',
    ],
    [
      'version: 0.2\nphases:\n  build:\n    commands: make\n',
      'phases.build.commands: expected a list of commands at line 4',
    ],
    [
      'version: 0.2\nenv:\n  exported-variables: [GOOD, not-a-name]\nphases:\n  build:\n    commands: [make]\n',
      'env.exported-variables[1]: is not a valid environment variable name at line 3',
    ],
    [
      'version: 0.2\nenv:\n  shell: powershell.exe\nphases:\n  build:\n    commands: [make]\n',
      'env.shell: must be bash or sh locally',
    ],
    ['version: 0.2\nphases:\n  build:\n    commands: [make]\nartifacts:\n  name: x\n', 'artifacts.files:'],
    ['- just\n- a list\n', 'the buildspec must be a YAML mapping at line 1'],
  ])('refuses %p', (text, message) => {
    expect(refusal(text).reason).toContain(message);
  });

  it('lists every problem at once', () => {
    const error = refusal('version: 0.3\nphases:\n  build:\n    on-failure: maybe\n');

    expect(error.problems.map((p) => p.path)).toEqual(['version', 'phases.build.on-failure']);
  });

  it('never throws anything but BuildspecError, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseBuildspec(text);
        } catch (error) {
          expect(error).toBeInstanceOf(BuildspecError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
