/**
 * DOM helpers of the dashboard. Every text that comes from the API goes through `h`/`svg` children,
 * which become text nodes: markup in an incident title or in command output shows as characters and
 * never becomes elements. Nothing here uses innerHTML.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** append adds children to a node: nodes as they are, strings and numbers as text; null, undefined and false are skipped. */
export function append(node, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function assign(node, props, children) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'dataset') {
      for (const [name, data] of Object.entries(value)) {
        if (data !== null && data !== undefined) node.dataset[name] = String(data);
      }
    } else if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else {
      node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  return append(node, children);
}

/** h creates an HTML element with attributes (`dataset`, `on<event>` handlers) and children. */
export function h(tag, props, ...children) {
  return assign(document.createElement(tag), props, children);
}

/** svg creates an SVG element the way `h` creates an HTML one. */
export function svg(tag, props, ...children) {
  return assign(document.createElementNS(SVG_NS, tag), props, children);
}

/** replace empties a node and puts the children in. */
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** SEVERITY_RANK orders severities, worst first. */
export const SEVERITY_RANK = { SEV1: 0, SEV2: 1, SEV3: 2, SEV4: 3 };

/** severityBadge shows a severity; its colour comes from the stylesheet. */
export function severityBadge(severity) {
  return h('span', { class: 'badge sev', dataset: { sev: severity } }, severity);
}

/** riskBadge shows a step's risk: read, write, dangerous or destructive. */
export function riskBadge(risk) {
  return h('span', { class: 'badge risk', dataset: { risk }, title: RISK_MEANING[risk] ?? '' }, risk);
}

const RISK_MEANING = {
  read: 'observes only; runs automatically',
  write: 'reversible change; runs when a responder asks',
  dangerous: 'may interrupt service; needs a confirmation',
  destructive: 'loses data; needs a second person and a backup first',
};

/** statusBadge shows an incident's or a check's status. */
export function statusBadge(status) {
  return h('span', { class: 'badge status', dataset: { status } }, status);
}

const pad = (value) => String(value).padStart(2, '0');

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** formatTime gives a wall-clock time: `14:03:07` today, `3 Feb 14:03` on another day. */
export function formatTime(at, now = Date.now()) {
  const date = new Date(at);
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  if (new Date(now).toDateString() === date.toDateString()) return clock;
  return `${date.getDate()} ${MONTHS[date.getMonth()]} ${clock.slice(0, 5)}`;
}

/** formatStamp gives a full local date and time, `2025-02-03 14:03:07` (Intl would cost a first call of 100 ms). */
export function formatStamp(at) {
  const date = new Date(at);
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** formatDuration gives a short duration: `850ms`, `42s`, `5m`, `1h30m`, `2d4h`. */
export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60)
    return seconds % 60 === 0 || minutes >= 10 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
}

/** ago gives how long ago a moment was: `just now`, `5m ago`. */
export function ago(at, now = Date.now()) {
  const elapsed = now - at;
  return elapsed < 10_000 ? 'just now' : `${formatDuration(elapsed)} ago`;
}

/** timeAgo is a `<time>` showing how long ago `at` was; `refreshTimes` keeps it current. */
export function timeAgo(at) {
  return h(
    'time',
    { datetime: new Date(at).toISOString(), title: formatStamp(at), dataset: { ago: at } },
    ago(at),
  );
}

/** fromNow gives how far off a moment is, either way: `in 5m`, `now`, `5m ago`. */
export function fromNow(at, now = Date.now()) {
  const ahead = at - now;
  if (Math.abs(ahead) < 10_000) return 'now';
  return ahead > 0 ? `in ${formatDuration(ahead)}` : `${formatDuration(-ahead)} ago`;
}

/** timeUntil is a `<time>` showing how far off `at` is (a next due time); `refreshTimes` keeps it current. */
export function timeUntil(at) {
  return h(
    'time',
    { datetime: new Date(at).toISOString(), title: formatStamp(at), dataset: { until: at } },
    fromNow(at),
  );
}

/** refreshTimes rewrites every `timeAgo` and `timeUntil` under `root`. */
export function refreshTimes(root = document) {
  const now = Date.now();
  for (const node of root.querySelectorAll('time[data-ago]')) {
    node.textContent = ago(Number(node.dataset.ago), now);
  }
  for (const node of root.querySelectorAll('time[data-until]')) {
    node.textContent = fromNow(Number(node.dataset.until), now);
  }
}

/** formatPercent gives a ratio as a percentage, rounded down so 99.996% never reads as 100%. */
export function formatPercent(ratio) {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio)) return '–';
  if (ratio >= 1) return '100%';
  return `${(Math.floor(ratio * 10_000) / 100).toFixed(2)}%`;
}

/** problem shows an API error with the fix it suggests. */
export function problem(error) {
  return h(
    'div',
    { class: 'problem', role: 'alert' },
    h('strong', {}, error?.message ?? String(error)),
    error?.fix ? h('p', {}, error.fix) : null,
  );
}

/** section is a titled block of a page, with an anchor id. */
export function section(id, title, ...children) {
  return h(
    'section',
    { id, class: 'block', 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, title),
    children,
  );
}
