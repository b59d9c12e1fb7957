import { spawn } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type BuildRecord, buildDir, writeRecord } from '../../../../shared/local/buildspec/build-record.ts';
import { LocalBuilder } from '../../../../shared/local/local-builder.ts';
import { type BuilderHarness, buildRequest, makeBuilder } from './buildspec/builder-fixture.ts';
import { fixture, type GitFixture, makeGitFixture } from './buildspec/git-fixture.ts';
import { isRunning, waitFor } from './buildspec/process-fixture.ts';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('LocalBuilder', () => {
  let repo: GitFixture;
  let harness: BuilderHarness;

  beforeAll(async () => {
    repo = await makeGitFixture();
  });
  afterAll(() => repo.cleanup());
  beforeEach(async () => {
    harness = await makeBuilder();
  });
  afterEach(() => harness.cleanup());

  /** Commits `buildspec` (plus files), builds the commit, and waits for the outcome. */
  async function build(
    buildspec: string,
    files: Record<string, string> = {},
    pipeline?: Record<string, unknown>,
  ) {
    const commit = await repo.commit({ 'buildspec.yml': buildspec, ...files });
    const request = buildRequest(repo.bare, commit, { pipeline });
    const started = await harness.builder.start(request);
    const outcome = await harness.outcome(started.buildId);
    const dir = buildDir(harness.dataDir, started.buildId);
    const log = await readFile(join(dir, 'build.log'), 'utf8');
    return { request, started, outcome, dir, log, commit };
  }

  it('runs the phases in order in one shell: cd and variables carry over, CodeBuild variables are set', async () => {
    // Act
    const { outcome, log, started, dir, commit } = await build(
      [
        'version: 0.2',
        'env:',
        '  variables:',
        '    GREETING: hello',
        'phases:',
        '  install:',
        '    commands:',
        '      - mkdir -p out && cd out',
        '      - export STAGE=installed',
        '      - echo "install in $(basename $PWD)"',
        '  pre_build:',
        '    commands:',
        '      - echo "pre_build sees $STAGE in $(basename $PWD)"',
        '  build:',
        '    commands:',
        '      - echo "$GREETING $CODEBUILD_RESOLVED_SOURCE_VERSION $CODEBUILD_WEBHOOK_TRIGGER $CODEBUILD_WEBHOOK_HEAD_REF"',
        '      - echo "$CODEBUILD_BUILD_ID number=$CODEBUILD_BUILD_NUMBER ci=$CI by $CODEBUILD_INITIATOR at $CODEBUILD_START_TIME"',
        '      - test "$CODEBUILD_SRC_DIR" = "$(cd .. && pwd)" && echo src-dir-ok',
        '  post_build:',
        '    commands:',
        '      - echo "succeeding=$CODEBUILD_BUILD_SUCCEEDING"',
      ].join('\n'),
    );

    // Assess
    expect(outcome.reason).toBeUndefined();
    expect(outcome).toMatchObject({ buildId: started.buildId, status: 'SUCCEEDED', failingTests: [] });
    expect(outcome.phase).toBeUndefined();
    expect(started.buildId).toMatch(/^shop:[0-9a-f-]{36}$/);
    expect(log).toContain('install in out\n');
    expect(log).toContain('pre_build sees installed in out\n');
    expect(log).toContain(`hello ${commit} branch/main refs/heads/main\n`);
    expect(log).toContain(
      `${started.buildId} number=1 ci=true by pushline/shop at ${Date.parse('2026-11-27T05:39:29Z')}\n`,
    );
    expect(log).toContain('src-dir-ok\n');
    expect(log).toContain('succeeding=1\n');
    expect(log).toContain('[Container] 2026/11/27 05:39:29 Entering phase BUILD\n');
    expect(log).toContain('[Container] 2026/11/27 05:39:29 Running command mkdir -p out && cd out\n');
    expect(log).toContain('[Container] 2026/11/27 05:39:29 Phase complete: POST_BUILD State: SUCCEEDED\n');
    const phases = [...log.matchAll(/Entering phase (\w+)/g)].map((m) => m[1]);
    expect(phases).toEqual(['DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD']);
    const record = JSON.parse(await readFile(join(dir, 'build.json'), 'utf8')) as BuildRecord;
    expect(record).toMatchObject({
      status: 'SUCCEEDED',
      runId: harness.finished[0]?.build.runId,
      buildNumber: 1,
    });
    expect(record.pid).toBeUndefined();
    expect(await exists(join(dir, 'src'))).toBe(false);
  });

  it('fails in BUILD with CodeBuild’s reason, skips the rest of BUILD, and still runs post_build and finally', async () => {
    const { outcome, log } = await build(
      [
        'version: 0.2',
        'phases:',
        '  build:',
        '    commands:',
        '      - echo compiling',
        '      - test -f missing-file',
        '      - echo never-reached',
        '    finally:',
        '      - echo build-finally',
        '  post_build:',
        '    commands:',
        '      - echo "post_build succeeding=$CODEBUILD_BUILD_SUCCEEDING"',
      ].join('\n'),
    );

    expect(outcome).toMatchObject({
      status: 'FAILED',
      phase: 'BUILD',
      reason:
        'COMMAND_EXECUTION_ERROR: Error while executing command: test -f missing-file. Reason: exit status 1',
    });
    expect(log).not.toContain('never-reached');
    expect(log).toContain('build-finally\n');
    expect(log).toContain('post_build succeeding=0\n');
    expect(log).toContain('Command did not exit successfully test -f missing-file exit status 1\n');
    expect(log).toContain('Phase complete: BUILD State: FAILED\n');
    expect(log).toContain(
      'Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing command: test -f missing-file. Reason: exit status 1\n',
    );
  });

  it('skips pre_build, build, post_build and the artifacts when install fails', async () => {
    const { outcome, log } = await build(
      [
        'version: 0.2',
        'phases:',
        '  install:',
        '    commands:',
        '      - exit 4',
        '    finally:',
        '      - echo install-finally',
        '  build:',
        '    commands:',
        '      - echo build-ran',
        '  post_build:',
        '    commands:',
        '      - echo post-build-ran',
        'artifacts:',
        '  files: ["**/*"]',
      ].join('\n'),
    );

    expect(outcome).toMatchObject({ status: 'FAILED', phase: 'INSTALL' });
    expect(outcome.reason).toBe(
      'COMMAND_EXECUTION_ERROR: Error while executing command: exit 4. Reason: exit status 4',
    );
    expect(outcome.artifacts.files).toEqual([]);
    expect(log).toContain('install-finally\n');
    expect(log).not.toMatch(
      /build-ran|post-build-ran|Entering phase (PRE_BUILD|BUILD|POST_BUILD|UPLOAD_ARTIFACTS)/,
    );
  });

  it('goes on after a failure with on-failure CONTINUE, and stops everything with on-failure ABORT', async () => {
    const { outcome, log } = await build(
      [
        'version: 0.2',
        'phases:',
        '  install:',
        '    on-failure: CONTINUE',
        '    commands: ["false"]',
        '  build:',
        '    on-failure: ABORT',
        '    commands: ["echo build-ran", "false"]',
        '  post_build:',
        '    commands: ["echo post-build-ran"]',
      ].join('\n'),
    );

    expect(outcome).toMatchObject({ status: 'FAILED', phase: 'INSTALL' });
    expect(log).toContain('build-ran\n');
    expect(log).not.toContain('post-build-ran');
  });

  it('runs later phases in a fresh shell with the state kept when a command exits the shell', async () => {
    const { outcome, log } = await build(
      [
        'version: 0.2',
        'env:',
        '  shell: sh',
        'phases:',
        '  build:',
        '    commands: ["export KEPT=yes", "exit 2"]',
        '  post_build:',
        '    commands: ["echo kept=$KEPT"]',
      ].join('\n'),
    );

    expect(outcome).toMatchObject({ status: 'FAILED', phase: 'BUILD' });
    expect(outcome.reason).toContain('Reason: exit status 2');
    expect(log).toContain('kept=yes\n');
  });

  it('exports the env.exported-variables, set in any phase, exported or not', async () => {
    const { outcome, log } = await build(
      [
        'version: 0.2',
        'env:',
        '  variables:',
        '    REGION: eu-west-1',
        '  exported-variables: [IMAGE_TAG, REGION, NEVER_SET]',
        'phases:',
        '  build:',
        '    commands:',
        '      - IMAGE_TAG=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)',
      ].join('\n'),
    );

    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.artifacts.exportedVariables).toEqual({
      IMAGE_TAG: outcome.artifacts.exportedVariables.IMAGE_TAG,
      REGION: 'eu-west-1',
    });
    expect(outcome.artifacts.exportedVariables.IMAGE_TAG).toMatch(/^[0-9a-f]{7}$/);
    expect(log).toContain('Warning: exported variable NEVER_SET is not set; not exported');
  });

  it('reads the JUnit reports and copies the artifacts', async () => {
    const { outcome, log, dir } = await build(
      [
        'version: 0.2',
        'phases:',
        '  build:',
        '    commands:',
        '      - mkdir -p dist/lib && echo "app" > dist/app.js && echo "lib" > dist/lib/util.js',
        '      - mkdir -p reports && cp fixtures/jest-junit.xml fixtures/pytest.xml reports/',
        '      - exit 1',
        'reports:',
        '  unit:',
        '    files: ["*.xml"]',
        '    base-directory: reports',
        'artifacts:',
        '  base-directory: dist',
        '  files: ["**/*"]',
      ].join('\n'),
      {
        'fixtures/jest-junit.xml': await fixture('junit/jest-junit.xml'),
        'fixtures/pytest.xml': await fixture('junit/pytest.xml'),
      },
    );

    expect(outcome.status).toBe('FAILED');
    expect(outcome.tests).toEqual({ total: 12, passed: 5, failed: 4, skipped: 3 });
    expect(outcome.failingTests).toEqual([
      'cart applies the discount — Error: expect(received).toBe(expected) // Object.is equality',
      'checkout retries a declined card — thrown: "Exceeded timeout of 5000 ms for a test.',
      'tests.test_prices.TestDiscount.test_applies_ten_percent — assert 100 == 90',
      'tests.test_db.test_connects — failed on setup with "ConnectionRefusedError: [Errno 111] Connection refused"',
    ]);
    expect(outcome.artifacts).toMatchObject({
      location: join(dir, 'artifacts'),
      files: ['app.js', 'lib/util.js'],
    });
    expect(await readFile(join(dir, 'artifacts/lib/util.js'), 'utf8')).toBe('lib\n');
    expect(log).toContain('Tests: 12 total, 5 passed, 4 failed, 3 skipped');
    expect(log).toContain('Phase complete: UPLOAD_ARTIFACTS State: SUCCEEDED');
  });

  it('says in the build log that a buildspec without reports: reads no tests, and how to add one', async () => {
    const { outcome, log } = await build('version: 0.2\nphases:\n  build:\n    commands: [":"]\n');

    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.tests).toBeUndefined();
    expect(log).toContain(
      'Warning: the buildspec has no reports: section, so no test results were read. Add one naming your JUnit XML files',
    );
  });

  it('fails in UPLOAD_ARTIFACTS when no file matches, as CodeBuild does', async () => {
    const { outcome } = await build(
      'version: 0.2\nphases:\n  build:\n    commands: [":"]\nartifacts:\n  files: [dist/**/*]\n',
    );

    expect(outcome).toMatchObject({
      status: 'FAILED',
      phase: 'UPLOAD_ARTIFACTS',
      reason: 'CLIENT_ERROR: no matching artifact paths found',
    });
  });

  it('fails in DOWNLOAD_SOURCE with YAML_FILE_ERROR and the line for a bad buildspec', async () => {
    const { outcome, log } = await build(await fixture('specs/unquoted-colon.yml'));

    expect(outcome).toMatchObject({ status: 'FAILED', phase: 'DOWNLOAD_SOURCE' });
    expect(outcome.reason).toMatch(/^YAML_FILE_ERROR: phases\.build\.commands\[1\]: .* at line 6$/);
    expect(log).toContain('Phase complete: DOWNLOAD_SOURCE State: FAILED');
  });

  it('fails in DOWNLOAD_SOURCE when the commit has no buildspec where the pipeline says', async () => {
    const { outcome } = await build(
      'version: 0.2\nphases: {}\n',
      {},
      { build: { buildspec: 'ci/buildspec.yml' } },
    );

    expect(outcome).toMatchObject({ status: 'FAILED', phase: 'DOWNLOAD_SOURCE' });
    expect(outcome.reason).toMatch(/^YAML_FILE_ERROR: stat .*ci\/buildspec\.yml: no such file or directory$/);
  });

  it('fails in DOWNLOAD_SOURCE with git’s message when the commit cannot be fetched', async () => {
    const started = await harness.builder.start(buildRequest(join(repo.root, 'gone.git'), 'a'.repeat(40)));

    const outcome = await harness.outcome(started.buildId);

    expect(outcome).toMatchObject({ status: 'FAILED', phase: 'DOWNLOAD_SOURCE' });
    expect(outcome.reason).toMatch(/^CLIENT_ERROR: git fetch failed: .*gone\.git/);
  });

  it('times out: kills the build’s processes and reports TIMED_OUT in the running phase', async () => {
    const started = Date.now();

    const { outcome, log } = await build(
      'version: 0.2\nphases:\n  build:\n    commands:\n      - echo sleeping\n      - sleep 30\n  post_build:\n    commands: [echo post]\n',
      {},
      { timeouts: { build: 1 } },
    );

    expect(outcome).toMatchObject({
      status: 'TIMED_OUT',
      phase: 'BUILD',
      reason: 'BUILD_TIMED_OUT: Build has timed out after 1 seconds',
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(log).toContain('Phase complete: BUILD State: TIMED_OUT');
    expect(log).not.toContain('Entering phase POST_BUILD');
  });

  it('stop() kills the build and its background children, and the outcome is STOPPED', async () => {
    // Prepare
    const pidFile = join(repo.root, `child-${Date.now()}.pid`);
    const commit = await repo.commit({
      'buildspec.yml': `version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 30 & echo $! > ${pidFile}; wait\n`,
    });
    const { buildId } = await harness.builder.start(buildRequest(repo.bare, commit));
    await waitFor(() =>
      exists(pidFile).then((found) => found && readFile(pidFile, 'utf8').then((t) => t.trim() !== '')),
    );
    const child = Number(await readFile(pidFile, 'utf8'));
    const record = JSON.parse(await readFile(join(buildDir(harness.dataDir, buildId), 'build.json'), 'utf8'));
    expect(harness.builder.running()).toEqual([buildId]);
    expect(await isRunning(child)).toBe(true);

    // Act
    await harness.builder.stop(buildId, 'superseded by a newer push');
    await harness.builder.stop(buildId, 'again');

    // Assess
    expect(await isRunning(child)).toBe(false);
    expect(await isRunning(record.pid)).toBe(false);
    expect(await harness.outcome(buildId)).toMatchObject({
      status: 'STOPPED',
      phase: 'BUILD',
      reason: 'superseded by a newer push',
    });
    expect(harness.builder.running()).toEqual([]);
  });

  it('interruptAll stops a build without telling its run, and resume starts it again under the same id', async () => {
    // Prepare: a build that waits for a file the test writes once the build was started again
    const go = join(repo.root, `go-${Date.now()}`);
    const started = join(repo.root, `started-${Date.now()}`);
    const commit = await repo.commit({
      'buildspec.yml': `version: 0.2\nphases:\n  build:\n    commands:\n      - echo run >> ${started}\n      - while [ ! -f ${go} ]; do sleep 0.1; done\n`,
    });
    const request = buildRequest(repo.bare, commit);
    const { buildId } = await harness.builder.start(request);
    await waitFor(() => exists(started));

    // Act: the shutdown, then the next server resumes it
    await harness.builder.interruptAll();
    const interrupted = JSON.parse(
      await readFile(join(buildDir(harness.dataDir, buildId), 'build.json'), 'utf8'),
    );
    const next = await makeBuilder({ dataDir: harness.dataDir });
    const resumed = await next.builder.resume(request);
    const again = await next.builder.resume(request);
    await waitFor(() => readFile(started, 'utf8').then((text) => text === 'run\nrun\n'));
    await writeFile(go, '');
    const outcome = await next.outcome(buildId);

    // Assess
    expect(interrupted).toMatchObject({ status: 'INTERRUPTED', phase: 'BUILD' });
    expect(harness.finished).toEqual([]);
    expect(resumed).toEqual({ buildId });
    expect(again).toBeUndefined();
    expect(outcome).toMatchObject({ buildId, status: 'SUCCEEDED' });
    // A build that ended, or never was, is not resumed.
    expect(await next.builder.resume(request)).toBeUndefined();
    expect(await next.builder.resume({ ...request, attempt: 2 })).toBeUndefined();
  });

  it('answers the same build for the same run and attempt, even after a restart, and a new one for a retry', async () => {
    const commit = await repo.commit({
      'buildspec.yml': 'version: 0.2\nphases:\n  build:\n    commands: [":"]\n',
    });
    const request = buildRequest(repo.bare, commit);

    const [first, second] = await Promise.all([
      harness.builder.start(request),
      harness.builder.start(request),
    ]);
    await harness.outcome(first.buildId);
    const restarted = new LocalBuilder({ dataDir: harness.dataDir, onFinished: () => {} });
    const third = await restarted.start(request);
    const retry = await harness.builder.start({ ...request, attempt: 2 });
    await harness.outcome(retry.buildId);

    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(first.logUrl).toBe(`/api/runs/${request.runId}/logs/build`);
    expect(retry.buildId).not.toBe(first.buildId);
    expect(harness.finished.filter((f) => f.outcome.buildId === first.buildId)).toHaveLength(1);
    expect(await restarted.findBuild(request.runId, 1)).toMatchObject({ buildId: first.buildId });
  });

  it('measures the duration with the injected clock and logs an onFinished that throws', async () => {
    const failing = await makeBuilder({
      onFinished: () => {
        throw new Error('store is down');
      },
    });
    const commit = await repo.commit({
      'buildspec.yml': 'version: 0.2\nphases:\n  build:\n    commands: [":"]\n',
    });

    const { buildId } = await failing.builder.start(buildRequest(repo.bare, commit));
    failing.clock.advance(42);
    const outcome = await failing.outcome(buildId);
    await waitFor(() => failing.errors.length > 0);
    await failing.cleanup();

    expect(outcome.durationSeconds).toBe(42);
    expect(failing.errors).toEqual(['onFinished failed for a local build']);
  });
});

describe('LocalBuilder.reapOrphans', () => {
  it('kills the process group of a build its dead server left running and marks it FAULT', async () => {
    // Prepare: a "build" whose environment names it, and a bystander process that does not.
    const harness = await makeBuilder();
    const buildId = 'shop:11111111-2222-3333-4444-555555555555';
    const orphan = spawn('sh', ['-c', 'sleep 30 & wait'], {
      detached: true,
      stdio: 'ignore',
      env: { PATH: process.env.PATH, CODEBUILD_BUILD_ID: buildId },
    });
    const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const dir = buildDir(harness.dataDir, buildId);
    const base = {
      runId: 'run-1',
      attempt: 1,
      pipeline: 'shop',
      buildNumber: 1,
      startedAt: '2026-11-27T05:39:29Z',
    };
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    await writeRecord(dir, { ...base, buildId, status: 'IN_PROGRESS', pid: orphan.pid, phase: 'BUILD' });
    const otherDir = buildDir(harness.dataDir, 'shop:other');
    await import('node:fs/promises').then((fs) => fs.mkdir(otherDir, { recursive: true }));
    await writeRecord(otherDir, {
      ...base,
      buildId: 'shop:other',
      status: 'IN_PROGRESS',
      pid: bystander.pid,
    });

    // Act
    const reaped = await LocalBuilder.reapOrphans(harness.dataDir, harness.clock);

    // Assess
    await waitFor(async () => !(await isRunning(orphan.pid!)));
    expect(await isRunning(bystander.pid!)).toBe(true);
    bystander.kill('SIGKILL');
    expect(reaped.map((r) => [r.record.buildId, r.killed])).toEqual(
      expect.arrayContaining([
        [buildId, true],
        ['shop:other', false],
      ]),
    );
    const orphanOutcome = reaped.find((r) => r.record.buildId === buildId)?.outcome;
    expect(orphanOutcome).toMatchObject({ status: 'FAULT', phase: 'BUILD', runId: 'run-1' });
    const record = JSON.parse(await readFile(join(dir, 'build.json'), 'utf8')) as BuildRecord;
    expect(record).toMatchObject({
      status: 'FAULT',
      reason: 'FAULT: the server stopped while the build was running',
    });
    expect(await LocalBuilder.reapOrphans(harness.dataDir, harness.clock)).toEqual([]);
    await harness.cleanup();
  });
});
