import type { RunOperations } from '../app/run-operations.ts';
import {
  ConflictError,
  ForbiddenError,
  MissingSecretError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from '../domain/errors.ts';
import { describeError } from '../http/error-response.ts';
import { guardWebhook } from '../http/guard-webhook.ts';
import {
  DEFAULT_MAX_BODY_BYTES,
  header,
  type WebhookHandler,
  type WebhookRequest,
  type WebhookResponse,
} from '../http/webhook.ts';
import type { Clock } from '../ports/clock.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { SecretSource } from '../ports/secret-source.ts';
import { verifySlackSignature } from '../sources/verify-slack-signature.ts';
import { noticeModal, REASON_INPUT, REJECT_CALLBACK_ID, rejectModal } from './reject-modal.ts';
import { APPROVAL_ACTION } from './render-approval.ts';
import { shortRunId } from './run-links.ts';
import type { SlackAppClientSource } from './slack-app-client.ts';
import {
  type BlockActionsPayload,
  parseInteraction,
  submittedText,
  type ViewSubmissionPayload,
} from './slack-interaction-payload.ts';

/** The secret asked of the `SecretSource`: the Slack app's signing secret (Basic Information). */
export const SLACK_SIGNING_SECRET = 'SLACK_SIGNING_SECRET';

export interface SlackInteractionsDeps {
  secrets: SecretSource;
  operations: Pick<RunOperations, 'approve' | 'reject'>;
  /** The Web API client (modals, ephemeral messages), usually `slackAppClient({ secrets })`. */
  slack: SlackAppClientSource;
  clock: Clock;
  logger?: Logger;
  /** Posts to a click's `response_url` (global `fetch` by default). */
  fetch?: typeof fetch;
  maxBodyBytes?: number;
}

/** Nothing to say: Slack wants a 200 within 3 s, and the message update comes from notify. */
const ACK: WebhookResponse = { statusCode: 200, body: {} };

/** The errors that mean "this person cannot do this now": explained to them, nothing changes. */
function isRefusal(error: unknown): error is Error {
  return (
    error instanceof ForbiddenError ||
    error instanceof ConflictError ||
    error instanceof NotFoundError ||
    error instanceof ValidationError
  );
}

/**
 * `POST /slack/interactions`, the Slack app's Interactivity Request URL, free of any HTTP
 * framework. In order: size limit (413) → the signing secret (503 naming where to set it when
 * missing) → Slack's signature over the raw bytes and a timestamp within five minutes (401; the
 * body is not parsed) → the form's `payload=` JSON (400) → then:
 *
 * - **Approve** (`block_actions`, `pushline.approve`, the run id as `value`): `operations.approve`
 *   as the clicking Slack user (mapped to a person by the file's `people:`).
 * - **Reject** (`pushline.reject`): a rejection needs a reason, so it opens a modal
 *   (`views.open` with the click's `trigger_id`, the run id in `private_metadata`); its
 *   `view_submission` calls `operations.reject` — an empty reason is answered with
 *   `response_action: errors` on the input, and the modal stays open.
 * - Someone who may not decide, or a run no longer waiting: an ephemeral message to that person
 *   (the click's `response_url`) — or, from the modal, the modal says why — and nothing changes.
 * - Anything else (other buttons, shortcuts, a closed modal): 200, ignored.
 *
 * It answers at once: the decision is recorded and the run's message is brought up to date by the
 * notify handler when it hears the `Approved` or `Rejected` event, as for every other change.
 */
export function makeSlackInteractions(deps: SlackInteractionsDeps): WebhookHandler {
  const logger = deps.logger ?? silentLogger;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const post = deps.fetch ?? fetch;

  async function receive(request: WebhookRequest): Promise<WebhookResponse> {
    if (request.body.length > maxBodyBytes) {
      throw new PayloadTooLargeError(`body is ${request.body.length} bytes; the limit is ${maxBodyBytes}`);
    }
    const secret = await deps.secrets.get(SLACK_SIGNING_SECRET);
    if (!secret) {
      const where = deps.secrets.whereToSet?.(SLACK_SIGNING_SECRET) ?? `the secret "${SLACK_SIGNING_SECRET}"`;
      throw new MissingSecretError(`the Slack signing secret is not configured: set ${where}`, {
        secret: SLACK_SIGNING_SECRET,
      });
    }
    verifySlackSignature(
      secret,
      {
        body: request.body,
        timestamp: header(request, 'x-slack-request-timestamp'),
        signature: header(request, 'x-slack-signature'),
      },
      deps.clock.now(),
    );
    const interaction = parseInteraction(request.body);
    if (interaction.kind === 'block_actions') return onClick(interaction.payload);
    if (interaction.kind === 'view_submission') return onSubmit(interaction.payload);
    logger.debug?.('slack interaction ignored', { type: interaction.type });
    return ACK;
  }

  async function onClick(payload: BlockActionsPayload): Promise<WebhookResponse> {
    const action = payload.actions.find(
      (a) => a.action_id === APPROVAL_ACTION.Approve || a.action_id === APPROVAL_ACTION.Reject,
    );
    const runId = action?.value;
    if (!action || !runId) return ACK;
    const by = payload.user.id;
    if (action.action_id === APPROVAL_ACTION.Approve) {
      try {
        await deps.operations.approve(runId, { by });
        logger.info('approved from slack', { runId, user: by });
      } catch (error) {
        if (!isRefusal(error)) throw error;
        logger.info('slack approval refused', { runId, user: by, reason: error.message });
        await tell(payload, `:no_entry: Not approved: ${error.message}`);
      }
      return ACK;
    }
    const client = await deps.slack();
    if (!client || !payload.trigger_id) {
      await tell(
        payload,
        `Pushline cannot ask for a reason here (no bot token). Reject with \`pushline reject ${runId} --reason "…"\`.`,
      );
      return ACK;
    }
    try {
      await client.views.open({
        trigger_id: payload.trigger_id,
        view: rejectModal(runId, `run #${shortRunId(runId)}`),
      });
    } catch (error) {
      // An expired trigger (over 3 s) or a Slack outage: say so rather than leave the click unanswered.
      logger.warn('could not open the reject modal', { runId, error: describeError(error) });
      await tell(payload, `Could not open the form to reject run #${shortRunId(runId)}; try again.`);
    }
    return ACK;
  }

  async function onSubmit(payload: ViewSubmissionPayload): Promise<WebhookResponse> {
    const { view } = payload;
    if (view.callback_id !== REJECT_CALLBACK_ID || !view.private_metadata) return ACK;
    const runId = view.private_metadata;
    const reason = submittedText(payload, REASON_INPUT.blockId, REASON_INPUT.actionId);
    if (!reason) {
      return answer({
        response_action: 'errors',
        errors: { [REASON_INPUT.blockId]: 'Say why you reject the run: it goes into the run log.' },
      });
    }
    const by = payload.user.id;
    try {
      await deps.operations.reject(runId, { by, reason });
      logger.info('rejected from slack', { runId, user: by });
      // `clear` closes the modal; Slack wants an answer of this shape within 3 s.
      return answer({ response_action: 'clear' });
    } catch (error) {
      if (!isRefusal(error)) throw error;
      logger.info('slack rejection refused', { runId, user: by, reason: error.message });
      return answer({ response_action: 'update', view: noticeModal('Not rejected', error.message) });
    }
  }

  /**
   * An ephemeral message to the person who clicked, through the click's `response_url` (no scope
   * needed; only they see it), else `chat.postEphemeral` in the message's channel.
   */
  async function tell(payload: BlockActionsPayload, text: string): Promise<void> {
    try {
      if (payload.response_url) {
        const response = await post(payload.response_url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
          signal: AbortSignal.timeout(2_000),
        });
        if (!response.ok) throw new Error(`response_url answered HTTP ${response.status}`);
        return;
      }
      const channel = payload.channel?.id ?? payload.container?.channel_id;
      const client = await deps.slack();
      if (channel && client) await client.chat.postEphemeral({ channel, user: payload.user.id, text });
    } catch (error) {
      logger.warn('could not tell the slack user', { user: payload.user.id, error: describeError(error) });
    }
  }

  return guardWebhook(receive, {
    name: 'slack',
    logger,
    describe: (request) => ({ timestamp: header(request, 'x-slack-request-timestamp') }),
  });
}

function answer(body: Record<string, unknown>): WebhookResponse {
  return { statusCode: 200, body };
}
