import type {
  ActionsBlock,
  Button,
  ContextBlock,
  DividerBlock,
  KnownBlock,
  SectionBlock,
} from '@slack/types';
import { truncate } from './slack-text.ts';

/** A Slack message as the senders post it: Block Kit plus the `text` fallback notifications show. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const SECTION_MAX = 3000;
const CONTEXT_MAX_ELEMENTS = 10;
const BUTTON_TEXT_MAX = 75;
const BUTTON_VALUE_MAX = 2000;

/** A section of mrkdwn text, cut to Slack's 3000-character limit. */
export function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_MAX) } };
}

/** A context block of mrkdwn pieces (Slack allows ten; empty pieces are dropped). */
export function context(pieces: readonly (string | undefined)[]): ContextBlock {
  const elements = pieces
    .filter((piece): piece is string => Boolean(piece))
    .slice(0, CONTEXT_MAX_ELEMENTS)
    .map((text) => ({ type: 'mrkdwn' as const, text: truncate(text, SECTION_MAX) }));
  return { type: 'context', elements };
}

export function divider(): DividerBlock {
  return { type: 'divider' };
}

/**
 * An actions block. `block_id` is fixed per purpose so that Slack's interaction payload says
 * which row was clicked; it must be unique within the message.
 */
export function actions(blockId: string, elements: Button[]): ActionsBlock {
  return { type: 'actions', block_id: blockId, elements };
}

/** A button that sends `actionId` with `value` to the app's interactivity URL when clicked. */
export function button(actionId: string, label: string, value: string, style?: 'primary' | 'danger'): Button {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: truncate(label, BUTTON_TEXT_MAX), emoji: true },
    value: value.slice(0, BUTTON_VALUE_MAX),
    ...(style ? { style } : {}),
  };
}
