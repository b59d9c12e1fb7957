import { describe, expect, it } from '@jest/globals';
import type { ContextBlock, SectionBlock } from '@slack/types';
import { renderWebhookMessage } from '../../../../shared/notify/render-webhook-message.ts';
import type { SlackMessage } from '../../../../shared/notify/slack-blocks.ts';
import { RunDriver, runAfter, SCRIPTS } from './run-fixtures.ts';

function all(message: SlackMessage): string {
  return message.blocks
    .flatMap((b) =>
      b.type === 'section'
        ? [(b as SectionBlock).text?.text ?? '']
        : b.type === 'context'
          ? (b as ContextBlock).elements.map((e) => ('text' in e ? e.text : ''))
          : [],
    )
    .join('\n');
}

describe('renderWebhookMessage', () => {
  it('announces a start in two lines: the run and the commit', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();

    // Act
    const message = renderWebhookMessage(await driver.run(), 'start', {
      now: driver.clock.now(),
      dashboardUrl: 'http://localhost:8787/',
    });

    // Assess
    expect(message.blocks).toHaveLength(2);
    expect(all(message)).toMatch(
      /^:arrow_forward: \*web\* <http:\/\/localhost:8787\/runs\/\S+\|#\S+> · \*Started\*/,
    );
    expect(message.text).toMatch(
      /^web #\S+ started: main 3f2a9c1 Fix login redirect for &lt;script&gt; &amp; friends \(Ada Lovelace\)$/,
    );
  });

  it('announces a failed end with the reason and the on-call mention', async () => {
    // Prepare
    const { run, clock } = await runAfter(SCRIPTS.rolledBack);

    // Act
    const text = all(renderWebhookMessage(run, 'end', { now: clock.now(), mentionOnFailure: 'S0123ABCD' }));

    // Assess
    expect(text).toContain('*Rolled back*');
    expect(text).toContain('<!subteam^S0123ABCD> *Why:* canary unhealthy');
    expect(text).toContain(':x: `error_rate` 4.2% &gt; 1%');
    expect(text).toContain(':white_check_mark: Build 42s');
  });

  it('mentions nobody when a run was superseded', async () => {
    // Prepare
    const driver = new RunDriver();
    await driver.start();
    await driver.append('Run Finished', 'build', { outcome: 'superseded', reason: 'run 01JNEWER started' });

    // Act
    const text = all(
      renderWebhookMessage(await driver.run(), 'end', {
        now: driver.clock.now(),
        mentionOnFailure: 'S0123ABCD',
      }),
    );

    // Assess
    expect(text).toContain('*Superseded by a newer run*');
    expect(text).toContain('*Why:* run 01JNEWER started');
    expect(text).not.toContain('subteam');
  });
});
