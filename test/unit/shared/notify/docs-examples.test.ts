import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { renderFailureReply } from '../../../../shared/notify/render-failure-reply.ts';
import { renderRunMessage } from '../../../../shared/notify/render-run-message.ts';
import type { SlackMessage } from '../../../../shared/notify/slack-blocks.ts';
import { runAfter, SCRIPTS } from './run-fixtures.ts';

/**
 * docs/notifications.md shows the Block Kit of real runs. This test renders them and checks the
 * page still shows what the renderer makes; `UPDATE_DOCS=1` writes the page's examples instead.
 */
const DOC = new URL('../../../../docs/notifications.md', import.meta.url);
const RUN_ID = '01JNG9J580FD5BSXC5X36VQ4YD';
const CONTEXT = { dashboardUrl: 'http://localhost:8787' };

async function examples(): Promise<Record<string, SlackMessage>> {
  const finished = await runAfter(SCRIPTS.succeeded);
  const rolledBack = await runAfter(SCRIPTS.rolledBack);
  const rolled = { ...rolledBack.run, id: RUN_ID };
  const unhealthy = rolledBack.events.find((e) => e.detailType === 'Canary Unhealthy')!;
  return {
    finished: renderRunMessage({ ...finished.run, id: RUN_ID }, { ...CONTEXT, now: finished.clock.now() }),
    'rolled-back': renderRunMessage(rolled, { ...CONTEXT, now: rolledBack.clock.now() }),
    'rolled-back-reply': renderFailureReply(rolled, unhealthy, {
      ...CONTEXT,
      now: rolledBack.clock.now(),
      mentionOnFailure: 'S0123ABCD',
    }),
  };
}

function section(name: string): RegExp {
  return new RegExp(
    `(<!-- block-kit:${name} -->\\n\`\`\`json\\n)([\\s\\S]*?)(\\n\`\`\`\\n<!-- /block-kit:${name} -->)`,
  );
}

describe('docs/notifications.md', () => {
  it('shows the Block Kit the renderer makes for a finished and a rolled-back run', async () => {
    // Prepare
    let doc = readFileSync(DOC, 'utf8');
    const rendered = await examples();

    // Act
    if (process.env.UPDATE_DOCS === '1') {
      for (const [name, message] of Object.entries(rendered)) {
        doc = doc.replace(
          section(name),
          (_m, open: string, _old: string, close: string) =>
            `${open}${JSON.stringify(message, null, 2)}${close}`,
        );
      }
      writeFileSync(DOC, doc);
    }

    // Assess
    for (const [name, message] of Object.entries(rendered)) {
      const shown = section(name).exec(doc);
      expect(shown).not.toBeNull();
      expect(JSON.parse(shown![2]!)).toEqual(JSON.parse(JSON.stringify(message)));
    }
  });
});
