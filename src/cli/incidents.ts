/**
 * `vigie incidents`, `vigie silence` and `vigie token`. Incidents and silences go through the API of
 * a running `vigie serve` (the same routes the dashboard uses: one set of rules, one audit trail);
 * tokens are written straight into the store file, since the first token cannot come from the API.
 */
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { createToken, ROLES, type Role } from '../api/tokens.ts';
import { VigieError } from '../errors.ts';
import { formatTable } from '../runbook/show.ts';
import type { Incident, SilenceRecord, TimelineEntry } from '../store/incidents.ts';
import { openSqliteIncidentStore } from '../store/incidents-sqlite.ts';

/** Output is where a command writes. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

type Command = (args: string[], io: Output) => Promise<number>;

export const CONNECTION = {
  url: { type: 'string', default: process.env.VIGIE_URL ?? 'http://127.0.0.1:8080' },
  token: { type: 'string', default: process.env.VIGIE_TOKEN },
  json: { type: 'boolean' },
} as const;

/**
 * call sends one API request and gives the JSON answer, or throws the API's error as a VigieError.
 * An answer is awaited 10 s, or `waitMs` (0: as long as it takes, for a step that runs its course).
 */
export async function call(
  base: string,
  token: string | undefined,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  waitMs = 10_000,
): Promise<unknown> {
  if (!token) {
    throw new VigieError(
      'USAGE',
      'no API token',
      'pass --token or set VIGIE_TOKEN; create one with vigie token create --role responder --store vigie.sqlite',
    );
  }
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(new URL(path, base), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: waitMs,
      bodyTimeout: waitMs,
    });
  } catch (error) {
    throw new VigieError(
      'USAGE',
      `cannot reach Vigie at ${base}: ${(error as Error).message}`,
      'start it with vigie serve, or pass --url (or VIGIE_URL)',
    );
  }
  const text = await response.body.text();
  const json = String(response.headers['content-type'] ?? '').includes('json');
  const answer: unknown = !json ? text : text === '' ? {} : JSON.parse(text);
  if (response.statusCode >= 400) {
    const error = (answer as { error?: { code?: string; message?: string; fix?: string } }).error ?? {};
    throw new VigieError(
      'USAGE',
      `${error.code ?? response.statusCode}: ${error.message ?? text}`,
      error.fix ?? 'see the API answer above',
    );
  }
  return answer;
}

const time = (at: number | undefined): string =>
  at === undefined ? '' : new Date(at).toISOString().replace('.000Z', 'Z');

function showIncident(io: Output, answer: { incident: Incident; timeline: TimelineEntry[] }): void {
  const { incident, timeline } = answer;
  io.out(`${incident.id}  ${incident.severity}  ${incident.status}  ${incident.title}`);
  if (incident.scenario) io.out(`scenario: ${incident.scenario}`);
  io.out(
    `opened ${time(incident.openedAt)}${incident.acknowledgedAt ? `, acknowledged ${time(incident.acknowledgedAt)} by ${incident.acknowledgedBy}` : ''}${incident.resolvedAt ? `, resolved ${time(incident.resolvedAt)} by ${incident.resolvedBy}` : ''}`,
  );
  io.out('');
  for (const entry of timeline) {
    io.out(`${time(entry.at)}  ${entry.kind.padEnd(14)} ${entry.actor.padEnd(10)} ${entry.text}`);
    const output = (entry.data as { output?: unknown } | undefined)?.output;
    if (entry.kind === 'diagnosis' && typeof output === 'string' && output !== '') {
      for (const line of output.split('\n').slice(0, 20)) io.out(`    ${line}`);
    }
  }
}

/** incidentCommands are the incident, silence and token sub-commands. */
export const incidentCommands: Record<string, Command> = {
  async incidents(args, io) {
    const [action = 'list', ...rest] = args;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        ...CONNECTION,
        status: { type: 'string', default: 'open' },
        limit: { type: 'string', default: '50' },
        note: { type: 'string' },
      },
    });
    const go = (method: 'GET' | 'POST', path: string, body?: unknown) =>
      call(values.url, values.token, method, path, body);
    if (action === 'list') {
      const status = values.status === 'all' ? '' : values.status;
      const answer = (await go(
        'GET',
        `/api/v1/incidents?limit=${encodeURIComponent(values.limit)}${status ? `&status=${encodeURIComponent(status)}` : ''}`,
      )) as {
        incidents: Incident[];
      };
      if (values.json) io.out(JSON.stringify(answer, null, 2));
      else {
        const rows = answer.incidents.map((incident) => [
          incident.id,
          incident.severity,
          incident.status,
          time(incident.openedAt),
          incident.scenario ?? '',
          incident.title,
        ]);
        io.out(formatTable([['ID', 'SEV', 'STATUS', 'OPENED', 'SCENARIO', 'TITLE'], ...rows]));
      }
      return 0;
    }
    const id = positionals[0];
    if (!id)
      throw new VigieError(
        'USAGE',
        `vigie incidents ${action} needs an incident id`,
        `run: vigie incidents ${action} INC-1`,
      );
    const path = `/api/v1/incidents/${encodeURIComponent(id)}`;
    let answer: unknown;
    if (action === 'show') answer = await go('GET', path);
    else if (action === 'ack' || action === 'acknowledge') {
      await go('POST', `${path}/acknowledge`, {});
      answer = await go('GET', path);
    } else if (action === 'resolve') {
      await go('POST', `${path}/resolve`, values.note ? { note: values.note } : {});
      answer = await go('GET', path);
    } else {
      throw new VigieError(
        'USAGE',
        `unknown action '${action}'`,
        'use vigie incidents list|show|ack|resolve',
      );
    }
    if (values.json) io.out(JSON.stringify(answer, null, 2));
    else showIncident(io, answer as { incident: Incident; timeline: TimelineEntry[] });
    return 0;
  },

  async silence(args, io) {
    const [action = 'list', ...rest] = args;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        ...CONNECTION,
        duration: { type: 'string', default: '1h' },
        comment: { type: 'string' },
        author: { type: 'string' },
        start: { type: 'string' },
        end: { type: 'string' },
      },
    });
    const go = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) =>
      call(values.url, values.token, method, path, body);
    if (action === 'list') {
      const answer = (await go('GET', '/api/v1/silences')) as { silences: SilenceRecord[] };
      if (values.json) io.out(JSON.stringify(answer, null, 2));
      else {
        const rows = answer.silences.map((silence) => [
          silence.id,
          silence.matchers.join(' '),
          time(silence.startsAt),
          time(silence.expiredAt ?? silence.endsAt),
          silence.createdBy,
          silence.comment,
        ]);
        io.out(formatTable([['ID', 'MATCHERS', 'STARTS', 'ENDS', 'BY', 'COMMENT'], ...rows]));
      }
      return 0;
    }
    if (action === 'add') {
      if (positionals.length === 0 || !values.comment) {
        throw new VigieError(
          'USAGE',
          'a silence needs matchers and a comment',
          'run: vigie silence add alert=api-down service=api --duration 2h --comment "deploy of v2"',
        );
      }
      const answer = (await go('POST', '/api/v1/silences', {
        matchers: positionals,
        comment: values.comment,
        ...(values.author ? { created_by: values.author } : {}),
        ...(values.start ? { starts_at: values.start } : {}),
        ...(values.end ? { ends_at: values.end } : { duration: values.duration }),
      })) as { silence: SilenceRecord };
      io.out(
        values.json
          ? JSON.stringify(answer, null, 2)
          : `${answer.silence.id} until ${time(answer.silence.endsAt)}`,
      );
      return 0;
    }
    if (action === 'expire') {
      const id = positionals[0];
      if (!id)
        throw new VigieError('USAGE', 'vigie silence expire needs a silence id', 'run: vigie silence list');
      await go('DELETE', `/api/v1/silences/${encodeURIComponent(id)}`);
      io.out(`${id} expired`);
      return 0;
    }
    throw new VigieError('USAGE', `unknown action '${action}'`, 'use vigie silence add|list|expire');
  },

  async token(args, io) {
    const [action = 'list', ...rest] = args;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        store: { type: 'string', default: 'vigie.sqlite' },
        role: { type: 'string', default: 'viewer' },
        name: { type: 'string' },
      },
    });
    const store = openSqliteIncidentStore(values.store);
    try {
      if (action === 'create') {
        if (!(ROLES as readonly string[]).includes(values.role)) {
          throw new VigieError('USAGE', `unknown role '${values.role}'`, `use --role ${ROLES.join('|')}`);
        }
        const { record, secret } = createToken(
          store,
          values.role as Role,
          values.name ?? `${values.role}-token`,
          Date.now(),
        );
        io.err(`created ${record.id} (${record.role}); the token is shown once, keep it now:`);
        io.out(secret);
        return 0;
      }
      if (action === 'list') {
        const rows = store
          .tokens()
          .map((token) => [
            token.id,
            token.role,
            token.name,
            time(token.createdAt),
            token.revokedAt ? `revoked ${time(token.revokedAt)}` : 'active',
          ]);
        io.out(formatTable([['ID', 'ROLE', 'NAME', 'CREATED', 'STATE'], ...rows]));
        return 0;
      }
      if (action === 'revoke') {
        const id = positionals[0];
        if (!id || !store.revokeToken(id, Date.now())) {
          throw new VigieError(
            'USAGE',
            `no active token ${id ?? ''}`.trim(),
            'list tokens with vigie token list',
          );
        }
        io.out(`${id} revoked`);
        return 0;
      }
      throw new VigieError('USAGE', `unknown action '${action}'`, 'use vigie token create|list|revoke');
    } finally {
      store.close();
    }
  },
};
