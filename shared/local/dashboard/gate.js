// The approval gate on the run page: who may decide and where to look while it waits, who decided
// once it is decided. Shown only for a run whose gate was requested (`run.approval`).

import { ago, duration, el, when } from './dom.js';
import { stageOf, stagingUrl, waitsForApproval } from './stages.js';

function whoMayDecide(approvers) {
  return approvers.length > 0
    ? ['May decide: ', el('strong', {}, approvers.join(', '))]
    : ['Anyone who can reach this server may decide.'];
}

/** "times out in 23h 59m", from when the gate was requested and how long it waits. */
function timeLeft(run) {
  const { startedAt } = stageOf(run, 'approval');
  if (!startedAt) return null;
  const ends = Date.parse(startedAt) + run.approval.timeoutSeconds * 1000;
  const left = Math.max(0, Math.round((ends - Date.now()) / 1000));
  return `Requested ${ago(startedAt)}; times out in ${duration(left)} (${when(new Date(ends).toISOString())}).`;
}

function waiting(run) {
  const url = stagingUrl(run);
  return [
    el('h2', { id: 'gate-title' }, 'Waiting for approval'),
    el('p', { class: 'gate-who' }, whoMayDecide(run.approval.approvers)),
    url
      ? el('p', { class: 'gate-staging' }, 'Look at staging first: ', el('a', { href: url }, url))
      : el('p', { class: 'gate-staging' }, 'Staging has no URL for this run.'),
    el('p', { class: 'meta' }, timeLeft(run)),
  ];
}

function decided(run) {
  const { verdict, by, at, comment } = run.approval.decision;
  return [
    el('h2', { id: 'gate-title' }, verdict === 'approved' ? 'Approved' : 'Rejected'),
    el(
      'p',
      { class: 'gate-decision' },
      `${verdict === 'approved' ? 'Approved' : 'Rejected'} by `,
      el('strong', {}, by),
      ` at ${when(at)} (${ago(at)})`,
      comment ? ':' : '.',
    ),
    comment ? el('blockquote', { class: 'gate-comment' }, comment) : null,
  ];
}

function undecided(run) {
  const why = stageOf(run, 'approval').reason ?? run.reason;
  return [
    el('h2', { id: 'gate-title' }, 'Not decided'),
    el(
      'p',
      {},
      `The run ended ${run.status.replaceAll('_', ' ')} before anyone decided${why ? `: ${why}` : '.'}`,
    ),
    el('p', { class: 'gate-who' }, whoMayDecide(run.approval.approvers)),
  ];
}

/** Fills `section` with the gate of `run`, or hides it when the run has none. */
export function renderGate(section, run) {
  section.hidden = !run.approval;
  if (!run.approval) return;
  const state = run.approval.decision?.verdict ?? (waitsForApproval(run) ? 'waiting' : 'undecided');
  section.className = `gate ${state}`;
  const parts = state === 'waiting' ? waiting(run) : run.approval.decision ? decided(run) : undecided(run);
  // `replaceChildren` would write a null as the text "null".
  section.replaceChildren(...parts.filter(Boolean));
}
