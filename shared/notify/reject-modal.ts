import type { ModalView } from '@slack/types';
import { truncate } from './slack-text.ts';

/** The modal's `callback_id`: its `view_submission` comes back to `POST /slack/interactions`. */
export const REJECT_CALLBACK_ID = 'pushline.reject';
/** Where the reason is in the submitted `view.state.values`. */
export const REASON_INPUT = { blockId: 'reason', actionId: 'reason' } as const;

const TITLE_MAX = 24;

/**
 * The modal a Reject click opens (`views.open` with the click's `trigger_id`): a rejection needs a
 * reason, and a button cannot carry one. The run id travels in `private_metadata`, so the
 * submission needs nothing else to find the run.
 */
export function rejectModal(runId: string, label: string): ModalView {
  return {
    type: 'modal',
    callback_id: REJECT_CALLBACK_ID,
    private_metadata: runId,
    title: { type: 'plain_text', text: 'Reject the run' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `Reject ${label}? It ends \`failed\` and never reaches production.` },
      },
      {
        type: 'input',
        block_id: REASON_INPUT.blockId,
        label: { type: 'plain_text', text: 'Why?' },
        element: {
          type: 'plain_text_input',
          action_id: REASON_INPUT.actionId,
          multiline: true,
          placeholder: { type: 'plain_text', text: 'What is wrong in staging (kept in the run log)' },
        },
      },
    ],
  };
}

/** A modal that only says something (a submission that could not be carried out, and why). */
export function noticeModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: truncate(title, TITLE_MAX) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, 3000) } }],
  };
}
