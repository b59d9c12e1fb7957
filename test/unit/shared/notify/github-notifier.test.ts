import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { TransientError } from '../../../../shared/domain/errors.ts';
import { GitHubNotifier } from '../../../../shared/notify/github-notifier.ts';
import { RecordingServer } from '../../../support/recording-server.ts';
import { fakeGitHub, githubCalls } from './fake-services.ts';
import {
  COMMIT,
  cancelled,
  pipeline,
  REJECTED,
  RunDriver,
  SCRIPTS,
  source,
  TO_THE_GATE,
} from './run-fixtures.ts';

describe('GitHubNotifier', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await RecordingServer.start();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    fakeGitHub(server);
  });

  function setup(config = pipeline()) {
    const driver = new RunDriver();
    const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    const octokit = new Octokit({ auth: 'ghp_test', baseUrl: server.url, log: quiet });
    const notifier = new GitHubNotifier({
      octokit,
      store: driver.store,
      clock: driver.clock,
      dashboardUrl: 'http://localhost:8787',
    });
    const announce = async () =>
      notifier.notify({
        run: await driver.run(),
        event: driver.events.at(-1)!,
        pipeline: config,
        announce: true,
      });
    return { driver, announce };
  }

  it('moves commit statuses and deployments along a whole run, in order', async () => {
    // Prepare
    const { driver, announce } = setup();
    await driver.start();

    // Act
    await announce();
    for (const step of SCRIPTS.succeeded) {
      await driver.append(step.detailType, step.stage, step.data as never, step.after);
      await announce();
    }

    // Assess
    expect(githubCalls(server)).toEqual([
      'status pushline/build pending', // Run Started
      'status pushline/build pending', // Build Started: "Building"
      'status pushline/build success', // Tests Passed
      'status pushline/staging pending', // waiting for staging
      'status pushline/staging pending', // Staging Started: "Deploying to staging"
      'deployment staging',
      'deployment-status 1006 staging in_progress',
      'status pushline/staging success', // Staging Deployed
      'status pushline/production pending',
      'deployment-status 1006 staging success',
      'status pushline/production pending', // Canary Started: "Canary at 10% traffic"
      'deployment production',
      'deployment-status 1012 production in_progress',
      'status pushline/production pending', // Canary Healthy: "Promoting to production"
      'deployment-status 1012 production in_progress',
      'status pushline/production success', // Production Deployed
      'deployment-status 1012 production success',
    ]);
    const first = server.requests[0]!;
    expect(first.path).toBe(`/repos/acme/web/statuses/${COMMIT}`);
    expect(first.headers.authorization).toBe('token ghp_test');
    expect(first.parsed).toMatchObject({
      state: 'pending',
      description: 'Waiting to build',
      target_url: `http://localhost:8787/runs/${driver.runId}`,
    });
    const built = server.requests[2]!.parsed as Record<string, string>;
    expect(built.description).toBe('Built in 42s: 18 passed · 2 skipped');
    const deployment = server.requestsTo('/repos/acme/web/deployments')[1]!.parsed;
    expect(deployment).toMatchObject({
      ref: COMMIT,
      environment: 'production',
      required_contexts: [],
      auto_merge: false,
      production_environment: true,
    });
    const success = server.requests.at(-1)!.parsed;
    expect(success).toMatchObject({ auto_inactive: true, environment_url: 'https://web.example' });
  });

  it('marks production failed when the canary is unhealthy and the release rolled back', async () => {
    // Prepare
    const { driver, announce } = setup();
    await driver.start();
    await driver.play(SCRIPTS.rolledBack.slice(0, -3));
    await announce();
    server.requests.length = 0;

    // Act
    for (const step of SCRIPTS.rolledBack.slice(-3)) {
      await driver.append(step.detailType, step.stage, step.data as never, step.after);
      await announce();
    }

    // Assess
    expect(githubCalls(server)).toEqual([
      'status pushline/production failure',
      expect.stringMatching(/^deployment-status \d+ production failure$/),
    ]);
    expect((server.requests[0]!.parsed as Record<string, string>).description).toBe(
      'Canary failed: error_rate above its threshold',
    );
  });

  it('resolves the statuses it left pending when the run is superseded', async () => {
    // Prepare
    const { driver, announce } = setup();
    await driver.start();
    await driver.play(SCRIPTS.succeeded.slice(0, 1));
    await announce();
    server.requests.length = 0;
    await driver.append('Run Finished', 'build', { outcome: 'superseded', reason: 'a newer push' });

    // Act
    await announce();

    // Assess
    expect(githubCalls(server)).toEqual(['status pushline/build error']);
    expect(server.requests[0]!.parsed).toMatchObject({ description: 'Superseded by a newer run' });
  });

  it('turns a spent rate limit into a TransientError that says when to retry', async () => {
    // Prepare
    const { driver, announce } = setup();
    await driver.start();
    const reset = Math.floor(driver.clock.now().getTime() / 1000) + 30;
    server.script(
      { path: `/repos/acme/web/statuses/${COMMIT}` },
      {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        body: { message: 'API rate limit exceeded' },
      },
    );

    // Act
    const error = await announce().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).context.retryAfterMs).toBe(30_000);
  });

  it('leaves runs from another host, or with commit statuses off, alone', async () => {
    // Prepare
    const gitlab = setup();
    await gitlab.driver.start(source({ provider: 'gitlab', repo: 'acme/web' }));
    const off = setup(pipeline({ notifications: { commitStatus: false } }));
    await off.driver.start();

    // Act
    await gitlab.announce();
    await off.announce();

    // Assess
    expect(server.requests).toHaveLength(0);
  });

  describe('the approval gate', () => {
    /** Plays `steps`, telling the notifier after each, as notify hears every event. */
    async function play(driver: RunDriver, announce: () => Promise<void>, steps: typeof TO_THE_GATE) {
      for (const step of steps) {
        await driver.append(step.detailType, step.stage, step.data as never, step.after);
        await announce();
      }
    }
    const bodies = (path: RegExp) => server.requestsTo(path).map((r) => r.parsed as Record<string, unknown>);

    it('creates the production deployment at the gate as pending "Waiting for approval", and the status pending', async () => {
      // Prepare
      const { driver, announce } = setup();
      await driver.start();

      // Act
      await play(driver, announce, TO_THE_GATE);

      // Assess
      expect(githubCalls(server).slice(-3)).toEqual([
        'status pushline/production pending',
        'deployment production',
        expect.stringMatching(/^deployment-status \d+ production pending$/),
      ]);
      expect(bodies(/\/statuses\/[0-9a-f]{40}$/).at(-1)).toMatchObject({
        context: 'pushline/production',
        state: 'pending',
        description: 'Waiting for approval',
      });
      expect(bodies(/\/deployments$/).at(-1)).toMatchObject({
        environment: 'production',
        production_environment: true,
        required_contexts: [],
      });
      expect(bodies(/\/deployments\/\d+\/statuses$/).at(-1)).toMatchObject({
        state: 'pending',
        description: 'Waiting for approval',
      });
    });

    it('makes that deployment inactive when the run is cancelled at the gate', async () => {
      // Prepare
      const { driver, announce } = setup();
      await driver.start();
      await play(driver, announce, TO_THE_GATE);
      const deploymentId = await driver.store.getAttribute(driver.runId, 'github.deployment.production');
      server.reset();
      fakeGitHub(server);

      // Act
      await play(driver, announce, [cancelled('approval')]);

      // Assess
      expect(githubCalls(server)).toEqual([
        'status pushline/production error', // GitHub has no "cancelled": a pending context is resolved
        `deployment-status ${deploymentId} production inactive`,
      ]);
      expect(bodies(/\/deployments\/\d+\/statuses$/)[0]).toMatchObject({
        state: 'inactive',
        description: 'Stopped: cancelled by Priya: wrong branch',
      });
    });

    it('makes it inactive with who rejected and why, and fails the production status', async () => {
      // Prepare
      const { driver, announce } = setup();
      await driver.start();
      await play(driver, announce, TO_THE_GATE);
      const deploymentId = await driver.store.getAttribute(driver.runId, 'github.deployment.production');
      server.reset();
      fakeGitHub(server);

      // Act
      await play(driver, announce, REJECTED);

      // Assess
      expect(githubCalls(server)).toEqual([
        'status pushline/production failure',
        `deployment-status ${deploymentId} production inactive`,
      ]);
      expect(bodies(/\/statuses\/[0-9a-f]{40}$/)[0]).toMatchObject({
        description: 'Rejected by Tomás: not during the sale',
      });
    });

    it('creates no deployment only to make it inactive: a run cancelled during its build', async () => {
      // Prepare
      const { driver, announce } = setup();
      await driver.start();
      await play(driver, announce, SCRIPTS.succeeded.slice(0, 1));

      // Act
      await play(driver, announce, [cancelled('build')]);

      // Assess
      expect(githubCalls(server).filter((c) => c.startsWith('deployment'))).toEqual([]);
    });
  });
});
