import { describe, expect, it } from '@jest/globals';
import type { IncomingWebhookSendArguments } from '@slack/webhook';
import { SlackWebhookNotifier } from '../../../../shared/notify/slack-webhook-notifier.ts';
import { pipeline, RunDriver, SCRIPTS, type Step } from './run-fixtures.ts';

describe('SlackWebhookNotifier at the approval gate', () => {
  function setup() {
    const driver = new RunDriver();
    const sent: IncomingWebhookSendArguments[] = [];
    const notifier = new SlackWebhookNotifier({
      webhookFor: () => ({
        send: async (message) => {
          sent.push(message as IncomingWebhookSendArguments);
          return { text: 'ok' };
        },
      }),
      clock: driver.clock,
    });
    const announce = async () =>
      notifier.notify({
        run: await driver.run(),
        event: driver.events.at(-1)!,
        pipeline: pipeline(),
        announce: true,
      });
    return { driver, sent, announce };
  }

  it('posts a waiting message without buttons, naming the commands that decide', async () => {
    // Prepare
    const { driver, sent, announce } = setup();
    await driver.start();
    await driver.play(SCRIPTS.succeeded.slice(0, 4) as Step[]);
    await driver.append('Approval Requested', 'approval', { approvers: ['Priya'], timeoutSeconds: 3600 });

    // Act
    await announce();

    // Assess
    expect(sent).toHaveLength(1);
    const text = JSON.stringify(sent[0]!.blocks);
    expect(text).toContain('*Waiting for approval* from Priya');
    expect(text).toContain(`pushline approve ${driver.runId}`);
    expect(sent[0]!.blocks!.some((b) => b.type === 'actions')).toBe(false);
  });

  it('posts nothing for a request announced after the gate was decided', async () => {
    // Prepare
    const { driver, sent, announce } = setup();
    await driver.start();
    await driver.play(SCRIPTS.succeeded.slice(0, 4) as Step[]);
    const requested = await driver.append('Approval Requested', 'approval', {
      approvers: [],
      timeoutSeconds: 3600,
    });
    await driver.append('Approved', 'approval', { by: 'Priya' });
    driver.events.push(requested);

    // Act
    await announce();

    // Assess
    expect(sent).toEqual([]);
  });
});
