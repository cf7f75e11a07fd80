/**
 * Derived checks: the health checks a runbook already spells out as commands (`curl …/health/ready`
 * with its expected JSON, `pg_isready`, `SELECT 1`, `redis-cli ping`, `LLEN <queue>`, `df -h`,
 * `openssl x509 … -dates`, a monitoring script) become `checks`, and the hosts and credentials they
 * use become `services` written as `${ENV}` references, never as pasted values.
 */
import type { Check, Service, Step } from '../schema.ts';
import { normalise } from './lexicon/index.ts';
import { slugify } from './outline.ts';

/** Found is a step with the section it stands in, as the derivation reads it. */
export interface Found {
  readonly step: Step;
  /** Prose of the same section ("En cas de latence excessive (>1s)…"), for bounds stated in words. */
  readonly prose: string;
}

/** Derived is the checks and services read from a document's commands. */
export interface Derived {
  readonly checks: Check[];
  readonly services: Record<string, Service>;
}

const URL_IN = /\bhttps?:\/\/[^\s"'`)|>]+/;
const HEALTH_PATH = /\/(?:health|healthz|healthcheck|ready|readyz|live|livez|ping|status)(?:\/[\w-]*)*\/?$/i;
const REDIS_ENV = /REDIS\w*(?:URL|DSN|URI)$/;
const ENV_REF = /\$\{?([A-Z][A-Z0-9_]*)\}?/g;
const MONITOR_SCRIPT =
  /(?:^|\s)((?:[\w./-]*\/)?[\w.-]*(?:monitor|check|health|fresh|anomal|probe)[\w.-]*\.(?:py|sh|js|ts|rb))\b/i;
const LATENCY_BOUND =
  /(?:latenc\w*|latency|temps de reponse|response time|slow|lent\w*)[^.]*?(?:>|above|over|plus de|superieure? a)\s*(\d+(?:[.,]\d+)?)\s*(ms|s)\b/;

/** envName turns a service id into the environment variable holding its address (`api` → `API_URL`). */
const envName = (id: string): string => `${id.replace(/-/g, '_').toUpperCase()}_URL`;

/** jsonExpectations reads an example JSON body ("{ "database": true, … }") into body conditions. */
export function jsonExpectations(text: string): string[] {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return [];
  const body = text
    .slice(start, end + 1)
    .split('\n')
    .map((line) => line.replace(/\s#.*$/, ''))
    .join('\n')
    .replace(/,(\s*})/g, '$1');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return [];
  return Object.entries(parsed as Record<string, unknown>).flatMap(([key, value]) => {
    const path = /^[A-Za-z_]\w*$/.test(key) ? `body.${key}` : `body["${key}"]`;
    if (typeof value === 'boolean' || typeof value === 'number') return [`${path} == ${value}`];
    if (typeof value === 'string') return [`${path} == ${JSON.stringify(value)}`];
    return [];
  });
}

/** Collects checks and services, merging checks of the same target. */
class Derivation {
  readonly checks: Check[] = [];
  readonly services: Record<string, Service> = {};
  private readonly byTarget = new Map<string, Check>();

  service(id: string, service: Service): string {
    if (!this.services[id]) this.services[id] = service;
    return id;
  }

  add(check: Check): Check {
    const key = `${check.probe} ${check.target}`;
    const existing = this.byTarget.get(key);
    if (existing) {
      for (const condition of check.expect ?? []) {
        if (!existing.expect?.includes(condition)) existing.expect = [...(existing.expect ?? []), condition];
      }
      if (check.query && !existing.query) existing.query = check.query;
      return existing;
    }
    let id = check.id;
    for (let n = 2; this.checks.some((other) => other.id === id); n++) id = `${check.id}-${n}`;
    const added = { ...check, id };
    this.checks.push(added);
    this.byTarget.set(key, added);
    return added;
  }

  /** The `${ENV}` variable a command already names for a kind of service, if any. */
  static envIn(run: string, hint: RegExp): string | undefined {
    for (const match of run.matchAll(ENV_REF)) if (hint.test(match[1]!)) return match[1];
    return undefined;
  }

  http(found: Found, url: string): void {
    const parsed = safeUrl(url);
    if (!parsed || !HEALTH_PATH.test(parsed.pathname)) return;
    const local = /^(?:localhost|127\.0\.0\.1|\[::1\])$/.test(parsed.hostname);
    const id = local
      ? `local-${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`
      : slugify(hostLabel(parsed.hostname));
    const placeholder = /[<>]|xxx/i.test(url);
    const env = Derivation.envIn(found.step.run, /(?:API|BASE|APP)_?URL|_URL$/) ?? envName(id);
    const origin = placeholder ? '' : `${parsed.protocol}//${parsed.host}`;
    this.service(id, { url: origin ? `\${${env}:-${origin}}` : `\${${env}}`, source: found.step.source! });
    const path = parsed.pathname.replace(/\/$/, '') + publicQuery(parsed);
    const expect = ['status == 200', ...jsonExpectations(found.step.expect ?? '')];
    const bound = LATENCY_BOUND.exec(normalise(found.prose));
    if (bound) expect.push(`latency < ${bound[1]!.replace(',', '.')}${bound[2]}`);
    this.add({
      id: slugify(`${id} ${path}`),
      name: `GET ${path}`,
      probe: 'http',
      target: `\${services.${id}.url}${path}`,
      expect,
      source: found.step.source!,
    });
  }

  postgres(found: Found, query?: string): void {
    const env =
      Derivation.envIn(found.step.run, /(?:DATABASE|POSTGRES|PG|DB)\w*(?:URL|DSN|URI)$/) ?? 'DATABASE_URL';
    const service = this.service('db', { postgres: `\${${env}}`, source: found.step.source! });
    this.add({
      id: query ? 'db-query' : 'db-ready',
      name: query ? `PostgreSQL answers ${query}` : 'PostgreSQL accepts connections',
      probe: 'postgres',
      target: `\${services.${service}.postgres}`,
      ...(query ? { query } : {}),
      expect: [],
      source: found.step.source!,
    });
  }

  redis(found: Found): void {
    const env = Derivation.envIn(found.step.run, REDIS_ENV) ?? 'REDIS_URL';
    const service = this.service('cache', { redis: `\${${env}}`, source: found.step.source! });
    this.add({
      id: 'redis-ping',
      name: 'Redis answers PING',
      probe: 'redis',
      target: `\${services.${service}.redis}`,
      expect: [],
      source: found.step.source!,
    });
  }

  queue(found: Found, key: string): void {
    const env = Derivation.envIn(found.step.run, REDIS_ENV) ?? 'REDIS_URL';
    const service = this.service('cache', { redis: `\${${env}}`, source: found.step.source! });
    // The key says which queue system wrote it; a list of no known system is watched as a plain Redis key.
    const system = /(?:^|:)rq:queue:/.test(key)
      ? 'rq'
      : /^bull:/.test(key)
        ? 'bullmq'
        : /celery/i.test(`${key} ${found.step.run}`)
          ? 'celery'
          : undefined;
    if (system) {
      this.add({
        id: `queue-${slugify(key)}`,
        name: `Depth of queue ${key}`,
        probe: 'queue',
        queue: system,
        target:
          system === 'bullmq'
            ? key.replace(/^bull:/, '').replace(/:(?:wait|active|failed|delayed)$/, '')
            : key,
        service,
        expect: [],
        source: found.step.source!,
      });
      return;
    }
    this.add({
      id: `list-${slugify(key)}`,
      name: `Length of the Redis list ${key}`,
      probe: 'redis',
      target: `\${services.${service}.redis}`,
      key,
      expect: [],
      source: found.step.source!,
    });
  }
}

const SECRET_PARAM = /token|key|secret|pass|auth|sig|credential|session/i;

/** publicQuery keeps a URL's query string unless a parameter looks like a credential (`?token=…`). */
function publicQuery(url: URL): string {
  return [...url.searchParams.keys()].some((name) => SECRET_PARAM.test(name)) ? '' : url.search;
}

/** scrubArgument replaces an argument carrying a credential (a DSN with a password, `--token=…`) with an `${ENV}` reference. */
function scrubArgument(word: string): string {
  const dsn = /^["']?([a-z][a-z0-9+.-]*):\/\/[^\s:@/]*:[^\s@/]+@/i.exec(word);
  if (dsn)
    return /^postgres/i.test(dsn[1]!)
      ? '${DATABASE_URL}'
      : /^redis/i.test(dsn[1]!)
        ? '${REDIS_URL}'
        : '${SERVICE_URL}';
  const option = /^(--?[\w-]*(?:password|passwd|token|secret|api-?key)[\w-]*)=(?!\$)(.+)$/i.exec(word);
  if (option) return `${option[1]}=\${${option[1]!.replace(/^-+/, '').replace(/-/g, '_').toUpperCase()}}`;
  return word;
}

const safeUrl = (text: string): URL | undefined => {
  try {
    return new URL(text.replace(/[<>]/g, ''));
  } catch {
    return undefined;
  }
};

// "paris-sportif-api.onrender.com" → "paris-sportif-api"; "api.vectra.io" → "api-vectra".
const hostLabel = (host: string): string => {
  const parts = host
    .split('.')
    .filter(
      (part) => !/^(?:www|com|io|org|net|fr|tech|dev|app|co|uk|onrender|fly|herokuapp|vercel)$/.test(part),
    );
  return parts.join('-') || host;
};

/** deriveChecks reads the checks a document's commands already describe. */
export function deriveChecks(found: readonly Found[]): Derived {
  const derivation = new Derivation();
  for (const entry of found) {
    const { step } = entry;
    const run = step.run;
    // A script named for monitoring is read-only by its author's word; the classifier cannot see inside it.
    const script = MONITOR_SCRIPT.exec(run);
    if (step.kind === 'manual' || !(step.risk === 'read' || (script && step.risk === 'write'))) continue;
    const lower = run.toLowerCase();
    if (/\bcurl\b/.test(run) && !/-X\s*(?:POST|PUT|PATCH|DELETE)\b/i.test(run)) {
      const url = URL_IN.exec(run)?.[0];
      if (url) derivation.http(entry, url);
      continue;
    }
    if (/\bpg_isready\b/.test(run)) {
      derivation.postgres(entry);
      continue;
    }
    if (/\bpsql\b/.test(run) && /select\s+1\s*;?\s*["']?\s*$/i.test(run.trim())) {
      derivation.postgres(entry, 'SELECT 1');
      continue;
    }
    const llen = /\bredis-cli\b.*\bLLEN\s+(\S+)/i.exec(run);
    if (llen) {
      derivation.queue(entry, llen[1]!.replace(/["']/g, ''));
      continue;
    }
    if (/\bredis-cli\b/.test(run) && /\bping\s*$/i.test(run.trim())) {
      derivation.redis(entry);
      continue;
    }
    if (/^\s*(?:sudo\s+)?df\b/.test(run)) {
      const path = /\bdf\s+(?:-\w+\s+)*(\/\S*)/.exec(run)?.[1] ?? '/';
      derivation.add({
        id: 'disk',
        name: `Disk usage of ${path}`,
        probe: 'disk',
        target: path,
        expect: [],
        source: step.source!,
      });
      continue;
    }
    const cert = /\bopenssl\s+x509\b.*-in\s+(\S+)/.exec(run);
    if (cert && /-dates|-enddate/.test(run)) {
      const domain = /\/live\/([^/]+)\//.exec(cert[1]!)?.[1];
      if (domain) {
        derivation.add({
          id: `tls-${slugify(domain)}`,
          name: `Certificate of ${domain}`,
          probe: 'tls',
          target: `${domain}:443`,
          expect: ['days_to_expiry > 14'],
          source: step.source!,
        });
      }
      continue;
    }
    if (script && !/\b(?:rm|delete|purge)\b/.test(lower)) {
      // Leading `NAME=value` settings are the environment's business; a secret never enters the check.
      const words = run.trim().split(/\s+/);
      let first = 0;
      while (first < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[first]!)) first++;
      const argv = words.slice(first).map(scrubArgument);
      const expect = ['exit_code == 0'];
      const bound = LATENCY_BOUND.exec(normalise(entry.prose));
      if (bound) expect.push(`latency < ${bound[1]!.replace(',', '.')}${bound[2]}`);
      const name = script[1]!
        .split('/')
        .pop()!
        .replace(/\.\w+$/, '');
      derivation.add({
        id: slugify(name),
        name: `${name} script`,
        probe: 'command',
        target: argv.join(' '),
        command: argv,
        expect,
        source: step.source!,
      });
    }
  }
  return { checks: derivation.checks, services: derivation.services };
}
