/**
 * The status page model against the real embedded stores on a temp file, with a fixed `now`: component
 * states, 90-day bars read from hour roll-ups only (raw and minute rows pruned first), public incidents
 * (never an internal one, never an internal word) and scheduled maintenance.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { compilePolicy } from '../../src/escalation/policy.ts';
import { type FiringAlert, IncidentService } from '../../src/incidents/service.ts';
import type { RunbookConfig } from '../../src/runbook/schema.ts';
import { BAR_DAYS, buildStatus, type StatusComponent, type StatusModel } from '../../src/status/model.ts';
import type { IncidentStore } from '../../src/store/incidents.ts';
import { openSqliteIncidentStore } from '../../src/store/incidents-sqlite.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { ObservationStore, StoredObservation } from '../../src/store/store.ts';
import { DAY, HOUR, MINUTE, scratchDir } from '../store/support.ts';

const TODAY = Date.UTC(2026, 10, 24);
const NOW = TODAY + 12 * HOUR + 30 * MINUTE;
const STEP = 5 * MINUTE;
const PER_DAY = DAY / STEP;

const runbook: RunbookConfig = {
  name: 'shop',
  checks: [
    { id: 'api-http', probe: 'http', target: 'https://admin:hunter2@api.internal/health' },
    { id: 'api-tls', probe: 'tls', target: 'api.internal:8443' },
    { id: 'web-http', probe: 'http', target: 'https://www.internal/' },
    { id: 'search-http', probe: 'http', target: 'http://search.internal:9200/_health' },
    { id: 'queue-depth', probe: 'queue', target: 'jobs', service: 'cache' },
    { id: 'pg', probe: 'postgres', target: 'postgres://vigie:s3cret@db.internal/shop' },
  ],
  maintenance: [
    {
      id: 'reindex',
      title: 'Search index rebuild',
      schedule: '0 12 * * *',
      duration: '1h',
      affects: ['search-http'],
    },
    {
      id: 'vacuum',
      title: 'VACUUM FULL on db.internal',
      schedule: '0 3 * * *',
      duration: '2h',
      affects: ['pg'],
    },
  ],
  status_page: {
    title: 'Shop status',
    components: [
      { id: 'api', name: 'API', checks: ['api-http', 'api-tls'] },
      { id: 'website', name: 'Website', checks: ['web-http'] },
      { id: 'search', name: 'Search', checks: ['search-http'] },
      { id: 'jobs', name: 'Background jobs', checks: ['queue-depth'] },
    ],
  },
};

/** Observations every 5 minutes in [from, to), failing where `fails` says. */
function samples(checkId: string, from: number, to: number, fails: (at: number) => boolean = () => false) {
  const rows: StoredObservation[] = [];
  for (let at = from; at < to; at += STEP) {
    const ok = !fails(at);
    rows.push({
      checkId,
      at,
      ok,
      latency: 20,
      ...(ok ? {} : { error: 'connect ECONNREFUSED 10.0.0.7:443' }),
    });
  }
  return rows;
}

/** A store wrapper that counts reads and refuses raw ones, so the test sees what the model costs. */
function counting(store: ObservationStore) {
  const calls: Record<string, number> = {};
  const wrapped = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(name)] = (calls[String(name)] ?? 0) + 1;
        if (name === 'range') throw new Error('the status page must not read raw observations');
        return value.apply(target, args);
      };
    },
  });
  return { store: wrapped, calls };
}

function setupIncidents(store: IncidentStore) {
  let now = NOW;
  const policy = compilePolicy('default', [{ after: '0m', notify: ['alice'] }]);
  const service = new IncidentService({
    store,
    now: () => now,
    scenarios: new Map(),
    policies: new Map([['default', policy]]),
    defaultPolicy: policy,
    directory: {
      contacts: [{ id: 'alice', name: 'Alice', email: 'alice@example.com', channels: ['mail'] }],
      rotations: {},
      channels: { mail: { type: 'email' } },
    },
    settings: { reopenWithin: 30 * MINUTE, autoResolve: false, defaultSeverity: 'SEV3' },
    mask: (text) => text,
    wake: () => {},
  });
  const at = (time: number) => {
    now = time;
  };
  const fire = (alert: Omit<FiringAlert, 'source' | 'dedupKey'> & { source?: FiringAlert['source'] }) =>
    service.fire({ source: 'rule', dedupKey: alert.key, ...alert }).incident!;
  return { service, at, fire };
}

describe('buildStatus on the embedded stores', () => {
  const dir = scratchDir();
  const path = join(dir, 'vigie.sqlite');
  let model: StatusModel;
  let calls: Record<string, number>;
  let ids: Record<string, string>;
  const component = (id: string): StatusComponent => {
    const found = model.components.find((candidate) => candidate.id === id);
    assert.ok(found, `component ${id}`);
    return found;
  };

  before(async () => {
    // Raw and minute rows are kept 1 ms, so after prune only the hour roll-ups (and latest rows) remain.
    const observations = openSqliteStore(path, { now: () => NOW, rawRetentionMs: 1, minuteRetentionMs: 1 });
    const from = TODAY - 4 * DAY;
    await observations.append([
      ...samples('api-http', from, NOW, (at) => at === TODAY - 2 * DAY),
      ...samples('api-tls', from, NOW, (at) => at === NOW - STEP),
      // The website fails half of a day three days ago, and its last three runs today.
      ...samples(
        'web-http',
        from,
        NOW,
        (at) => (at >= TODAY - 3 * DAY && at < TODAY - 3 * DAY + 12 * HOUR) || at >= NOW - 3 * STEP,
      ),
    ]);
    await observations.append(samples('search-http', TODAY - DAY, NOW));
    await observations.append(samples('pg', TODAY, NOW, () => true));
    await observations.flush();
    await observations.prune(NOW);
    assert.deepEqual(await observations.range('api-http', 0, NOW), [], 'raw rows are gone');
    assert.deepEqual(await observations.rollups('api-http', 'minute', 0, NOW), [], 'minute rows are gone');

    const incidents = openSqliteIncidentStore(path);
    const { service, at, fire } = setupIncidents(incidents);

    at(NOW - 2 * HOUR);
    const tls = fire({
      key: 'rule:api-tls-down',
      name: 'TLS handshake failing on api.internal',
      labels: { alert: 'api-tls-down', check: 'api-tls' },
      severity: 'SEV2',
      summary: 'handshake to https://admin:hunter2@api.internal:8443 failed',
    });
    at(NOW - 90 * MINUTE);
    service.acknowledge(tls.id, 'alice');
    at(NOW - 80 * MINUTE);
    service.comment(tls.id, 'alice', 'public: We found an expired certificate and are renewing it.');
    at(NOW - 70 * MINUTE);
    service.comment(tls.id, 'alice', 'restarting nginx on db.internal, root password in the vault');

    at(NOW - HOUR);
    const internal = fire({
      key: 'rule:pg-down',
      name: 'Postgres down',
      labels: { alert: 'pg-down', check: 'pg' },
      severity: 'SEV1',
      summary: 'postgres://vigie:s3cret@db.internal refused',
    });

    at(NOW - 3 * DAY - 2 * HOUR);
    const past = fire({
      key: 'rule:web-down',
      name: 'web down',
      labels: { check: 'web-http' },
      severity: 'SEV1',
    });
    at(NOW - 3 * DAY - HOUR);
    service.clear('rule:web-down');
    at(NOW - 3 * DAY - 30 * MINUTE);
    service.resolve(past.id, 'alice', 'rolled back deploy 4f2a on web-3.internal');

    at(NOW - 10 * DAY - HOUR);
    const old = fire({
      key: 'rule:web-old',
      name: 'web down',
      labels: { check: 'web-http' },
      severity: 'SEV1',
    });
    at(NOW - 10 * DAY);
    service.resolve(old.id, 'alice');

    at(NOW - 30 * MINUTE);
    const cdn = fire({
      key: 'webhook:cdn',
      source: 'webhook',
      name: 'CDN 5xx above 2%',
      labels: { alertname: 'CDN 5xx above 2%', component: 'website' },
      severity: 'SEV3',
    });
    at(NOW - 20 * MINUTE);
    service.clear('webhook:cdn');

    incidents.addWindow({
      id: 'win_web',
      title: 'Website hosting migration',
      matchers: ['check=web-http'],
      startsAt: NOW + 2 * DAY,
      endsAt: NOW + 2 * DAY + 2 * HOUR,
      createdBy: 'alice',
      createdAt: NOW,
      purpose: 'announced',
    });
    incidents.addWindow({
      id: 'win_pg',
      title: 'Postgres upgrade',
      matchers: ['check=pg'],
      startsAt: NOW + DAY,
      endsAt: NOW + DAY + HOUR,
      createdBy: 'alice',
      createdAt: NOW,
      purpose: 'announced',
    });
    // Vigie's own window around a deploy quiets alerts; the public does not hear of it.
    incidents.addWindow({
      id: 'win_deploy',
      title: 'Deploy 7: v2.4 hotfix with the secret pricing change',
      matchers: [],
      startsAt: NOW + HOUR,
      endsAt: NOW + 2 * HOUR,
      createdBy: 'alice',
      createdAt: NOW,
      purpose: 'deploy',
    });
    incidents.addWindow({
      id: 'win_late',
      title: 'Far away',
      matchers: [],
      startsAt: NOW + 10 * DAY,
      endsAt: NOW + 10 * DAY + HOUR,
      createdBy: 'alice',
      createdAt: NOW,
      purpose: 'announced',
    });

    const counted = counting(observations);
    calls = counted.calls;
    model = await buildStatus({ runbook, observations: counted.store, incidents, now: NOW });
    ids = { tls: tls.id, internal: internal.id, past: past.id, old: old.id, cdn: cdn.id };
    await observations.close();
    incidents.close();
  });

  it('gives each component its state from the latest runs and maintenance', () => {
    assert.equal(model.title, 'Shop status');
    assert.equal(model.generatedAt, NOW);
    assert.deepEqual(
      model.components.map((item) => [item.id, item.name, item.state]),
      [
        ['api', 'API', 'degraded'], // one of two checks failing
        ['website', 'Website', 'outage'], // its only check failing
        ['search', 'Search', 'maintenance'], // inside the 12:00–13:00 reindex window
        ['jobs', 'Background jobs', 'unknown'], // never ran
      ],
    );
    assert.equal(model.overall, 'outage');
  });

  it('draws 90 UTC days, oldest first, from hour roll-ups, combining checks by the worst', () => {
    for (const item of model.components) {
      assert.equal(item.days.length, BAR_DAYS);
      assert.equal(item.days[0]!.date, '2026-08-27');
      assert.equal(item.days.at(-1)!.date, '2026-11-24');
    }
    const api = component('api').days;
    assert.deepEqual(api[84], { date: '2026-11-19', state: 'unknown' }, 'before any data');
    assert.deepEqual(api[85], { date: '2026-11-20', uptime: 1, state: 'operational' });
    assert.deepEqual(api[87], { date: '2026-11-22', uptime: (PER_DAY - 1) / PER_DAY, state: 'degraded' });
    // Today so far: api-http 150/150, api-tls 149/150; the worst wins.
    assert.deepEqual(api[89], { date: '2026-11-24', uptime: 149 / 150, state: 'degraded' });

    const web = component('website').days;
    assert.deepEqual(web[86], { date: '2026-11-21', uptime: 0.5, state: 'outage' });
    assert.deepEqual(web[89], { date: '2026-11-24', uptime: 147 / 150, state: 'degraded' });

    const total = 4 * PER_DAY + 150;
    assert.equal(component('api').uptime90d, (total - 1) / total);
    assert.equal(component('website').uptime90d, (total - PER_DAY / 2 - 3) / total);
    assert.equal(component('jobs').uptime90d, undefined);
    assert.ok(component('jobs').days.every((day) => day.state === 'unknown' && day.uptime === undefined));
  });

  it('stays cheap: one latest read, one roll-up uptime per check per day, no raw rows', () => {
    const checks = 5;
    assert.deepEqual(calls, { latest: 1, uptime: checks * (BAR_DAYS + 1) });
  });

  it('shows open and recently resolved incidents that touch a component, never internal ones', () => {
    assert.deepEqual(
      model.incidents.map((incident) => [incident.id, incident.title, incident.severity, incident.status]),
      [
        [ids.cdn, 'Degraded service affecting Website', 'SEV3', 'monitoring'],
        [ids.tls, 'Partial outage affecting API', 'SEV2', 'identified'],
        [ids.past, 'Major outage affecting Website', 'SEV1', 'resolved'],
      ],
    );
    const shown = model.incidents.map((incident) => incident.id);
    assert.ok(!shown.includes(ids.internal!), 'an incident on an internal check never shows');
    assert.ok(!shown.includes(ids.old!), 'resolved more than 7 days ago');
  });

  it('words updates for the public and keeps only public comments', () => {
    const tls = model.incidents.find((incident) => incident.id === ids.tls)!;
    assert.equal(tls.openedAt, NOW - 2 * HOUR);
    assert.equal(tls.resolvedAt, undefined);
    assert.deepEqual(tls.updates, [
      { at: NOW - 2 * HOUR, text: 'Investigating — We are investigating a problem affecting API.' },
      { at: NOW - 90 * MINUTE, text: 'Identified — Our team is working on the problem.' },
      { at: NOW - 80 * MINUTE, text: 'We found an expired certificate and are renewing it.' },
    ]);
    const past = model.incidents.find((incident) => incident.id === ids.past)!;
    assert.equal(past.resolvedAt, NOW - 3 * DAY - 30 * MINUTE);
    assert.deepEqual(
      past.updates.map((update) => update.text.split(' — ')[0]),
      ['Investigating', 'Monitoring', 'Resolved'],
    );
  });

  it('lists maintenance of the next 7 days that covers a component', () => {
    assert.deepEqual(
      model.maintenance.map((item) => [
        item.title,
        new Date(item.start).toISOString(),
        item.end - item.start,
      ]),
      [
        ['Search index rebuild', '2026-11-24T12:00:00.000Z', HOUR],
        ['Search index rebuild', '2026-11-25T12:00:00.000Z', HOUR],
        ['Website hosting migration', '2026-11-26T12:30:00.000Z', 2 * HOUR],
        ['Search index rebuild', '2026-11-26T12:00:00.000Z', HOUR],
        ['Search index rebuild', '2026-11-27T12:00:00.000Z', HOUR],
        ['Search index rebuild', '2026-11-28T12:00:00.000Z', HOUR],
        ['Search index rebuild', '2026-11-29T12:00:00.000Z', HOUR],
        ['Search index rebuild', '2026-11-30T12:00:00.000Z', HOUR],
        ['Search index rebuild', '2026-12-01T12:00:00.000Z', HOUR],
      ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
    assert.equal(
      new Set(model.maintenance.map((item) => item.id)).size,
      model.maintenance.length,
      'ids unique',
    );
    assert.ok(model.maintenance.some((item) => item.id === 'win_web'));
  });

  it('never exposes targets, summaries, internal names, private comments or secrets', () => {
    const json = JSON.stringify(model);
    for (const secret of [
      'hunter2',
      's3cret',
      'internal',
      'ECONNREFUSED',
      'handshake',
      'TLS handshake',
      'CDN 5xx',
      'nginx',
      'alice',
      'VACUUM',
      'Postgres',
      'rolled back',
      'public:',
    ]) {
      assert.ok(!json.includes(secret), `the model mentions ${secret}`);
    }
  });
});

describe('buildStatus edge cases', () => {
  it('gives an empty page when the runbook has no status_page, and names it after the runbook', async () => {
    const observations = openSqliteStore(':memory:', { now: () => NOW });
    const incidents = openSqliteIncidentStore(':memory:');
    const model = await buildStatus({ runbook: { name: 'shop' }, observations, incidents, now: NOW });
    assert.deepEqual(model, {
      title: 'shop status',
      generatedAt: NOW,
      overall: 'operational',
      components: [],
      incidents: [],
      maintenance: [],
    });
    await observations.close();
    incidents.close();
  });

  it('puts every component under maintenance inside a stored window without matchers', async () => {
    const observations = openSqliteStore(':memory:', { now: () => NOW });
    const incidents = openSqliteIncidentStore(':memory:');
    await observations.append(samples('api-http', NOW - HOUR, NOW, () => true));
    await observations.flush();
    incidents.addWindow({
      id: 'win_all',
      title: 'Datacenter move',
      matchers: [],
      startsAt: NOW - HOUR,
      endsAt: NOW + HOUR,
      createdBy: 'alice',
      createdAt: NOW,
      purpose: 'announced',
    });
    const page: RunbookConfig = {
      name: 'shop',
      status_page: { components: [{ id: 'api', name: 'API', checks: ['api-http'] }] },
    };
    const model = await buildStatus({ runbook: page, observations, incidents, now: NOW });
    assert.equal(
      model.components[0]!.state,
      'maintenance',
      'a failing check under maintenance is not an outage',
    );
    assert.equal(model.overall, 'maintenance');
    assert.deepEqual(model.maintenance, [
      { id: 'win_all', title: 'Datacenter move', start: NOW - HOUR, end: NOW + HOUR },
    ]);
    // Windows passed in replace the defaults.
    const none = await buildStatus({ runbook: page, observations, incidents, now: NOW, windows: [] });
    assert.equal(none.components[0]!.state, 'outage');
    await observations.close();
    incidents.close();
  });
});
