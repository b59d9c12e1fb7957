import { describe, expect, it } from '@jest/globals';
import type { ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import fc from 'fast-check';
import { renderRunMessage } from '../../../../shared/notify/render-run-message.ts';
import { COMMIT, RunDriver, runAfter, SCRIPTS, type Step, source } from './run-fixtures.ts';

const DASHBOARD = 'http://localhost:8787';

function texts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((block) => {
    if (block.type === 'section') return [(block as SectionBlock).text?.text ?? ''];
    if (block.type === 'context')
      return (block as ContextBlock).elements.map((e) => ('text' in e ? e.text : ''));
    return [];
  });
}

describe('renderRunMessage', () => {
  it('shows a finished run: headline, commit, every stage with its duration, tests, canary and links', async () => {
    // Prepare
    const { run, clock } = await runAfter(SCRIPTS.succeeded);

    // Act
    const message = renderRunMessage(run, { dashboardUrl: DASHBOARD, now: clock.now() });

    // Assess
    const all = texts(message.blocks).join('\n');
    expect(all).toContain(':white_check_mark: *web*');
    expect(all).toContain(`<${DASHBOARD}/runs/${run.id}|#`);
    expect(all).toContain('*Deployed to production* in 7m 23s');
    expect(all).toContain(`<https://github.com/acme/web/commit/${COMMIT}|3f2a9c1>`);
    expect(all).toContain('Fix login redirect for &lt;script&gt; &amp; friends');
    expect(all).not.toContain('The long explanation');
    expect(all).toContain('Ada Lovelace');
    expect(all).toContain(':white_check_mark: Build 42s');
    expect(all).toContain(':white_check_mark: Staging 1m 5s');
    expect(all).toContain(':white_check_mark: Canary 5m');
    expect(all).toContain(':white_check_mark: Production 30s');
    expect(all).toContain('Tests: 18 passed · 2 skipped (20 total)');
    expect(all).toContain('*Canary healthy* at 10% traffic: every metric within its threshold');
    expect(all).toContain(':white_check_mark: `error_rate` 0.2% ≤ 1%');
    expect(all).toContain('<https://logs.example/b-1|Build log>');
    expect(all).toContain('<https://web.example|Production>');
    expect(all).toContain(`<${DASHBOARD}/runs/${run.id}|Run in dashboard>`);
    expect(message.text).toMatch(/^web #\S+ deployed to production: main 3f2a9c1 Fix login redirect/);
  });

  it('shows a running stage with the time it has taken so far and pending stages as pending', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    await driver.play(SCRIPTS.succeeded.slice(0, 1));
    driver.clock.advance(15);

    // Act
    const message = renderRunMessage(await driver.run(), { now: driver.clock.now() });

    // Assess
    const all = texts(message.blocks).join('\n');
    expect(all).toContain(':large_blue_circle: *web*');
    expect(all).toContain('*Building*');
    expect(all).toContain(':large_blue_circle: Build 15s');
    expect(all).toContain(':white_circle: Staging');
    expect(all).not.toContain('Run in dashboard');
    expect(message.text).toContain('building');
  });

  it('says why a rolled-back run ended and lists the failing metric first', async () => {
    // Prepare
    const { run, clock } = await runAfter(SCRIPTS.rolledBack);

    // Act
    const all = texts(renderRunMessage(run, { now: clock.now() }).blocks).join('\n');

    // Assess
    expect(all).toContain(':rewind: *web*');
    expect(all).toContain('*Rolled back*');
    expect(all).toContain(':x: Canary');
    expect(all).toContain(':x: Production');
    expect(all).toMatch(/:x: `error_rate` 4\.2% &gt; 1%\n:white_check_mark: `latency_p95`/);
    expect(all).toContain('*Why:* canary unhealthy: error_rate 4.2% &gt; 1%');
  });

  it('labels a tag push with its tag and links a GitLab commit on its own host', async () => {
    // Prepare
    const push = source({
      provider: 'gitlab',
      repo: 'acme/platform/web',
      ref: 'refs/tags/v1.2.0',
      branch: undefined,
      tag: 'v1.2.0',
      url: 'https://git.acme.test/acme/platform/web/-/commit/3f2a9c1',
    });
    const { run, clock } = await runAfter([], push);

    // Act
    const all = texts(renderRunMessage(run, { now: clock.now() }).blocks).join('\n');

    // Assess
    expect(all).toContain('`v1.2.0`');
    expect(all).toContain(`<https://git.acme.test/acme/platform/web/-/commit/${COMMIT}|3f2a9c1>`);
  });

  it('keeps within Slack limits and always has a text fallback, whatever the events', async () => {
    const steps = [...SCRIPTS.succeeded, ...SCRIPTS.rolledBack, ...SCRIPTS.buildFailed];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...steps), { maxLength: 12 }),
        fc.string({ maxLength: 5000 }),
        async (picked: Step[], message) => {
          const { run, clock } = await runAfter(picked, source({ message, author: message.slice(0, 50) }));
          const rendered = renderRunMessage(run, { dashboardUrl: DASHBOARD, now: clock.now() });
          expect(rendered.text.length).toBeGreaterThan(0);
          expect(rendered.blocks.length).toBeLessThanOrEqual(50);
          for (const text of texts(rendered.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
          for (const block of rendered.blocks) {
            if (block.type === 'context')
              expect((block as ContextBlock).elements.length).toBeLessThanOrEqual(10);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
