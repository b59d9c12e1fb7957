import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Browser, chromium, type Page } from 'playwright-core';
import { consoleLogger } from '../../cli/local/console-logger.ts';
import { createLocalApp, type LocalApp } from '../../cli/local/create-local-app.ts';
import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { newEvent, newId } from '../../shared/app/new-event.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import { SAMPLE_PUSH } from '../support/runs.ts';

const CONFIG = `version: 1
pipelines:
  - name: web
    source: { github: acme/web }
    staging: { local: { start: node server.js, port: 4100 } }
    production: { local: { start: node server.js, port: 4000 } }
`;

/** Seeds one run through the real store: Run Started, then `steps` folded by the real `applyEvent`. */
async function seedRun(
  app: LocalApp,
  commit: string,
  message: string,
  steps: (
    run: { id: string; pipeline: string; attempt: number; source: typeof SAMPLE_PUSH },
    clock: Clock,
  ) => PipelineEvent[],
): Promise<string> {
  const clock = app.clock;
  const runId = newId(clock);
  const source = { ...SAMPLE_PUSH, commit, message };
  await app.store.startRuns({ id: newId(clock), provider: 'github' }, [
    {
      detailType: 'Run Started',
      detail: {
        version: 1,
        eventId: newId(clock),
        runId,
        pipeline: 'web',
        at: clock.now().toISOString(),
        attempt: 1,
        source,
        stage: 'source',
        data: { trigger: 'push' },
      },
    },
  ]);
  const run = { id: runId, pipeline: 'web', attempt: 1, source };
  await app.store.append(runId, 1, steps(run, clock));
  return runId;
}

describe('the dashboard', () => {
  let dir: string;
  let app: LocalApp;
  let browser: Browser;
  let page: Page;
  let goodRun: string;
  let failedRun: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pushline-dashboard-'));
    writeFileSync(path.join(dir, 'pushline.yml'), CONFIG);
    app = await createLocalApp({
      file: path.join(dir, 'pushline.yml'),
      dataDir: path.join(dir, '.pushline'),
      port: 0,
      env: { GITHUB_WEBHOOK_SECRET: 'dashboard-test' },
      logger: consoleLogger({ level: 'silent' }),
      registerHandlers: () => {}, // the dashboard only reads: no stage runs
    });
    goodRun = await seedRun(app, 'a'.repeat(40), 'Add the French greeting', (run, clock) => [
      newEvent('Build Started', run, 'build', { buildId: 'web:1' }, clock),
      newEvent(
        'Tests Passed',
        run,
        'build',
        {
          buildId: 'web:1',
          tests: { total: 12, passed: 11, failed: 0, skipped: 1 },
          artifacts: { files: [], exportedVariables: {} },
        },
        clock,
      ),
    ]);
    failedRun = await seedRun(app, 'b'.repeat(40), 'Say Salut in French', (run, clock) => [
      newEvent('Build Started', run, 'build', { buildId: 'web:2' }, clock),
      newEvent(
        'Build Failed',
        run,
        'build',
        {
          buildId: 'web:2',
          status: 'FAILED',
          phase: 'BUILD',
          reason: 'COMMAND_EXECUTION_ERROR: npm test exited 1',
          failingTests: ['greets by name in French'],
          tests: { total: 3, passed: 2, failed: 1, skipped: 0 },
        },
        clock,
      ),
      newEvent('Run Finished', run, 'build', { outcome: 'failed', reason: 'build failed in BUILD' }, clock),
    ]);
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
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the runs newest first with their status and stages', async () => {
    await page.goto(app.url);
    const rows = page.locator('#runs tbody tr');
    await rows.first().waitFor();

    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-run-id')).toBe(failedRun);
    expect(await rows.nth(0).locator('.status').textContent()).toBe('failed');
    expect(await rows.nth(1).locator('.status').textContent()).toBe('running');
    expect(await rows.nth(1).locator('.stage.succeeded').count()).toBe(2); // source and build
    expect(await rows.nth(1).locator('.stage[data-stage="staging"]').getAttribute('class')).toContain(
      'pending',
    );
  });

  it('opens a run at its short id and shows its failing test, its stages and its event log', async () => {
    await page.goto(app.url);
    await page.locator(`tr[data-run-id="${failedRun}"]`).click();
    await page.waitForURL(`**/runs/${failedRun.slice(-8)}`);
    await page.locator('#events tbody tr').nth(3).waitFor();

    expect(await page.locator('#run-title').textContent()).toContain('failed');
    expect(await page.locator('#run-title').textContent()).toContain(failedRun.slice(-8));
    expect(await page.locator('#run-facts').textContent()).toContain('greets by name in French');
    expect(await page.locator('#run-stages li[data-stage="build"]').getAttribute('class')).toBe('failed');
    expect(await page.locator('#run-stages li[data-stage="canary"]').getAttribute('class')).toBe('skipped');
    const types = await page.locator('#events tbody tr td:nth-child(3)').allTextContents();
    expect(types).toEqual(['Run Started', 'Build Started', 'Build Failed', 'Run Finished']);
    await page.screenshot({ path: path.join(dir, 'run.png'), fullPage: true });
  });

  it('follows a run as it changes, without a reload', async () => {
    await page.goto(`${app.url}/runs/${goodRun}`);
    await page.locator('#run-stages li[data-stage="build"].succeeded').waitFor();
    const stored = await app.store.get(goodRun);
    const run = { id: goodRun, pipeline: 'web', attempt: 1, source: stored!.run.source };
    await app.store.append(goodRun, stored!.version, [
      newEvent('Staging Started', run, 'staging', { deploymentId: 'staging-1' }, app.clock),
    ]);

    await page.locator('#run-stages li[data-stage="staging"].running').waitFor({ timeout: 10_000 });
    expect(await page.locator('#events tbody tr').count()).toBe(4);
  });

  it('serves only its own files', async () => {
    for (const name of ['constructor', '__proto__', 'toString', '..%2F..%2Fpushline.yml']) {
      const response = await fetch(`${app.url}/dashboard/${name}`);
      expect({ name, status: response.status }).toEqual({ name, status: 404 });
    }
    expect((await fetch(`${app.url}/dashboard/dashboard.js`)).headers.get('cache-control')).toBe('no-cache');
  });

  it('says what is wrong when a run does not exist', async () => {
    await page.goto(`${app.url}/runs/ZZZZZZZZ`);
    await page.locator('#error:not([hidden])').waitFor();
    expect(await page.locator('#error').textContent()).toContain('404');
    expect(await page.locator('#error').textContent()).toContain('run ZZZZZZZZ does not exist');
  });

  it('says what is wrong when the address names no run id', async () => {
    await page.goto(`${app.url}/runs/nope`);
    await page.locator('#error:not([hidden])').waitFor();
    expect(await page.locator('#error').textContent()).toContain('400');
    expect(await page.locator('#error').textContent()).toContain('\\"nope\\" is not a run id');
  });
});
