import { describe, expect, it } from '@jest/globals';
import type { ActionsBlock, Button, KnownBlock, SectionBlock } from '@slack/types';
import { APPROVAL_ACTION, approvalBlocks } from '../../../../shared/notify/render-approval.ts';
import { renderRunMessage } from '../../../../shared/notify/render-run-message.ts';
import { renderWebhookMessage } from '../../../../shared/notify/render-webhook-message.ts';
import { RunDriver, SCRIPTS, type Step } from './run-fixtures.ts';

/** Build, tests and staging, as in every script: the run has reached the gate's door. */
const TO_STAGING = SCRIPTS.succeeded.slice(0, 4) as Step[];

/** A run waiting at its gate (requested at 10:01:50Z, for 24 h), with `approvers`. */
async function atTheGate(approvers: string[] = ['Priya', 'Sam']) {
  const driver = new RunDriver();
  await driver.start();
  await driver.play(TO_STAGING);
  await driver.append('Approval Requested', 'approval', {
    approvers,
    timeoutSeconds: 86_400,
    stagingUrl: 'https://staging.example',
  });
  return driver;
}

function sections(blocks: KnownBlock[]): string[] {
  return blocks.filter((b): b is SectionBlock => b.type === 'section').map((b) => b.text?.text ?? '');
}

function buttonsOf(blocks: KnownBlock[]): Button[] {
  return blocks.filter((b): b is ActionsBlock => b.type === 'actions').flatMap((b) => b.elements as Button[]);
}

describe('renderRunMessage at the approval gate', () => {
  it('says the run waits for approval, from whom, where staging is and when it times out', async () => {
    // Prepare
    const driver = await atTheGate();
    const run = await driver.run();

    // Act
    const message = renderRunMessage(run, { now: driver.clock.now() });

    // Assess
    expect(message.text).toMatch(/^web #\S+ waiting for approval: main 3f2a9c1/);
    const gate = sections(message.blocks).find((text) => text.startsWith(':raised_hand:'));
    expect(gate).toBe(
      ':raised_hand: *Waiting for approval* from Priya or Sam\n' +
        'Check <https://staging.example|staging> · times out ' +
        `<!date^${Date.parse(run.stages.approval.startedAt!) / 1000 + 86_400}^{date_short_pretty} at {time}|2025-03-05 10:01 UTC>`,
    );
    expect(JSON.stringify(message.blocks)).toContain(':large_blue_circle: Approval');
  });

  it('shows Approve and Reject buttons carrying the run id while the run waits', async () => {
    // Prepare
    const driver = await atTheGate();
    const run = await driver.run();

    // Act
    const message = renderRunMessage(run, { now: driver.clock.now() });

    // Assess
    const row = message.blocks.find((b) => b.type === 'actions') as ActionsBlock;
    expect(row).toEqual({
      type: 'actions',
      block_id: 'pushline.approval',
      elements: [
        {
          type: 'button',
          action_id: 'pushline.approve',
          text: { type: 'plain_text', text: 'Approve', emoji: true },
          value: run.id,
          style: 'primary',
        },
        {
          type: 'button',
          action_id: 'pushline.reject',
          text: { type: 'plain_text', text: 'Reject', emoji: true },
          value: run.id,
          style: 'danger',
        },
      ],
    });
  });

  it('says anyone may decide when the gate names no approvers', async () => {
    // Prepare
    const driver = await atTheGate([]);

    // Act
    const blocks = approvalBlocks(await driver.run());

    // Assess
    expect(sections(blocks)[0]).toMatch(/^:raised_hand: \*Waiting for approval\* from anyone\n/);
  });

  it('says who approved, with their comment, and has no buttons once approved', async () => {
    // Prepare
    const driver = await atTheGate();
    await driver.append('Approved', 'approval', { by: 'Priya', comment: 'checked <login> on staging' }, 300);

    // Act
    const message = renderRunMessage(await driver.run(), { now: driver.clock.now() });

    // Assess
    expect(sections(message.blocks)).toContain(
      ':white_check_mark: *Approved* by Priya: checked &lt;login&gt; on staging',
    );
    expect(buttonsOf(message.blocks)).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain(':white_check_mark: Approval 5m');
  });

  it('says who rejected and why, once, with no buttons, when the run ends rejected', async () => {
    // Prepare
    const driver = await atTheGate();
    await driver.append('Rejected', 'approval', { by: 'Sam', reason: 'the login page is blank' }, 60);
    await driver.append('Run Finished', 'approval', {
      outcome: 'failed',
      reason: 'rejected by Sam: the login page is blank',
    });

    // Act
    const message = renderRunMessage(await driver.run(), { now: driver.clock.now() });

    // Assess
    const texts = sections(message.blocks);
    expect(texts).toContain(':no_entry: *Rejected* by Sam: the login page is blank');
    expect(texts.filter((t) => t.includes('the login page is blank'))).toHaveLength(1);
    expect(buttonsOf(message.blocks)).toEqual([]);
    expect(texts[0]).toContain('*Failed*');
  });

  it('drops the buttons when the run ends while it waits (superseded), without a decision line', async () => {
    // Prepare
    const driver = await atTheGate();
    await driver.append('Run Finished', 'approval', { outcome: 'superseded', reason: 'superseded by run X' });

    // Act
    const message = renderRunMessage(await driver.run(), { now: driver.clock.now() });

    // Assess
    expect(buttonsOf(message.blocks)).toEqual([]);
    expect(sections(message.blocks).join('\n')).not.toContain('Waiting for approval');
    expect(sections(message.blocks)).toContain('*Why:* superseded by run X');
  });

  it('shows nothing of a gate for a pipeline without one', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    await driver.play(SCRIPTS.succeeded);

    // Act
    const blocks = approvalBlocks(await driver.run());

    // Assess
    expect(blocks).toEqual([]);
  });
});

describe('renderWebhookMessage while the run waits', () => {
  it('says who may decide and the commands that decide, with no buttons (a webhook cannot take clicks)', async () => {
    // Prepare
    const driver = await atTheGate(['Priya']);
    const run = await driver.run();

    // Act
    const message = renderWebhookMessage(run, 'waiting', {
      now: driver.clock.now(),
      dashboardUrl: 'http://localhost:8787',
    });

    // Assess
    const all = JSON.stringify(message.blocks);
    expect(message.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(sections(message.blocks)[0]).toContain('*Waiting for approval*');
    expect(all).toContain('from Priya');
    expect(all).toContain(
      `Decide with \`pushline approve ${run.id}\` or \`pushline reject ${run.id} --reason \\"…\\"\``,
    );
    expect(all).toContain('<https://staging.example|Staging>');
    expect(all).toContain(`<http://localhost:8787/runs/${run.id}|Run in dashboard>`);
    expect(message.text).toMatch(/waiting for approval/);
    expect(Object.values(APPROVAL_ACTION).some((id) => all.includes(id))).toBe(false);
  });
});
