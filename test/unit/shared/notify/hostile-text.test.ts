import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { printable } from '../../../../shared/notify/printable.ts';
import { approvalBlocks } from '../../../../shared/notify/render-approval.ts';
import { renderConsoleLine } from '../../../../shared/notify/render-console-line.ts';
import { renderFailureReply } from '../../../../shared/notify/render-failure-reply.ts';
import { renderOperatorReply } from '../../../../shared/notify/render-operator-reply.ts';
import { renderRunMessage } from '../../../../shared/notify/render-run-message.ts';
import { renderWebhookMessage } from '../../../../shared/notify/render-webhook-message.ts';
import { RunDriver, SCRIPTS, source, TO_THE_GATE } from './run-fixtures.ts';

/**
 * Issue 14: text from a push (branch, author, message, repository) and from people (reasons,
 * comments, names) never reaches a Slack message unescaped. Slack reads `<…>` in mrkdwn as a link,
 * a mention (`<@U123>`) or a broadcast (`<!channel>`); a commit message must not be able to ping a
 * channel or fake a link. Checked on every message kind, with generated hostile strings.
 */

const HOSTILE = fc.oneof(
  fc.constantFrom(
    '<!channel>',
    '<!here|here>',
    '<@U024BE7LH>',
    '<#C123|general>',
    '<https://evil.example|click me>',
    'a|b>c<d',
    '&lt;!channel&gt;',
    '`$(touch /tmp/x)`',
    '\u001b[2J\u001b[31mred',
    'line\r\nX-Injected: 1',
  ),
  fc.string({
    unit: fc.constantFrom('<', '>', '&', '|', '!', '@', '#', '*', '_', '~', '`', '\n', 'a', ' ', '\u0000'),
  }),
);

/** Every mrkdwn text of a message: its fallback `text` and each `{ type: 'mrkdwn', text }` in its blocks. */
function mrkdwnTexts(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) mrkdwnTexts(item, found);
  else if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (object.type === 'mrkdwn' && typeof object.text === 'string') found.push(object.text);
    for (const [key, child] of Object.entries(object))
      if (key !== 'text' || typeof child !== 'string') mrkdwnTexts(child, found);
  }
  return found;
}

/**
 * What is left of a mrkdwn text once our own well-formed constructs are taken out — links and
 * `<!date^…>` times (the only `<!…>` we write without a mention configured): no `<` or `>` may remain.
 */
function outsideLinks(text: string): string {
  return text
    .replace(/<https?:\/\/[^\s<>|]+(\|[^<>|]*)?>/g, '')
    .replace(/<!date\^\d+\^[^<>|]*\|[^<>|]*>/g, '');
}

describe('hostile text in Slack messages', () => {
  it('escapes branch, author, message, repository, reasons and names in every message kind', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(HOSTILE, { minLength: 8, maxLength: 8 }),
        async ([branch, author, message, repo, reason, test, by, comment]) => {
          const driver = new RunDriver();
          await driver.start(
            source({
              branch: `b${branch}`,
              ref: `refs/heads/b${branch}`,
              author: author!,
              message: message!,
              repo: `acme/${repo}`,
            }),
          );
          await driver.play(TO_THE_GATE);
          const gate = await driver.run();
          const rejected = await driver.append('Rejected', 'approval', { by: `p${by}`, reason: comment! });
          const finished = await driver.append('Run Finished', 'approval', {
            outcome: 'failed',
            reason: reason!,
          });
          const failedBuild = new RunDriver();
          await failedBuild.start(source({ author: author!, message: message! }));
          await failedBuild.play(SCRIPTS.succeeded.slice(0, 1));
          const buildFailed = await failedBuild.append('Build Failed', 'build', {
            buildId: 'b-1',
            status: 'FAILED',
            phase: `P${test}`,
            reason: reason!,
            failingTests: [test!, `${test}2`],
          });
          const run = await driver.run();
          const ctx = { dashboardUrl: 'http://localhost:8787', now: driver.clock.now() };

          const messages = [
            renderRunMessage(run, ctx),
            renderRunMessage(gate, ctx),
            { blocks: approvalBlocks(gate) },
            renderFailureReply(run, finished, ctx),
            renderFailureReply(await failedBuild.run(), buildFailed, ctx),
            renderOperatorReply(run, rejected),
            renderWebhookMessage(run, 'end', ctx),
            renderWebhookMessage(gate, 'start', ctx),
            renderWebhookMessage(gate, 'waiting', ctx),
          ];
          for (const text of messages.flatMap((m) => mrkdwnTexts(m))) {
            expect(outsideLinks(text)).not.toMatch(/[<>]/);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps terminal control characters out of the console line', async () => {
    const driver = new RunDriver();
    const started = await driver.start(
      source({ branch: 'main\u001b[2J', message: 'ok\u001b]0;pwned\u0007\r\nfake line' }),
    );

    const line = renderConsoleLine(await driver.run(), started, driver.clock.now());

    const controls = [...line].filter((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
    expect(controls).toEqual([]);
    expect(line).toContain('main\uFFFD[2J');
  });

  it('printable keeps the lines of a report when asked, and turns escapes and bidi overrides into �', () => {
    expect(printable('a\u001b[2Jb\u202ec\td\r\ne')).toBe('a\uFFFD[2Jb\uFFFDc d  e');
    expect(printable('one\ntwo\u0007', { keepLines: true })).toBe('one\ntwo\uFFFD');
    expect(printable('café 😀 — ok')).toBe('café 😀 — ok');
  });
});
