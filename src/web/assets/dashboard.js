/**
 * The dashboard: open incidents first (worst severity, then oldest), then every check with its state,
 * a latency sparkline and its 24-hour uptime; failing checks lead. It stays current from the event
 * stream, and polls every 10 s while the stream is down.
 */
import { api, live, session, showUser } from './api.js';
import {
  formatDuration,
  formatPercent,
  h,
  problem,
  refreshTimes,
  replace,
  SEVERITY_RANK,
  section,
  severityBadge,
  statusBadge,
  svg,
  timeAgo,
} from './dom.js';

const SPARK_WIDTH = 120;
const SPARK_HEIGHT = 28;

/**
 * drawSparkline draws mean latency per minute into a row's SVG as one path; a gap in the data is a
 * gap in the line, and a minute alone between gaps is a dot.
 */
function drawSparkline(chart, values) {
  const path = chart.querySelector('path');
  for (const dot of chart.querySelectorAll('circle')) dot.remove();
  const series = values ?? [];
  let max = 1;
  let last;
  for (const value of series) {
    if (!Number.isFinite(value)) continue;
    if (value > max) max = value;
    last = value;
  }
  chart.classList.toggle('empty', last === undefined);
  if (last === undefined) {
    path.removeAttribute('d');
    chart.setAttribute('aria-label', 'no latency data in the last hour');
    chart.firstChild.textContent = 'no latency data in the last hour';
    return;
  }
  const step = SPARK_WIDTH / Math.max(1, series.length - 1);
  const x = (index) => (index * step).toFixed(1);
  const y = (value) => (SPARK_HEIGHT - 2 - (value / max) * (SPARK_HEIGHT - 4)).toFixed(1);
  let d = '';
  for (let index = 0; index < series.length; index++) {
    const value = series[index];
    if (!Number.isFinite(value)) continue;
    const joined = Number.isFinite(series[index - 1]);
    d += `${joined ? 'L' : 'M'}${x(index)} ${y(value)}`;
    if (!joined && !Number.isFinite(series[index + 1])) {
      chart.append(svg('circle', { cx: x(index), cy: y(value), r: 1.5, class: 'spark-dot' }));
    }
  }
  path.setAttribute('d', d);
  const label = `latency over the last hour: highest ${formatDuration(max)}, latest ${formatDuration(last)}`;
  chart.setAttribute('aria-label', label);
  chart.firstChild.textContent = label;
}

const STATUSES = ['failing', 'unknown', 'ok'];
const FIGURES_MS = 60_000;

const checks = new Map();
const counts = { failing: 0, unknown: 0, ok: 0 };
const groups = Object.fromEntries(
  STATUSES.map((status) => [status, h('ul', { class: 'checks', dataset: { group: status } })]),
);
const summary = h('p', { class: 'summary', 'aria-live': 'polite' });

const incidents = new Map();
const incidentList = h('ul', { class: 'incidents', id: 'incident-list' });
const incidentEmpty = h('p', { class: 'empty' }, 'No open incidents.');
const incidentCount = h('span', { class: 'count' });
const baseTitle = document.title;

// Thousands of rows: each is a copy of this one, its texts filled in afterwards.
const ROW = h(
  'li',
  { class: 'check' },
  h('span', { class: 'dot', 'aria-hidden': 'true' }),
  h(
    'div',
    { class: 'check-main' },
    h('div', { class: 'check-name' }, h('strong', { class: 'name' }), ' ', statusBadge('unknown')),
    h('div', { class: 'meta muted' }),
    h('div', { class: 'target muted' }),
    h('p', { class: 'check-error', hidden: true }),
  ),
  h(
    'div',
    { class: 'check-figures' },
    svg(
      'svg',
      {
        class: 'spark',
        viewBox: `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`,
        width: SPARK_WIDTH,
        height: SPARK_HEIGHT,
        role: 'img',
        preserveAspectRatio: 'none',
      },
      svg('title'),
      svg('path', { class: 'spark-line' }),
    ),
    h('span', { class: 'latency', title: 'latest latency' }),
    h('span', { class: 'uptime', title: 'uptime over the last 24 hours' }, h('span'), h('small', {}, ' 24h')),
  ),
);

function newRow(id) {
  const row = ROW.cloneNode(true);
  row.dataset.check = id;
  const part = (selector) => row.querySelector(selector);
  return {
    row,
    name: part('.name'),
    badge: part('.badge'),
    meta: part('.meta'),
    target: part('.target'),
    error: part('.check-error'),
    spark: part('.spark'),
    latency: part('.latency'),
    uptime: part('.uptime > span'),
  };
}

/** fillCheck writes a check's state into its row; every text goes in as text. */
function fillCheck(parts, state) {
  parts.row.dataset.status = state.status;
  parts.name.textContent = state.name ?? state.id;
  parts.badge.textContent = state.status;
  parts.badge.dataset.status = state.status;
  const every = Number.isFinite(state.every) ? ` · every ${formatDuration(state.every)}` : '';
  parts.meta.textContent = `${state.name ? `${state.id} · ` : ''}${state.probe}${every}`;
  parts.target.textContent = state.target;
  const error = state.status !== 'ok' ? (state.latest?.error ?? '') : '';
  parts.error.textContent = error;
  parts.error.hidden = error === '';
  drawSparkline(parts.spark, state.sparkline);
  parts.latency.textContent = state.latest ? formatDuration(state.latest.latency) : '–';
  parts.uptime.textContent = formatPercent(state.uptime24h);
}

/** place puts a row in its status group, ordered by id as the API lists them (appending is the common case). */
function place(row, status) {
  const group = groups[status] ?? groups.unknown;
  const id = row.dataset.check;
  const last = group.lastElementChild;
  if (!last || last.dataset.check < id) {
    group.append(row);
    return;
  }
  for (const other of group.children) {
    if (other.dataset.check > id) {
      group.insertBefore(row, other);
      return;
    }
  }
  group.append(row);
}

function applyCheck(state) {
  const known = checks.get(state.id);
  // Events and poll answers may cross; the newer observation wins.
  if (known && (known.state.latest?.at ?? 0) > (state.latest?.at ?? 0)) return;
  const status = STATUSES.includes(state.status) ? state.status : 'unknown';
  const parts = known?.parts ?? newRow(state.id);
  // A poll re-reads thousands of checks; only the rows whose figures moved are drawn again.
  const drawn = JSON.stringify([
    status,
    state.name,
    state.target,
    state.every,
    state.latest,
    state.uptime24h,
    state.sparkline,
  ]);
  if (known?.drawn !== drawn) fillCheck(parts, { ...state, status });
  if (!known || known.status !== status) {
    if (known) counts[known.status] -= 1;
    counts[status] += 1;
    place(parts.row, status);
  }
  checks.set(state.id, { state, status, parts, drawn });
}

function removeCheck(id) {
  const known = checks.get(id);
  if (!known) return;
  known.parts.row.remove();
  counts[known.status] -= 1;
  checks.delete(id);
}

function showSummary() {
  replace(
    summary,
    STATUSES.map((status) =>
      h('span', { class: 'tally', dataset: { status } }, `${counts[status]} ${status}`),
    ),
    waiting > 0 ? h('span', { class: 'muted' }, `loading ${waiting} more…`) : null,
  );
}

// Many checks can report within one frame; only the latest state of each is drawn.
const pendingChecks = new Map();
let frame;
function queueCheck(state) {
  pendingChecks.set(state.id, state);
  if (frame !== undefined) return;
  frame = requestAnimationFrame(() => {
    frame = undefined;
    for (const state of pendingChecks.values()) applyCheck(state);
    pendingChecks.clear();
    showSummary();
  });
}

function incidentRow(incident) {
  return h(
    'li',
    {
      class: 'incident',
      dataset: { incident: incident.id, status: incident.status, sev: incident.severity },
    },
    h(
      'a',
      { href: `/incidents/${encodeURIComponent(incident.id)}`, class: 'incident-link' },
      h('span', { class: 'badges' }, severityBadge(incident.severity), statusBadge(incident.status)),
      h(
        'span',
        { class: 'incident-title' },
        h('span', { class: 'incident-id' }, incident.id),
        ' ',
        incident.title,
      ),
      h(
        'span',
        { class: 'muted' },
        'opened ',
        timeAgo(incident.openedAt),
        incident.acknowledgedBy ? ` · acknowledged by ${incident.acknowledgedBy}` : '',
      ),
    ),
  );
}

function byUrgency(a, b) {
  return (
    (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
    a.openedAt - b.openedAt ||
    a.seq - b.seq
  );
}

function showIncidents() {
  const open = [...incidents.values()].sort(byUrgency);
  replace(incidentList, open.map(incidentRow));
  incidentEmpty.hidden = open.length > 0;
  incidentCount.textContent = String(open.length);
  document.title = open.length > 0 ? `(${open.length}) ${baseTitle}` : baseTitle;
}

/** keepIncident records an incident's newest state; it says whether anything changed. */
function keepIncident(incident) {
  const known = incidents.get(incident.id);
  if (known && known.updatedAt > incident.updatedAt) return false;
  if (incident.status === 'resolved') incidents.delete(incident.id);
  else incidents.set(incident.id, incident);
  return true;
}

function applyIncident(incident) {
  if (keepIncident(incident)) showIncidents();
}

const PAGE = 1000;
/** Checks read and drawn before the first view is shown: a screenful, failing checks first. */
const FIRST_VIEW = 50;
/** Rows drawn per task afterwards, so the page answers taps while thousands are drawn. */
const CHUNK = 250;

const yieldToBrowser = () =>
  globalThis.scheduler?.yield
    ? globalThis.scheduler.yield()
    : new Promise((resolve) => setTimeout(resolve, 0));

let backlog = Promise.resolve();
let waiting = 0;

/** applyInChunks draws states a slice per task, after those queued before; it resolves once drawn. */
function applyInChunks(states) {
  waiting += states.length;
  backlog = backlog.then(async () => {
    for (let start = 0; start < states.length; start += CHUNK) {
      const slice = states.slice(start, start + CHUNK);
      for (const state of slice) applyCheck(state);
      waiting -= slice.length;
      showSummary();
      await yieldToBrowser();
    }
  });
  return backlog;
}

function applyOpenIncidents(open) {
  const ids = new Set(open.map((incident) => incident.id));
  for (const id of [...incidents.keys()]) if (!ids.has(id)) incidents.delete(id);
  // The list is drawn once, after every incident is kept: drawing it per incident is quadratic.
  for (const incident of open) keepIncident(incident);
  showIncidents();
}

/**
 * refresh reads the checks and open incidents again and shows them: on the first load, on each poll and
 * after a reconnect. The incidents and a screenful of checks (failing ones lead) are shown first and
 * `shown` is told; the other checks follow a slice at a time.
 */
async function refresh(shown) {
  const openIncidents = api('/api/v1/incidents?status=open&limit=500');
  // Awaited below; if the checks fail first, this one's failure must not go unhandled.
  openIncidents.catch(() => {});
  // A small first page is read and drawn at once; the rest comes in big pages behind it.
  const first = await api(`/api/v1/checks?offset=0&limit=${FIRST_VIEW}`);
  for (const state of first.checks) applyCheck(state);
  showSummary();
  applyOpenIncidents((await openIncidents).incidents);
  shown?.();
  const pages = [];
  for (let offset = first.checks.length; offset < first.total; offset += PAGE) {
    const page = api(`/api/v1/checks?offset=${offset}&limit=${PAGE}`);
    // Awaited in order below; a failure is reported there, not as an unhandled rejection.
    page.catch(() => {});
    pages.push(page);
  }
  const seen = new Set(first.checks.map((state) => state.id));
  for (const page of pages) {
    const answer = await page;
    applyInChunks(answer.checks);
    for (const state of answer.checks) seen.add(state.id);
  }
  await backlog;
  // Only a complete read can tell that a check is gone (the runbook changed).
  for (const id of [...checks.keys()]) if (!seen.has(id)) removeCheck(id);
  showSummary();
}

async function start() {
  const main = document.getElementById('main');
  const signedIn = session();
  replace(
    main,
    h('h1', { class: 'visually-hidden' }, 'Dashboard'),
    section('open-incidents', ['Open incidents ', incidentCount], incidentList, incidentEmpty),
    section(
      'checks',
      'Checks',
      summary,
      STATUSES.map((status) => groups[status]),
    ),
  );
  // Listen first, then load: nothing that happens during the load is missed. Who is signed in is
  // asked at the same time, so the first view costs one round trip, not three.
  live({ check: queueCheck, incident: applyIncident }, () => refresh());
  // The marks let a benchmark read when the first view and the whole list were drawn.
  const loaded = refresh(() => {
    main.dataset.ready = 'true';
    performance.mark('vigie:first-view');
  });
  loaded.catch(() => {});
  showUser(await signedIn);
  await loaded;
  main.dataset.complete = 'true';
  performance.mark('vigie:complete');
  setInterval(() => refreshTimes(incidentList), 15_000);
  // Events tell changes of state; latency and uptime drift without one, so they are read again now and then.
  setInterval(() => refresh().catch(() => {}), FIGURES_MS);
}

start().catch((error) => {
  if (error?.status === 401) return;
  replace(document.getElementById('main'), problem(error));
});
