import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { consoleLogger } from '../../cli/local/console-logger.ts';
import { createLocalApp, type LocalApp } from '../../cli/local/create-local-app.ts';
import { makeStageHandlers } from '../../functions/stage-handlers.ts';
import { newEvent } from '../../shared/app/new-event.ts';
import { makeRedeploy } from '../../shared/app/redeploy.ts';
import { makeRunOperations } from '../../shared/app/run-operations.ts';
import type { RunDetail } from '../../shared/local/api-routes.ts';
import { operationRoutes } from '../../shared/local/operation-routes.ts';
import { FakeBuilder } from '../support/fake-builder.ts';
import { FakeDeployer } from '../support/fake-deployer.ts';
import { FakeMetrics } from '../support/fake-metrics.ts';
import { FakeScheduler } from '../support/fake-scheduler.ts';
import { commitOf, type Progress, runEvents } from '../support/runs.ts';

/**
 * The run page operates runs in a real Chromium: Approve and Reject at the approval gate, Cancel
 * while a run runs, each through a small form posting to the real operation routes of a real local
 * server. The choreography after a decision is the real one (request-approval asks for the gate,
 * start-canary goes on after an approval) over fake builder and deployer, so no app process starts.
 *
 * Set PUSHLINE_SCREENSHOTS to a folder to keep the screenshots the tests take.
 */

const CONFIG = `version: 1
people:
  ana: {}
  bo: {}
pipelines:
  - name: web
    source: { github: acme/web }
    concurrency: parallel
    staging: { local: { start: node server.js, port: 4100 } }
    production:
      local: { start: node server.js, port: 4000 }
      approval: { required: true }
  - name: shop
    source: { github: acme/shop }
    staging: { local: { start: node server.js, port: 4101 } }
    production:
      local: { start: node server.js, port: 4001 }
      approval: { approvers: [ana] }
`;

/** Who the server records when a request names nobody (the user running `pushline up`). */
const SERVER_USER = 'server-user';

describe('operating a run from the dashboard', () => {
  let dir: string;
  let screenshots: string;
  let app: LocalApp;
  const builder = new FakeBuilder();
  const deployer = new FakeDeployer();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let commits = 0;

  /**
   * The stage handlers that take a run across the gate — request-approval and start-canary — on
   * the app's bus, and the operation routes on its server, as `registerStageHandlers` mounts them.
   */
  function registerGateHandlers(local: LocalApp): void {
    const deps = {
      store: local.store,
      clock: local.clock,
      pipelines: (name: string) => local.pipeline(name),
      builder,
      deployer,
      metrics: new FakeMetrics(),
      scheduler: new FakeScheduler(),
      platform: 'local' as const,
      logger: local.logger,
    };
    const stages = makeStageHandlers({ ...deps, notifiers: async () => [] });
    local.bus.on('request-approval', stages['request-approval'].onEvent);
    local.bus.on('start-canary', stages['start-canary'].onEvent);
    const people = () => local.config().people;
    const operations = {
      ...makeRunOperations({ ...deps, people }),
      redeploy: makeRedeploy({ ...deps, people }),
    };
    for (const route of operationRoutes({
      store: local.store,
      clock: local.clock,
      operations,
      access: { kind: 'loopback' },
      defaultActor: SERVER_USER,
    })) {
      local.server.route(route);
    }
  }

  /** A run of `pipeline` seeded through the real store as far as `progress`; returns its id. */
  async function seedRun(pipeline: string, progress: Progress): Promise<string> {
    const [started, ...rest] = runEvents(progress, {
      pipeline,
      createdAt: app.clock.now(),
      commit: commitOf(++commits),
    });
    const { runIds } = await app.store.startRuns({ id: started!.detail.eventId, provider: 'github' }, [
      started!,
    ]);
    if (rest.length > 0) await app.store.append(runIds[0]!, 1, rest);
    return runIds[0]!;
  }

  /** A run whose staging is up at `http://localhost:4100/`, and whose gate request-approval opened. */
  async function runAtTheGate(pipeline = 'web'): Promise<string> {
    const runId = await seedRun(pipeline, 'staging');
    const stored = (await app.store.get(runId))!;
    const { run } = stored;
    await app.store.append(runId, stored.version, [
      newEvent(
        'Staging Deployed',
        run,
        'staging',
        { deploymentId: `staging-${runId}`, url: 'http://localhost:4100/' },
        app.clock,
      ),
    ]);
    await until(async () =>
      (await api(runId)).stages.some((s) => s.name === 'approval' && s.status === 'running'),
    );
    return runId;
  }

  async function api(runId: string): Promise<RunDetail> {
    return (await fetch(`${app.url}/api/runs/${runId}`)).json() as Promise<RunDetail>;
  }

  function stageStatus(run: RunDetail, name: string): string | undefined {
    return run.stages.find((stage) => stage.name === name)?.status;
  }

  async function until(done: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The button that opens the form of `action` (the form's own submit button may share its name). */
  function trigger(action: 'approve' | 'reject' | 'cancel') {
    return page.locator(`#action-buttons button[data-action="${action}"]`);
  }

  async function openRun(runId: string): Promise<void> {
    await page.goto(`${app.url}/runs/${runId.slice(-8)}`);
    await page
      .locator('#run-title')
      .filter({ hasText: runId.slice(-8) })
      .waitFor();
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pushline-operate-'));
    screenshots = process.env.PUSHLINE_SCREENSHOTS ?? dir;
    mkdirSync(screenshots, { recursive: true });
    writeFileSync(path.join(dir, 'pushline.yml'), CONFIG);
    app = await createLocalApp({
      file: path.join(dir, 'pushline.yml'),
      dataDir: path.join(dir, '.pushline'),
      port: 0,
      env: { GITHUB_WEBHOOK_SECRET: 'operate-test' },
      logger: consoleLogger({ level: 'silent' }),
      registerHandlers: registerGateHandlers,
    });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  beforeEach(async () => {
    // A fresh browser profile each time: the name someone typed is remembered per browser.
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
  });

  afterEach(async () => {
    await context?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a run waiting at the gate: who may decide, where staging is, and the buttons', async () => {
    const building = await seedRun('web', 'building');
    const waiting = await runAtTheGate();

    await page.goto(app.url);
    const row = page.locator(`tr[data-run-id="${waiting}"]`);
    await row.waitFor();
    expect(await row.locator('.stage[data-stage="approval"]').getAttribute('class')).toContain('running');
    expect(await row.locator('.badge').textContent()).toBe('waiting for approval');
    await page.screenshot({ path: path.join(screenshots, 'runs-with-a-gate.png') });
    const before = page.locator(`tr[data-run-id="${building}"]`);
    expect(await before.locator('.stage[data-stage="approval"]').count()).toBe(0);
    expect(await before.locator('.badge').count()).toBe(0);

    await openRun(waiting);
    const gate = page.locator('#run-gate');
    await gate.locator('h2', { hasText: 'Waiting for approval' }).waitFor();
    expect(await gate.textContent()).toContain('Anyone who can reach this server may decide.');
    expect(await gate.locator('a').getAttribute('href')).toBe('http://localhost:4100/');
    expect(await gate.textContent()).toMatch(/times out in (23h 59m|24h 0m)/); // a second may pass, or not
    const stages = await page
      .locator('#run-stages li')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-stage')));
    expect(stages).toEqual(['source', 'build', 'staging', 'approval', 'canary', 'production']);
    expect(await page.locator('#run-stages li[data-stage="approval"]').textContent()).toContain(
      'waiting for approval',
    );
    expect(await page.getByRole('button', { name: 'Approve' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Reject' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Cancel run' }).isVisible()).toBe(true);
    await page.screenshot({ path: path.join(screenshots, 'run-at-the-gate.png'), fullPage: true });

    await openRun(building);
    expect(await page.locator('#run-gate').isHidden()).toBe(true);
    expect(await page.locator('#run-stages li[data-stage="approval"]').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Approve' }).isHidden()).toBe(true);
    expect(await page.getByRole('button', { name: 'Cancel run' }).isVisible()).toBe(true);
  });

  it('retries a failed run from the page: a new attempt from the stage that failed', async () => {
    const runId = await seedRun('web', 'failed');
    await openRun(runId);
    expect(await page.getByRole('button', { name: 'Approve' }).isHidden()).toBe(true);

    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByLabel('Reason (optional)').fill('the registry was down');
    await page.locator('#action-submit').click();

    await page.getByRole('status').filter({ hasText: 'Retried: attempt 2 is running.' }).waitFor();
    const run = await api(runId);
    expect(run).toMatchObject({ status: 'running', attempt: 2 });
    expect(stageStatus(run, 'build')).toBe('pending');
    expect(run.events.at(-1)).toMatchObject({ detailType: 'Run Retried', data: { by: SERVER_USER } });
    await page.getByRole('button', { name: 'Cancel run' }).waitFor();
    expect(await page.getByRole('button', { name: 'Retry' }).isHidden()).toBe(true);
  });

  it("redeploys a finished run's release from the page, as a new run", async () => {
    const runId = await seedRun('web', 'succeeded');
    await openRun(runId);

    await page.getByRole('button', { name: 'Redeploy' }).click();
    await page.getByLabel('Why (optional)').fill('the current release leaks memory');
    await page.locator('#action-submit').click();

    const done = page.getByRole('status').filter({ hasText: 'Redeploying as run' });
    await done.waitFor();
    const newRun = /as run (\w{8})/.exec((await done.textContent()) ?? '')![1]!;
    const run = await api(newRun);
    expect(run).toMatchObject({ trigger: 'redeploy', status: 'running' });
    expect(run.events[0]).toMatchObject({
      detailType: 'Run Started',
      data: { trigger: 'redeploy', by: SERVER_USER, reason: 'the current release leaks memory' },
    });
    expect(stageStatus(run, 'build')).toBe('skipped');
  });

  it('approves a run from the page, and the run goes on to the canary', async () => {
    const runId = await runAtTheGate();
    await openRun(runId);

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByLabel('Comment (optional)').fill('Checked the French greeting on staging');
    await page.getByLabel('Your name').fill('ana');
    await page.locator('#action-submit').click();

    await page.getByRole('status').filter({ hasText: 'Approved by ana: the run goes on.' }).waitFor();
    await page.locator('#run-gate h2', { hasText: 'Approved' }).waitFor();
    expect(await page.locator('#run-gate').textContent()).toContain('Checked the French greeting on staging');
    expect(await page.locator('#action-form').isHidden()).toBe(true);
    await until(async () => stageStatus(await api(runId), 'canary') === 'running');
    const run = await api(runId);
    expect(stageStatus(run, 'approval')).toBe('succeeded');
    expect(run.approval?.decision).toMatchObject({
      verdict: 'approved',
      by: 'ana',
      comment: 'Checked the French greeting on staging',
    });
    expect(deployer.calls).toContainEqual({ method: 'startCanary', id: `canary-${runId}-1` });

    await page.reload();
    expect(await page.getByLabel('Your name').inputValue()).toBe('ana'); // remembered in this browser
  });

  it('refuses on the page to reject without a reason', async () => {
    const runId = await runAtTheGate();
    await openRun(runId);

    await page.getByRole('button', { name: 'Reject' }).click();
    await page.locator('#action-submit').click();

    const alert = page.locator('#action-form [role="alert"]');
    expect(await alert.textContent()).toBe(
      'A reason is required to reject: say why, so that whoever pushed knows what to fix.',
    );
    expect(await page.getByLabel('Reason (required)').getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: path.join(screenshots, 'reject-without-a-reason.png'), fullPage: true });
    expect(await page.locator(':focus').getAttribute('id')).toBe('action-text');
    const run = await api(runId);
    expect(run.status).toBe('running');
    expect(stageStatus(run, 'approval')).toBe('running');
  });

  it('rejects with a reason: the run ends failed, and the page says who rejected it and why', async () => {
    const runId = await runAtTheGate();
    await openRun(runId);

    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByLabel('Reason (required)').fill('the greeting is in German');
    await page.getByLabel('Your name').fill('bo');
    await page.locator('#action-submit').click();

    await page.locator('#run-title .status.failed').waitFor();
    expect(await page.getByRole('status').textContent()).toBe('Rejected by bo: the run has ended.');
    expect(await page.locator('#run-source').textContent()).toContain(
      'Reason: rejected by bo: the greeting is in German',
    );
    expect(await page.locator('#run-gate h2').textContent()).toBe('Rejected');
    await page.screenshot({ path: path.join(screenshots, 'rejected.png'), fullPage: true });
    expect(await page.locator('#run-gate').textContent()).toContain('the greeting is in German');
    // A rejected run has failed: retrying it is the one action left.
    expect(await page.getByRole('button', { name: 'Approve' }).isHidden()).toBe(true);
    expect(await page.getByRole('button', { name: 'Retry' }).isVisible()).toBe(true);
    const run = await api(runId);
    expect(run.status).toBe('failed');
    expect(run.reason).toBe('rejected by bo: the greeting is in German');
    expect(stageStatus(run, 'approval')).toBe('failed');
  });

  it('can be used with the keyboard alone: Enter opens the form, Escape closes it, Ctrl+Enter sends it', async () => {
    const runId = await runAtTheGate();
    await openRun(runId);

    await page.getByRole('button', { name: 'Reject' }).focus();
    await page.keyboard.press('Enter');
    expect(await page.locator(':focus').getAttribute('id')).toBe('action-text');
    expect(await trigger('reject').getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Escape');
    expect(await page.locator('#action-form').isHidden()).toBe(true);
    expect(await page.locator(':focus').textContent()).toBe('Reject');

    await page.keyboard.press('Enter');
    await page.keyboard.type('staging serves the old release');
    await page.keyboard.press('Control+Enter');

    await page.locator('#run-title .status.failed').waitFor();
    expect((await api(runId)).reason).toBe(`rejected by ${SERVER_USER}: staging serves the old release`);
  });

  it('cancels a running run from the page, and its build is stopped', async () => {
    const runId = await seedRun('web', 'building');
    await openRun(runId);

    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByLabel('Reason (optional)').fill('pushed the wrong branch');
    await page.getByLabel('Your name').fill('bo');
    await page.locator('#action-submit').click();

    await page.locator('#run-title .status.cancelled').waitFor();
    expect(await page.getByRole('status').textContent()).toBe(
      'Run cancelled (cancelled by bo: pushed the wrong branch).',
    );
    expect(await page.getByRole('button', { name: 'Cancel run' }).isHidden()).toBe(true);
    const run = await api(runId);
    expect(run.status).toBe('cancelled');
    expect(run.reason).toBe('cancelled by bo: pushed the wrong branch');
    expect(builder.stops).toContainEqual({
      buildId: `build-${runId}`,
      reason: 'cancelled by bo: pushed the wrong branch',
    });
  });

  it("shows the API's refusal when the run changed under a page left open", async () => {
    const runId = await runAtTheGate();
    await openRun(runId);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByLabel('Comment (optional)').fill('looks good');
    // Meanwhile someone else cancels the run.
    const cancel = await fetch(`${app.url}/api/runs/${runId}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'bo', reason: 'release postponed' }),
    });
    expect(cancel.status).toBe(200);

    await page.locator('#action-submit').click();

    const alert = page.locator('#action-form [role="alert"]');
    await alert.filter({ hasText: '409' }).waitFor();
    expect(await alert.textContent()).toBe(
      `Does not fit the run now (409): run ${runId} has ended (cancelled); there is nothing to decide`,
    );
    await page.locator('#run-title .status.cancelled').waitFor();
    expect((await api(runId)).approval?.decision).toBeUndefined();
  });

  it('names the approvers, and shows the refusal when someone else tries to decide', async () => {
    const runId = await runAtTheGate('shop');
    await openRun(runId);
    expect(await page.locator('#run-gate .gate-who').textContent()).toBe('May decide: ana');

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByLabel('Your name').fill('mallory');
    await page.locator('#action-submit').click();

    const alert = page.locator('#action-form [role="alert"]');
    await alert.filter({ hasText: '403' }).waitFor();
    expect(await alert.textContent()).toBe(
      `Not allowed (403): mallory may not decide on run ${runId}: the approvers are ana`,
    );
    expect(stageStatus(await api(runId), 'approval')).toBe('running');
  });

  it('disables the buttons while a request is in flight', async () => {
    const runId = await runAtTheGate();
    await openRun(runId);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/approve', async (route) => {
      await held;
      await route.continue();
    });

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('#action-submit').click();

    await page.locator('#action-submit:disabled').waitFor();
    expect(await page.locator('#action-submit').textContent()).toBe('Approving…');
    for (const name of ['Approve', 'Reject', 'Cancel run']) {
      expect({ name, disabled: await page.getByRole('button', { name, exact: true }).isDisabled() }).toEqual({
        name,
        disabled: true,
      });
    }
    release();
    await page
      .getByRole('status')
      .filter({ hasText: `Approved by ${SERVER_USER}: the run goes on.` })
      .waitFor();
    expect(await page.getByRole('button', { name: 'Cancel run' }).isDisabled()).toBe(false);
  });
});
