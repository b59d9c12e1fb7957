import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseDocument } from 'yaml';
import type { LocalApp } from '../../cli/local/create-local-app.ts';
import { shortRunId } from '../../shared/domain/run-id.ts';
import {
  appProcesses,
  buildProcesses,
  bumpVersion,
  isAlive,
  type LocalDemo,
  logProblems,
  makeLocalDemo,
  runOfCommit,
  slowBuild,
  stageOf,
  waitFor,
  waitForRun,
} from '../support/local-demo.ts';
import { type DemoServer, startDemoServer } from '../support/local-server.ts';

/**
 * Issue 12's local "done means" for the gate and cancel: a real server (`createLocalApp`), a real
 * git origin with the post-receive hook, real builds and app processes behind the real blue/green
 * proxy — operated through the API and the `pushline` command, and checked with requests to
 * production.
 */
describe('operating runs by hand, locally', () => {
  let demo: LocalDemo;
  let app: LocalApp;
  let server: DemoServer;
  let pushline: DemoServer['pushline'];
  let versionsServed: DemoServer['versionsServed'];

  const finished = (run: { status: string }) => run.status !== 'running';
  const atTheGate = (run: Parameters<typeof stageOf>[0]) => stageOf(run, 'approval').status === 'running';
  const types = (run: { events: { detailType: string }[] }) => run.events.map((e) => e.detailType);

  async function post(runId: string, action: string, body: object) {
    const response = await fetch(`${app.url}/api/runs/${runId}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    demo = await makeLocalDemo();
    // The demo's pipeline, with a gate before production.
    const file = parseDocument(readFileSync(demo.repo.configFile, 'utf8'));
    file.setIn(['pipelines', 0, 'production', 'approval'], { required: true, timeout: '10m' });
    writeFileSync(demo.repo.configFile, file.toString());
    // The watchdog's round every second, so that a gate's timeout is seen at once.
    server = await startDemoServer(demo, { watchdogEverySeconds: 1 });
    ({ app, pushline, versionsServed } = server);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    demo?.cleanup();
  }, 30_000);

  it('holds a run at the gate after staging, and takes it to production once approved with the command', async () => {
    // Prepare
    const runId = await runOfCommit(app.url, await demo.push('Version 2', bumpVersion('2.0.0')));
    const waiting = await waitForRun(app.url, runId, 'to wait at the gate', atTheGate, 45_000);

    // Act
    const approved = await pushline('approve', shortRunId(runId), '--as', 'Priya', '-m', 'checked staging');
    const run = await waitForRun(app.url, runId, 'to finish', finished, 45_000);

    // Assess
    expect(stageOf(waiting, 'canary').status).toBe('pending');
    expect(approved).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`approved run ${shortRunId(runId)}`),
    });
    expect(run.status).toBe('succeeded');
    expect(run.approval?.decision).toMatchObject({
      verdict: 'approved',
      by: 'Priya',
      comment: 'checked staging',
    });
    expect(types(run).slice(4, 8)).toEqual([
      'Staging Deployed',
      'Approval Requested',
      'Approved',
      'Canary Started',
    ]);
    expect(logProblems(run.events)).toEqual([]);
    expect(await versionsServed()).toEqual(['2.0.0']);
  }, 120_000);

  it('ends a rejected run failed with who and why, and production keeps serving the release before it', async () => {
    // Prepare
    const runId = await runOfCommit(app.url, await demo.push('Version 3', bumpVersion('3.0.0')));
    await waitForRun(app.url, runId, 'to wait at the gate', atTheGate, 45_000);

    // Act
    const noReason = await pushline('reject', shortRunId(runId));
    const rejected = await post(runId, 'reject', { by: 'Tomás', reason: 'the French greeting is wrong' });

    // Assess
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason is required');
    expect(rejected.status).toBe(200);
    const run = await waitForRun(app.url, runId, 'to finish', finished, 10_000);
    expect(run).toMatchObject({
      status: 'failed',
      reason: 'rejected by Tomás: the French greeting is wrong',
    });
    expect(stageOf(run, 'canary').status).toBe('skipped');
    expect(await versionsServed()).toEqual(['2.0.0']);
  }, 120_000);

  it('refuses with 409 and the run state what does not fit, and says why on the command line', async () => {
    // Prepare
    const list = (await (await fetch(`${app.url}/api/runs?status=succeeded`)).json()) as {
      runs: { id: string }[];
    };
    const done = list.runs[0]!.id;

    // Act
    const answer = await post(done, 'approve', {});
    const command = await pushline('cancel', shortRunId(done));
    const unknown = await post('ZZZZZZZZ', 'cancel', {});

    // Assess
    expect(answer.status).toBe(409);
    expect(answer.json).toMatchObject({
      error: `run ${done} has ended (succeeded); there is nothing to decide`,
      run: { status: 'succeeded', stages: { production: 'succeeded' } },
    });
    expect(command.code).toBe(1);
    expect(command.stderr).toContain(`pushline cancel: run ${done} has already ended (succeeded)`);
    expect(command.stderr).toContain('the run is succeeded: source succeeded, build succeeded');
    expect(unknown.status).toBe(404);
  }, 30_000);

  it('cancels a run at the gate', async () => {
    // Prepare
    const runId = await runOfCommit(app.url, await demo.push('Version 4', bumpVersion('4.0.0')));
    await waitForRun(app.url, runId, 'to wait at the gate', atTheGate, 45_000);

    // Act
    const cancelled = await pushline('cancel', shortRunId(runId), '--as', 'Priya', '--reason', 'not today');

    // Assess
    expect(cancelled.code).toBe(0);
    const run = await waitForRun(app.url, runId, 'to finish', finished, 10_000);
    expect(run).toMatchObject({ status: 'cancelled', reason: 'cancelled by Priya: not today' });
    expect(await versionsServed()).toEqual(['2.0.0']);
  }, 120_000);

  it('cancels a run during its canary: all traffic back on the stable release, the canary stopped', async () => {
    // Prepare
    const runId = await runOfCommit(app.url, await demo.push('Version 5', bumpVersion('5.0.0')));
    await waitForRun(app.url, runId, 'to wait at the gate', atTheGate, 45_000);
    await post(runId, 'approve', { by: 'Priya' });
    await waitForRun(
      app.url,
      runId,
      'to be in its canary',
      (r) => stageOf(r, 'canary').status === 'running',
      20_000,
    );
    await waitFor(
      'the canary to take traffic',
      async () => (await versionsServed(30)).includes('5.0.0'),
      10_000,
    );
    const canary = (await waitForRun(app.url, runId, 'its canary', (r) => r.canary !== undefined)).canary!
      .deploymentId;
    expect(appProcesses(demo.repo.dataDir).some((p) => p.id.includes(canary))).toBe(true);

    // Act
    const cancelled = await post(runId, 'cancel', { by: 'Priya', reason: 'wrong day to ship' });

    // Assess
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.stopped).toHaveLength(1);
    const run = await waitForRun(app.url, runId, 'to finish', finished, 10_000);
    expect(run).toMatchObject({ status: 'cancelled', reason: 'cancelled by Priya: wrong day to ship' });
    expect(stageOf(run, 'canary').status).toBe('skipped');
    // Production never stays half-shifted: every request is answered by the stable release.
    expect(await versionsServed(40)).toEqual(['2.0.0']);
    await waitFor(
      'the canary release to stop',
      () => !appProcesses(demo.repo.dataDir).some((p) => p.id.includes(canary)),
      10_000,
    );
  }, 120_000);

  it('cancels a run during its build: the build and every process it started are stopped', async () => {
    // Prepare
    const runId = await runOfCommit(app.url, await demo.push('A slow build', slowBuild));
    const building = await waitFor(
      'the build to run',
      () => buildProcesses(demo.repo.dataDir).find((b) => b.runId === runId && b.pids.length > 1),
      30_000,
    );

    // Act
    const cancelled = await post(runId, 'cancel', { by: 'Priya' });

    // Assess
    expect(cancelled.status).toBe(200);
    const run = await waitForRun(app.url, runId, 'to finish', finished, 10_000);
    expect(run).toMatchObject({ status: 'cancelled', reason: 'cancelled by Priya' });
    expect(stageOf(run, 'build').status).toBe('skipped');
    await waitFor('no process of the build left', () => building.pids.every((pid) => !isAlive(pid)), 10_000);
    expect(await versionsServed()).toEqual(['2.0.0']);
  }, 120_000);

  it('retries a build that failed for a passing reason: attempt 2 builds again and reaches the gate', async () => {
    // Prepare: a buildspec step that fails the first time it runs (a flaky registry, say)
    const marker = join(demo.repo.dataDir, '..', 'flaky-once');
    const flaky = {
      'buildspec.yml': (text: string) =>
        text
          .replace('      - sleep 120\n', '')
          .replace(
            '      - node --version\n',
            `      - node --version\n      - test -e ${marker} || { touch ${marker}; echo "registry timed out"; exit 1; }\n`,
          ),
    };
    const runId = await runOfCommit(
      app.url,
      await demo.push('Version 6', { ...bumpVersion('6.0.0'), ...flaky }),
    );
    const failed = await waitForRun(app.url, runId, 'to fail', finished, 45_000);

    // Act
    const retried = await pushline('retry', shortRunId(runId), '--reason', 'the registry was down');
    const waiting = await waitForRun(app.url, runId, 'to reach the gate', atTheGate, 45_000);
    await post(runId, 'approve', { by: 'Priya' });
    const run = await waitForRun(app.url, runId, 'to finish', finished, 45_000);

    // Assess
    expect(failed).toMatchObject({ status: 'failed', attempt: 1 });
    expect(retried).toMatchObject({ code: 0, stdout: expect.stringContaining('attempt 2, from build') });
    expect(waiting.attempt).toBe(2);
    expect(run).toMatchObject({ status: 'succeeded', attempt: 2 });
    // The log keeps both attempts: the failed build, the retry, and the new attempt's whole path.
    expect(types(run).slice(0, 10)).toEqual([
      'Run Started',
      'Build Started',
      'Build Failed',
      'Run Finished',
      'Run Retried',
      'Build Started',
      'Tests Passed',
      'Staging Started',
      'Staging Deployed',
      'Approval Requested',
    ]);
    expect(run.events.every((e) => e.disposition === 'applied')).toBe(true);
    expect(await versionsServed()).toEqual(['6.0.0']);
  }, 180_000);

  it('redeploys an earlier release without building it again, and undoes back to the one before', async () => {
    // Prepare: production serves 6.0.0 (the retried run); 2.0.0 was the first release
    const releases = (await (await fetch(`${app.url}/api/runs?status=succeeded`)).json()) as {
      runs: { id: string; source: { message: string } }[];
    };
    const version2 = releases.runs.find((r) => r.source.message === 'Version 2')!.id;

    // Act: redeploy 2.0.0, approve it at the gate
    const redeployed = await pushline('redeploy', shortRunId(version2), '--as', 'Priya');
    const newRun = /as run (\w{8})/.exec(redeployed.stdout)?.[1];
    const back = await waitForRun(app.url, newRun!, 'to reach the gate', atTheGate, 30_000);
    await post(back.id, 'approve', { by: 'Priya' });
    const done = await waitForRun(app.url, back.id, 'to finish', finished, 45_000);

    // Assess
    expect(redeployed.code).toBe(0);
    expect(done).toMatchObject({ status: 'succeeded', trigger: 'redeploy' });
    expect(stageOf(done, 'build')).toMatchObject({
      status: 'skipped',
      reason: `redeploy: the build of run ${version2} is reused`,
    });
    expect(types(done)).not.toContain('Build Started');
    expect(await versionsServed()).toEqual(['2.0.0']);

    // Act: undo puts the release before (6.0.0) back
    const undone = await pushline('undo', 'demo-service', '--as', 'Priya');
    const undoRun = /as run (\w{8})/.exec(undone.stdout)?.[1];
    const waiting = await waitForRun(app.url, undoRun!, 'to reach the gate', atTheGate, 30_000);
    await post(waiting.id, 'approve', { by: 'Priya' });
    await waitForRun(app.url, waiting.id, 'to finish', finished, 45_000);

    // Assess
    expect(undone).toMatchObject({ code: 0, stdout: expect.stringContaining('undoing run') });
    expect(await versionsServed()).toEqual(['6.0.0']);
  }, 180_000);

  it('redeploys an earlier release in an emergency: no staging, no canary, all traffic at once', async () => {
    // Prepare: production serves 6.0.0; 2.0.0 was the first release
    const releases = (await (await fetch(`${app.url}/api/runs?status=succeeded`)).json()) as {
      runs: { id: string; source: { message: string } }[];
    };
    const version2 = releases.runs.find((r) => r.source.message === 'Version 2')!.id;

    // Act: the emergency still waits at the gate (a person decides), then takes production at once
    const redeployed = await pushline('redeploy', shortRunId(version2), '--skip-canary', '--as', 'Priya');
    const newRun = /as run (\w{8})/.exec(redeployed.stdout)?.[1];
    const waiting = await waitForRun(app.url, newRun!, 'to reach the gate', atTheGate, 30_000);
    await post(waiting.id, 'approve', { by: 'Priya' });
    const done = await waitForRun(app.url, waiting.id, 'to finish', finished, 30_000);

    // Assess
    expect(done.status).toBe('succeeded');
    expect(stageOf(done, 'staging')).toMatchObject({ status: 'skipped' });
    expect(stageOf(done, 'canary')).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('--skip-canary'),
    });
    expect(await versionsServed()).toEqual(['2.0.0']);
  }, 120_000);

  it('lists and shows runs from a server named with --server, as from the data folder', async () => {
    // Act
    const runs = await pushline('runs', '--pipeline', 'demo-service', '--status', 'cancelled');
    const cancelled = /^(\w{8}) +demo-service/m.exec(runs.stdout)?.[1];
    const shown = await pushline('show', cancelled!);

    // Assess
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(/RUN +PIPELINE +BRANCH/);
    expect(shown).toMatchObject({ code: 0, stdout: expect.stringContaining(`Run ${cancelled} (`) });
    expect(shown.stdout).toContain('cancelled by Priya');
  });

  it('supersedes the run waiting at the gate when a newer one reaches it', async () => {
    // Prepare
    const older = await runOfCommit(app.url, await demo.push('Version 7', bumpVersion('7.0.0')));
    await waitForRun(app.url, older, 'to wait at the gate', atTheGate, 45_000);

    // Act
    const newer = await runOfCommit(app.url, await demo.push('Version 8', bumpVersion('8.0.0')));
    await waitForRun(app.url, newer, 'to wait at the gate', atTheGate, 45_000);

    // Assess
    const superseded = await waitForRun(app.url, older, 'to end', finished, 10_000);
    expect(superseded).toMatchObject({ status: 'superseded', reason: expect.stringContaining(newer) });
    await pushline('cancel', shortRunId(newer), '--reason', 'clean up');
  }, 120_000);

  it('ends a run left waiting at the gate past its timeout: timed out by the watchdog', async () => {
    // Prepare: a gate that waits two seconds (the watchdog's round runs every second here)
    const file = parseDocument(readFileSync(demo.repo.configFile, 'utf8'));
    file.setIn(['pipelines', 0, 'production', 'approval', 'timeout'], '2s');
    writeFileSync(demo.repo.configFile, file.toString());
    app.reloadConfig();

    // Act
    const runId = await runOfCommit(app.url, await demo.push('Version 9', bumpVersion('9.0.0')));
    await waitForRun(app.url, runId, 'to wait at the gate', atTheGate, 45_000);
    const run = await waitForRun(app.url, runId, 'to time out', finished, 15_000);

    // Assess
    expect(run.status).toBe('timed_out');
    expect(stageOf(run, 'approval').status).toBe('timed_out');
    expect(types(run).slice(-2)).toEqual(['Stage Timed Out', 'Run Finished']);
  }, 120_000);

  it('serves Slack interactions, and says what to set when the signing secret is not', async () => {
    // Act
    const response = await fetch(`${app.url}/slack/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'payload=%7B%7D',
    });

    // Assess
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toContain('SLACK_SIGNING_SECRET');
  });
});
