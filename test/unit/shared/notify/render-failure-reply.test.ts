import { describe, expect, it } from '@jest/globals';
import type { SectionBlock } from '@slack/types';
import { renderFailureReply } from '../../../../shared/notify/render-failure-reply.ts';
import type { SlackMessage } from '../../../../shared/notify/slack-blocks.ts';
import { RunDriver, runAfter, SCRIPTS } from './run-fixtures.ts';

function sections(message: SlackMessage): string {
  return message.blocks
    .filter((b): b is SectionBlock => b.type === 'section')
    .map((b) => b.text?.text ?? '')
    .join('\n');
}

describe('renderFailureReply', () => {
  it('names the failing phase, its reason and the failing tests, and mentions the user group', async () => {
    // Prepare
    const { run, events, clock } = await runAfter(SCRIPTS.buildFailed);
    const buildFailed = events.find((e) => e.detailType === 'Build Failed')!;

    // Act
    const reply = renderFailureReply(run, buildFailed, { now: clock.now(), mentionOnFailure: 'S0123ABCD' });

    // Assess
    const text = sections(reply);
    expect(text).toMatch(
      /^<!subteam\^S0123ABCD> :x: \*Build failed\* in phase `BUILD` \(FAILED\): npm test exited with 1/,
    );
    expect(text).toContain('*Failing tests (3)*');
    expect(text).toContain('• `login › redirects to /home`');
    expect(text).toContain('• `api › rejects &lt;bad&gt; input`');
    expect(reply.text).toMatch(/^web #\S+: Build failed in phase BUILD \(FAILED\): npm test exited with 1$/);
  });

  it('gives the canary reasons per metric, failing first, without a mention when none is configured', async () => {
    // Prepare
    const { run, events, clock } = await runAfter(SCRIPTS.rolledBack);
    const unhealthy = events.find((e) => e.detailType === 'Canary Unhealthy')!;

    // Act
    const text = sections(renderFailureReply(run, unhealthy, { now: clock.now() }));

    // Assess
    expect(text).toMatch(/^:x: \*Canary unhealthy\*/);
    expect(text).not.toContain('subteam');
    expect(text).toContain('*Canary unhealthy* at 10% traffic: error_rate above its threshold');
    expect(text.indexOf('`error_rate` 4.2% &gt; 1%')).toBeLessThan(text.indexOf('`latency_p95`'));
  });

  it('says what was rolled back and why', async () => {
    // Prepare
    const { run, events, clock } = await runAfter(SCRIPTS.rolledBack);
    const rolledBack = events.find((e) => e.detailType === 'Rolled Back')!;

    // Act
    const text = sections(renderFailureReply(run, rolledBack, { now: clock.now() }));

    // Assess
    expect(text).toBe(':rewind: *Rolled back* canary: canary unhealthy: error_rate 4.2% &gt; 1%');
  });

  it('says which stage timed out and after how long', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    await driver.play(SCRIPTS.succeeded.slice(0, 3));
    const timedOut = await driver.append(
      'Stage Timed Out',
      'staging',
      { timeoutSeconds: 900, startedAt: driver.clock.now().toISOString(), stopped: 'd-stg' },
      900,
    );

    // Act
    const text = sections(renderFailureReply(await driver.run(), timedOut, { now: driver.clock.now() }));

    // Assess
    expect(text).toBe(':alarm_clock: *Staging timed out*: no progress within 15m. Stopped `d-stg`.');
  });

  it('sums up every failed stage for a Run Finished that no failure event announced', async () => {
    // Prepare
    const { run, events, clock } = await runAfter(SCRIPTS.buildFailed);
    const finished = events.at(-1)!;

    // Act
    const text = sections(
      renderFailureReply(run, finished, { now: clock.now(), mentionOnFailure: '@oncall' }),
    );

    // Assess
    expect(text).toContain('@oncall :x: *Failed*: build failed in phase BUILD');
    expect(text).toContain('*Build failed* in phase `BUILD`: npm test exited with 1');
    expect(text).toContain('*Failing tests (3)*');
  });

  it('mentions nobody for a run rejected at the gate: a deliberate decision is not an incident', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    await driver.play(SCRIPTS.succeeded.slice(0, 4));
    await driver.append('Approval Requested', 'approval', { approvers: ['Tomás'], timeoutSeconds: 3600 });
    await driver.append('Rejected', 'approval', { by: 'Tomás', reason: 'not during the sale' });
    const finished = await driver.append('Run Finished', 'approval', {
      outcome: 'failed',
      reason: 'rejected by Tomás: not during the sale',
    });

    // Act
    const reply = renderFailureReply(await driver.run(), finished, {
      now: driver.clock.now(),
      mentionOnFailure: 'S0123ABCD',
    });

    // Assess
    expect(sections(reply)).not.toContain('subteam');
    expect(sections(reply)).toContain('rejected by Tomás: not during the sale');
  });
});
