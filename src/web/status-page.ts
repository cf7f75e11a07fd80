/**
 * The public status page as one HTML document: no JavaScript at all, one inline stylesheet allowed by
 * its hash in the Content-Security-Policy, every text escaped. It reloads itself every minute with a
 * meta refresh, so it stays current in a browser with JavaScript disabled.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type {
  ComponentState,
  DayState,
  OverallState,
  PublicIncident,
  PublicPhase,
  StatusComponent,
  StatusMaintenance,
  StatusModel,
} from '../status/model.ts';

/** STATUS_CSS is the page's stylesheet, inlined in a `<style>` element (no `style` attributes anywhere). */
export const STATUS_CSS = `
:root{--ok:#2f9e44;--warn:#e8890c;--down:#e03131;--maint:#1c7ed6;--none:#ced4da;--fg:#1f2328;--muted:#656d76;--bg:#f6f8fa;--card:#fff;--line:#d0d7de;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--card:#161b22;--line:#30363d;--none:#484f58}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:860px;margin:0 auto;padding:24px 16px 40px}
h1{font-size:1.6rem;margin:0 0 16px}
h2{font-size:1.15rem;margin:32px 0 12px}
h3{font-size:1rem;margin:0}
.banner{border-radius:8px;padding:14px 18px;color:#fff;font-weight:600;font-size:1.1rem}
.banner p{margin:0}
.banner-operational{background:var(--ok)}.banner-degraded{background:var(--warn)}.banner-outage{background:var(--down)}.banner-maintenance{background:var(--maint)}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:0 0 12px}
ul.components,ol.incidents,ul.maintenance{list-style:none;margin:0;padding:0}
.head{display:flex;justify-content:space-between;align-items:baseline;gap:12px;flex-wrap:wrap}
.state{font-size:.9rem;font-weight:600}
.state-operational{color:var(--ok)}.state-degraded{color:var(--warn)}.state-outage{color:var(--down)}.state-maintenance{color:var(--maint)}.state-unknown{color:var(--muted)}
ol.bar{display:flex;gap:2px;list-style:none;margin:10px 0 4px;padding:0;height:32px}
.day{flex:1 1 0;min-width:2px;border-radius:2px;background:var(--none)}
.day:hover{opacity:.7}
.day-operational{background:var(--ok)}.day-degraded{background:var(--warn)}.day-outage{background:var(--down)}
.legend{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem}
.narrow{display:none}
.updates{list-style:none;margin:10px 0 0;padding:0 0 0 12px;border-left:2px solid var(--line)}
.updates li{margin:0 0 8px}
.updates p{margin:0;overflow-wrap:anywhere}
time,.meta{color:var(--muted);font-size:.85rem}
.phase{font-weight:600}
.empty{color:var(--muted)}
footer{margin-top:32px;color:var(--muted);font-size:.85rem}
@media (max-width:600px){main{padding:16px 10px 32px}h1{font-size:1.3rem}.day:nth-child(-n+60){display:none}.wide{display:none}.narrow{display:inline}ol.bar{gap:3px}}
`;

/**
 * STATUS_CSP is the Content-Security-Policy the page is served with: nothing may load or run except
 * the inline stylesheet, allowed by its hash.
 */
export const STATUS_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STATUS_CSS).digest('base64')}'`,
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** REFRESH_SECONDS is how often the page reloads itself. */
export const REFRESH_SECONDS = 60;

const BANNER: Readonly<Record<OverallState, string>> = {
  operational: 'All systems operational',
  degraded: 'Some systems are degraded',
  outage: 'Service outage',
  maintenance: 'Maintenance in progress',
};

const STATE_LABEL: Readonly<Record<ComponentState, string>> = {
  operational: 'Operational',
  degraded: 'Degraded',
  outage: 'Outage',
  maintenance: 'Maintenance',
  unknown: 'No data',
};

const PHASE_LABEL: Readonly<Record<PublicPhase, string>> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

const DAY_STATES: ReadonlySet<DayState> = new Set(['operational', 'degraded', 'outage', 'unknown']);

/** escapeHtml makes any text safe inside HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char as keyof typeof ENTITIES]);
}

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' } as const;

/** formatUptime writes a share as a percentage to 2 decimals, rounded down so 99.999 % never reads 100.00 %. */
export function formatUptime(share: number): string {
  if (share >= 1) return '100%';
  return `${(Math.floor(share * 10_000) / 100).toFixed(2)}%`;
}

/** renderStatusPage renders the status model as a complete HTML document without any script. */
export function renderStatusPage(model: StatusModel): string {
  const open = model.incidents.filter((incident) => incident.status !== 'resolved');
  const past = model.incidents.filter((incident) => incident.status === 'resolved');
  const overall = Object.hasOwn(BANNER, model.overall) ? model.overall : 'operational';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<link rel="icon" href="data:,">
<title>${escapeHtml(model.title)}</title>
<style>${STATUS_CSS}</style>
</head>
<body>
<main>
<header><h1>${escapeHtml(model.title)}</h1></header>
<section class="banner banner-${overall}" role="status"><p>${escapeHtml(BANNER[overall])}</p></section>
${open.length > 0 ? `<section aria-labelledby="h-open"><h2 id="h-open">Current incidents</h2>${incidentList(open)}</section>` : ''}
<section aria-labelledby="h-components"><h2 id="h-components">Components</h2>
${
  model.components.length > 0
    ? `<ul class="components">${model.components.map(component).join('\n')}</ul>`
    : '<p class="empty">No components are listed on this page.</p>'
}
</section>
<section aria-labelledby="h-maintenance"><h2 id="h-maintenance">Scheduled maintenance</h2>
${
  model.maintenance.length > 0
    ? `<ul class="maintenance">${model.maintenance.map(maintenance).join('\n')}</ul>`
    : '<p class="empty">No maintenance scheduled in the next 7 days.</p>'
}
</section>
<section aria-labelledby="h-past"><h2 id="h-past">Past incidents (last 7 days)</h2>
${past.length > 0 ? incidentList(past) : '<p class="empty">No incidents in the last 7 days.</p>'}
</section>
<footer><p>Last updated ${time(model.generatedAt)}. This page refreshes every minute.</p></footer>
</main>
</body>
</html>
`;
}

/** renderUnavailable is the page served when the model cannot be built: no detail of why. */
export function renderUnavailable(title = 'Status'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title><style>${STATUS_CSS}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p class="empty">The status page is temporarily unavailable. It will retry in a minute.</p></main></body></html>
`;
}

/** StatusPageOptions give the route its model and where to report a failure to build it. */
export interface StatusPageOptions {
  /** Builds the current model (the lead's `buildStatus` with the live stores and clock). */
  readonly model: () => Promise<StatusModel>;
  /** Told when the model cannot be built; the visitor sees a plain 503 page. */
  readonly onError?: (error: unknown) => void;
}

/**
 * registerStatusPage serves `GET /status` (and HEAD): the HTML page, never cached, with a CSP that
 * allows no script and only the page's own inline stylesheet. It needs no token.
 */
export function registerStatusPage(app: FastifyInstance, options: StatusPageOptions): void {
  app.get('/status', async (_request, reply) => {
    let html: string;
    let code = 200;
    try {
      html = renderStatusPage(await options.model());
    } catch (error) {
      options.onError?.(error);
      html = renderUnavailable();
      code = 503;
    }
    return reply
      .code(code)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', STATUS_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(html);
  });
}

function component(item: StatusComponent): string {
  const cells = item.days
    .map((day) => {
      // The state lands in a class name: only a known one may, whatever the model holds.
      const state = DAY_STATES.has(day.state) ? day.state : 'unknown';
      const label = `${day.date}: ${day.uptime === undefined ? 'no data' : formatUptime(day.uptime)}`;
      return `<li class="day day-${state}" title="${escapeHtml(label)}"></li>`;
    })
    .join('');
  const state = Object.hasOwn(STATE_LABEL, item.state) ? item.state : 'unknown';
  const uptime = item.uptime90d === undefined ? 'no data' : `${formatUptime(item.uptime90d)} uptime`;
  return `<li class="card component">
<div class="head"><h3>${escapeHtml(item.name)}</h3><span class="state state-${state}">${STATE_LABEL[state]}</span></div>
<ol class="bar" aria-label="${escapeHtml(`${item.name}: uptime per day over the last ${item.days.length} days`)}">${cells}</ol>
<div class="legend"><span><span class="wide">${item.days.length} days ago</span><span class="narrow">30 days ago</span></span><span>${escapeHtml(uptime)}</span><span>Today</span></div>
</li>`;
}

function incidentList(incidents: readonly PublicIncident[]): string {
  return `<ol class="incidents">${incidents.map(incident).join('\n')}</ol>`;
}

function incident(item: PublicIncident): string {
  const phase = Object.hasOwn(PHASE_LABEL, item.status) ? PHASE_LABEL[item.status] : 'Investigating';
  const updates = [...item.updates]
    .reverse()
    .map((update) => `<li>${time(update.at)}<p>${escapeHtml(update.text)}</p></li>`)
    .join('');
  return `<li class="card incident">
<div class="head"><h3>${escapeHtml(item.title)}</h3><span class="phase">${phase}</span></div>
<p class="meta">Started ${time(item.openedAt)}${item.resolvedAt === undefined ? '' : ` · Resolved ${time(item.resolvedAt)}`}</p>
${updates === '' ? '' : `<ol class="updates">${updates}</ol>`}
</li>`;
}

function maintenance(item: StatusMaintenance): string {
  return `<li class="card"><div class="head"><h3>${escapeHtml(item.title)}</h3></div>
<p class="meta">${time(item.start)} – ${time(item.end)}</p></li>`;
}

function time(at: number): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC</time>`;
}
