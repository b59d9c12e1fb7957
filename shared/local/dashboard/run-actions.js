// Operating a run from its page: Approve and Reject while it waits at the gate, Cancel while it
// runs, Retry once it failed or timed out, Redeploy once its build passed. Each opens one small form (a comment or a reason, and who acts) and posts to the API
// (`POST /api/runs/:id/approve|reject|retry|cancel|redeploy`); a refusal shows the API's own message. The form is
// part of the page, not rebuilt by the two-second refresh, so what someone types is never lost.

import { $ } from './dom.js';
import { waitsForApproval } from './stages.js';

const ACTIONS = {
  approve: {
    title: 'Approve this run',
    label: 'Comment (optional)',
    field: 'comment',
    required: false,
    submit: 'Approve',
    busy: 'Approving…',
    fits: waitsForApproval,
    done: (run) => `Approved by ${run.approval?.decision?.by}: the run goes on.`,
  },
  reject: {
    title: 'Reject this run',
    label: 'Reason (required)',
    field: 'reason',
    required: true,
    submit: 'Reject',
    busy: 'Rejecting…',
    fits: waitsForApproval,
    done: (run) => `Rejected by ${run.approval?.decision?.by}: the run has ended.`,
  },
  retry: {
    title: 'Retry this run from the stage that failed',
    label: 'Reason (optional)',
    field: 'reason',
    required: false,
    submit: 'Retry',
    busy: 'Retrying…',
    fits: (run) => run.status === 'failed' || run.status === 'timed_out',
    done: (run) => `Retried: attempt ${run.attempt} is running.`,
  },
  redeploy: {
    title: "Deploy this run's release again, as a new run (not built again)",
    label: 'Why (optional)',
    field: 'reason',
    required: false,
    submit: 'Redeploy',
    busy: 'Redeploying…',
    fits: (run) =>
      run.status !== 'running' &&
      run.stages.some(
        (stage) =>
          stage.name === 'build' &&
          (stage.status === 'succeeded' || (stage.status === 'skipped' && run.trigger === 'redeploy')),
      ),
    done: (run) => `Redeploying as run ${run.id.slice(-8)}: open /runs/${run.id.slice(-8)} to follow it.`,
  },
  cancel: {
    title: 'Cancel this run',
    label: 'Reason (optional)',
    field: 'reason',
    required: false,
    submit: 'Cancel run',
    busy: 'Cancelling…',
    fits: (run) => run.status === 'running',
    done: (run) => `Run cancelled (${run.reason}).`,
  },
};

/** What a refusal is, by the API's status codes (see shared/local/operation-routes.ts). */
const REFUSED = {
  400: 'Not accepted',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'No such run',
  409: 'Does not fit the run now',
};

/** The dashboard sends no token: a server that wants one is operated from the command line. */
const TOKEN_HINT =
  '. This server wants PUSHLINE_TOKEN, which the dashboard does not send: use pushline approve, reject or cancel.';

/** Who acts, typed once and remembered in this browser; empty: the user running the server. */
const NAME_KEY = 'pushline.actor';

const buttons = () => [...document.querySelectorAll('#action-buttons button[data-action]')];

/** The run the page shows, the form open (which action, for which run) and a request in flight. */
const state = { run: undefined, open: undefined, busy: false };
let refresh = async () => {};

function setBusy(busy) {
  state.busy = busy;
  for (const button of [...buttons(), $('#action-submit'), $('#action-close')]) button.disabled = busy;
  $('#action-form').setAttribute('aria-busy', String(busy));
  $('#action-submit').textContent = busy
    ? ACTIONS[state.open.action].busy
    : ACTIONS[state.open.action].submit;
}

function showError(message) {
  $('#action-error').textContent = message;
  $('#action-text').setAttribute(
    'aria-invalid',
    String(Boolean(message) && ACTIONS[state.open.action].required),
  );
}

function openForm(action) {
  const spec = ACTIONS[action];
  state.open = { action, runId: state.run.id };
  const form = $('#action-form');
  form.dataset.action = action;
  $('#action-title').textContent = spec.title;
  $('#action-text-label').textContent = spec.label;
  $('#action-text').value = '';
  $('#action-text').required = spec.required;
  $('#action-submit').textContent = spec.submit;
  $('#action-submit').className = action;
  $('#action-done').textContent = '';
  showError('');
  for (const button of buttons())
    button.setAttribute('aria-expanded', String(button.dataset.action === action));
  form.hidden = false;
  $('#action-text').focus();
}

function closeForm({ focus = true } = {}) {
  const action = state.open?.action;
  state.open = undefined;
  $('#action-form').hidden = true;
  for (const button of buttons()) button.setAttribute('aria-expanded', 'false');
  const trigger = action && $(`#action-buttons button[data-action="${action}"]`);
  if (focus && trigger && !trigger.hidden) trigger.focus();
}

/** Posts an action; resolves with the API's answer, or throws an Error whose message is the refusal. */
async function post(runId, action, body) {
  let response;
  try {
    response = await fetch(`/api/runs/${encodeURIComponent(runId)}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(`Could not reach the server: ${error.message}`);
  }
  const payload = await response.json().catch(() => undefined);
  if (response.ok) return payload;
  const what = REFUSED[response.status] ?? 'Failed';
  const hint = response.status === 401 ? TOKEN_HINT : '';
  throw new Error(`${what} (${response.status}): ${payload?.error ?? response.statusText}${hint}`);
}

async function submit(event) {
  event.preventDefault();
  if (state.busy || !state.open) return;
  const { action, runId } = state.open;
  const spec = ACTIONS[action];
  const text = $('#action-text').value.trim();
  if (spec.required && !text) {
    showError(`A reason is required to ${action}: say why, so that whoever pushed knows what to fix.`);
    $('#action-text').focus();
    return;
  }
  const by = $('#action-by').value.trim();
  if (by) localStorage.setItem(NAME_KEY, by);
  else localStorage.removeItem(NAME_KEY);
  showError('');
  setBusy(true);
  try {
    const { run } = await post(runId, action, {
      ...(text ? { [spec.field]: text } : {}),
      ...(by ? { by } : {}),
    });
    setBusy(false);
    closeForm({ focus: false });
    // The button pressed may be gone once the run is re-read: the outcome takes the focus instead.
    $('#action-done').textContent = spec.done(run);
    $('#action-done').focus();
  } catch (error) {
    setBusy(false);
    showError(error.message);
  }
  await refresh();
}

/** Wires the buttons and the form once; `onChange` re-reads the run after an action. */
export function setUpActions(onChange) {
  refresh = onChange;
  $('#action-by').value = localStorage.getItem(NAME_KEY) ?? '';
  for (const button of buttons()) button.addEventListener('click', () => openForm(button.dataset.action));
  $('#action-form').addEventListener('submit', submit);
  $('#action-close').addEventListener('click', () => closeForm());
  $('#action-form').addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !state.busy) closeForm();
    // In the text box Enter starts a new line; Ctrl+Enter (⌘+Enter) sends, as in most forms.
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) $('#action-form').requestSubmit();
  });
}

/**
 * Shows the buttons that fit `run` now. An open form stays open even when its action no longer
 * fits (someone else decided meanwhile): sending it then shows the API's refusal, which says why.
 */
export function renderActions(run) {
  if (state.run?.id !== run.id) {
    if (state.open) closeForm({ focus: false });
    $('#action-done').textContent = '';
  }
  state.run = run;
  let any = false;
  for (const button of buttons()) {
    button.hidden = !ACTIONS[button.dataset.action].fits(run);
    button.disabled = state.busy;
    any ||= !button.hidden;
  }
  $('#action-buttons').hidden = !any;
}
