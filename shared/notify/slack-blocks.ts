import type { ContextBlock, DividerBlock, KnownBlock, SectionBlock } from '@slack/types';
import { truncate } from './slack-text.ts';

/** A Slack message as the senders post it: Block Kit plus the `text` fallback notifications show. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const SECTION_MAX = 3000;
const CONTEXT_MAX_ELEMENTS = 10;

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
