// Pushline's dashboard: a dependency-free page over the JSON API (GET /api/runs, GET /api/runs/:id).
// It polls every two seconds; what it shows is always the store's current state. The run page also
// operates the run (approve, reject, cancel: run-actions.js).

import { $, ago, duration, el, shortId, words } from './dom.js';
import { renderGate } from './gate.js';
import { renderActions, setUpActions } from './run-actions.js';
import { shownStages, stageWords, waitsForApproval } from './stages.js';

function refName(source) {
  return source.branch ?? source.tag ?? source.ref;
}

async function getJson(url) {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${(await response.text()).slice(0, 200)}`);
  return response.json();
}

function stagePills(run) {
  return el(
    'ol',
    { class: 'stages' },
    shownStages(run).map((stage) =>
      el('li', {
        class: `stage ${stage.status}`,
        title: `${stage.name}: ${stageWords(stage)}`,
        'data-stage': stage.name,
      }),
    ),
  );
}

/** A run waiting at its gate says so beside its stages, where a glance at the list finds it. */
function gateBadge(run) {
  return waitsForApproval(run) ? el('span', { class: 'badge waiting' }, 'waiting for approval') : null;
}

async function renderRuns() {
  const pipeline = $('#pipeline-filter').value;
  const { runs } = await getJson(
    `/api/runs?limit=50${pipeline ? `&pipeline=${encodeURIComponent(pipeline)}` : ''}`,
  );
  const body = $('#runs tbody');
  body.replaceChildren(
    ...runs.map((run) =>
      el(
        'tr',
        { class: 'run-row', 'data-run-id': run.id, onclick: () => navigate(`/runs/${shortId(run.id)}`) },
        el(
          'td',
          { class: 'mono', title: run.id },
          el('a', { href: `/runs/${shortId(run.id)}` }, shortId(run.id)),
        ),
        el('td', {}, run.pipeline),
        el('td', {}, refName(run.source)),
        el('td', { class: 'mono', title: run.source.message }, run.source.commit.slice(0, 7)),
        el('td', {}, stagePills(run), gateBadge(run)),
        el('td', { class: `status ${run.status}` }, words(run.status)),
        el('td', {}, ago(run.createdAt)),
        el('td', {}, duration(run.durationSeconds)),
      ),
    ),
  );
  $('#empty').hidden = runs.length > 0;
  const select = $('#pipeline-filter');
  for (const name of new Set(runs.map((run) => run.pipeline))) {
    if (![...select.options].some((option) => option.value === name))
      select.append(el('option', { value: name }, name));
  }
}

function describe(entry) {
  const data = entry.data ?? {};
  if (entry.disposition === 'ignored') return `ignored: ${entry.reason}`;
  const parts = [];
  if (data.by) parts.push(`by ${data.by}`);
  if (data.comment) parts.push(`“${data.comment}”`);
  if (data.approvers)
    parts.push(data.approvers.length ? `approvers: ${data.approvers.join(', ')}` : 'anyone may decide');
  if (data.stagingUrl) parts.push(data.stagingUrl);
  if (data.tests?.total === 0) parts.push('no test report');
  else if (data.tests) parts.push(`${data.tests.passed}/${data.tests.total} tests passed`);
  if (data.failingTests?.length) parts.push(`failing: ${data.failingTests.join(', ')}`);
  if (data.reason) parts.push(data.reason);
  if (data.verdict) parts.push(`${data.verdict.result}: ${data.verdict.reason}`);
  if (data.outcome) parts.push(`outcome: ${data.outcome}`);
  if (data.trafficPercent !== undefined) parts.push(`${data.trafficPercent}% of traffic`);
  if (data.url) parts.push(data.url);
  return parts.join(' · ');
}

const NO_TEST_REPORT =
  'no test report was read: add a reports: section to buildspec.yml naming your JUnit XML files (file-format: JUNITXML); see docs/local-builds.md';

async function renderRun(id) {
  const run = await getJson(`/api/runs/${encodeURIComponent(id)}`);
  const { events = [], notes = [] } = run;
  $('#run-title').replaceChildren(
    `${run.pipeline} `,
    el('span', { class: 'mono', title: run.id }, shortId(run.id)),
    ' ',
    el('span', { class: `status ${run.status}` }, words(run.status)),
    ...(waitsForApproval(run) ? [' ', gateBadge(run)] : []),
  );
  const source = run.source;
  $('#run-source').replaceChildren(
    el('span', { class: 'mono' }, source.commit.slice(0, 7)),
    ` on ${refName(source)} by ${source.author}: `,
    el('q', {}, source.message.split('\n')[0]),
    ...(run.reason ? [el('div', {}, `Reason: ${run.reason}`)] : []),
  );
  $('#run-stages').replaceChildren(
    ...shownStages(run).map((stage) =>
      el(
        'li',
        { class: stage.status, 'data-stage': stage.name },
        el('div', { class: 'name' }, stage.name),
        el('div', { class: 'meta' }, stageWords(stage)),
        el('div', { class: 'meta' }, duration(stage.durationSeconds)),
        stage.reason ? el('div', { class: 'meta' }, stage.reason) : null,
      ),
    ),
  );
  renderGate($('#run-gate'), run);
  renderActions(run);
  const facts = [];
  if (run.build?.tests?.total === 0) facts.push(['Tests', NO_TEST_REPORT]);
  else if (run.build?.tests)
    facts.push([
      'Tests',
      `${run.build.tests.passed} passed, ${run.build.tests.failed} failed, ${run.build.tests.skipped} skipped`,
    ]);
  if (run.build?.failingTests?.length) facts.push(['Failing tests', run.build.failingTests.join(', ')]);
  if (run.build?.buildId)
    facts.push([
      'Build log',
      el('a', { href: `/api/runs/${run.id}/logs/build`, class: 'build-log' }, run.build.buildId),
    ]);
  if (run.staging?.url) facts.push(['Staging', el('a', { href: run.staging.url }, run.staging.url)]);
  if (run.canary?.verdict)
    facts.push(['Canary', `${run.canary.verdict.result}: ${run.canary.verdict.reason}`]);
  $('#run-facts').replaceChildren(
    facts.length
      ? el(
          'dl',
          {},
          facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
        )
      : '',
  );
  $('#events tbody').replaceChildren(
    ...events.map((entry) =>
      el(
        'tr',
        { class: entry.disposition },
        el('td', {}, entry.seq),
        el('td', {}, new Date(entry.at).toLocaleTimeString()),
        el('td', {}, entry.detailType),
        el('td', {}, entry.stage),
        el('td', {}, describe(entry)),
      ),
    ),
  );
  $('#run-notes').replaceChildren(
    ...notes.map((note) => el('div', { class: 'note' }, `${note.kind}: ${note.message}`)),
  );
}

function navigate(path) {
  history.pushState({}, '', path);
  refresh();
}

async function refresh() {
  const match = /^\/runs\/([^/]+)$/.exec(location.pathname);
  $('#runs-view').hidden = Boolean(match);
  $('#run-view').hidden = !match;
  try {
    if (match) await renderRun(decodeURIComponent(match[1]));
    else await renderRuns();
    $('#error').hidden = true;
    $('#live').classList.remove('stale');
  } catch (error) {
    $('#error').textContent = `Could not load: ${error.message}`;
    $('#error').hidden = false;
    $('#live').classList.add('stale');
  }
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[href^="/runs/"], a#back, a.brand');
  if (link && !event.metaKey && !event.ctrlKey) {
    event.preventDefault();
    navigate(link.getAttribute('href'));
  }
});
window.addEventListener('popstate', refresh);
$('#pipeline-filter').addEventListener('change', refresh);
setUpActions(refresh);
refresh();
setInterval(refresh, 2000);
