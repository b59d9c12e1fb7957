import { formatIssues } from '../../events/parse.ts';
import * as z from '../../events/zod-mini.ts';
import { ValidationError } from '../domain/errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const User = z.looseObject({ id: z.string().check(z.minLength(1)) });

/** A click on a button of a message (Slack's `block_actions` payload): the fields Pushline reads. */
export const BlockActionsPayload = z.looseObject({
  type: z.literal('block_actions'),
  user: User,
  trigger_id: z.optional(z.string()),
  response_url: z.optional(z.string()),
  channel: z.optional(z.looseObject({ id: z.string() })),
  container: z.optional(z.looseObject({ channel_id: z.optional(z.string()) })),
  actions: z.array(
    z.looseObject({
      action_id: z.string(),
      block_id: z.optional(z.string()),
      value: z.optional(z.string()),
      type: z.optional(z.string()),
    }),
  ),
});
export type BlockActionsPayload = z.output<typeof BlockActionsPayload>;

/** A modal's form submitted (Slack's `view_submission` payload): the fields Pushline reads. */
export const ViewSubmissionPayload = z.looseObject({
  type: z.literal('view_submission'),
  user: User,
  view: z.looseObject({
    callback_id: z.optional(z.string()),
    private_metadata: z.optional(z.string()),
    state: z.optional(
      z.looseObject({
        values: z.record(
          z.string(),
          z.record(z.string(), z.looseObject({ value: z.optional(z.nullable(z.string())) })),
        ),
      }),
    ),
  }),
});
export type ViewSubmissionPayload = z.output<typeof ViewSubmissionPayload>;

/** Any interaction: its `type` decides whether Pushline reads it further. */
const AnyPayload = z.looseObject({ type: z.string() });

export type Interaction =
  | { kind: 'block_actions'; payload: BlockActionsPayload }
  | { kind: 'view_submission'; payload: ViewSubmissionPayload }
  | { kind: 'other'; type: string };

/**
 * Reads a verified interaction request: Slack posts `application/x-www-form-urlencoded` with one
 * field, `payload`, whose value is the JSON of the interaction. Throws `ValidationError` (400)
 * naming what is wrong; an interaction of a type Pushline does not handle is `other`.
 */
export function parseInteraction(body: Buffer): Interaction {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new ValidationError('body is not valid UTF-8');
  }
  const field = new URLSearchParams(text).get('payload');
  if (field === null) throw new ValidationError('body has no payload= field (a Slack interaction is a form)');
  let json: unknown;
  try {
    json = JSON.parse(field);
  } catch (error) {
    throw new ValidationError(`payload is not JSON: ${(error as Error).message}`);
  }
  const { type } = parsePayload(AnyPayload, json, 'interaction payload');
  if (type === 'block_actions') {
    return { kind: type, payload: parsePayload(BlockActionsPayload, json, 'block_actions payload') };
  }
  if (type === 'view_submission') {
    return { kind: type, payload: parsePayload(ViewSubmissionPayload, json, 'view_submission payload') };
  }
  return { kind: 'other', type };
}

function parsePayload<T extends z.ZodMiniType>(schema: T, payload: unknown, what: string): z.output<T> {
  const result = schema.safeParse(payload);
  if (!result.success) {
    throw new ValidationError(`${what}: ${formatIssues(result.error.issues)}`, { cause: result.error });
  }
  return result.data;
}

/** The value a modal's plain-text input was submitted with (its block and action ids), trimmed. */
export function submittedText(payload: ViewSubmissionPayload, blockId: string, actionId: string): string {
  return payload.view.state?.values[blockId]?.[actionId]?.value?.trim() ?? '';
}
