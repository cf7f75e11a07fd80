/**
 * `vigie deploy` and `vigie checklist`, through the API of a running `vigie serve`: start and finish a
 * deploy (its maintenance window and its pre- and post-deploy checklists), list deploys, show and tick
 * checklists. Ticks made here land in the same audit log and incident timeline as the dashboard's.
 */
import { parseArgs } from 'node:util';
import { VigieError } from '../errors.ts';
import { formatTable } from '../runbook/show.ts';
import { formatDuration } from '../runbook/units.ts';
import type { Deploy, TrackedChecklist, TrackedItem } from '../store/checklists.ts';
import type { WindowRecord } from '../store/incidents.ts';
import { CONNECTION, call, type Output } from './incidents.ts';

type Command = (args: string[], io: Output) => Promise<number>;

interface DeployAnswer {
  readonly deploy: Deploy;
  readonly window?: WindowRecord;
  readonly checklists: TrackedChecklist[];
}

const time = (at: number | undefined): string =>
  at === undefined ? '' : new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');

function itemLine(item: TrackedItem): string {
  const box = item.doneAt === undefined ? '[ ]' : '[x]';
  const waits =
    item.doneAt === undefined && item.checkId
      ? ` (ticks itself when check ${item.checkId} holds${item.holdMs ? ` ${formatDuration(item.holdMs)}` : ''}${
          item.passingSince === undefined ? '' : `; passing since ${time(item.passingSince)}`
        })`
      : '';
  const done = item.doneAt === undefined ? '' : ` — ${item.doneBy ?? '?'} at ${time(item.doneAt)}`;
  const note = item.note ? `\n        ${item.note}` : '';
  return `  ${box} ${String(item.position).padStart(2)}. ${item.text}${waits}${done}${note}`;
}

function showChecklist(io: Output, checklist: TrackedChecklist): void {
  const done = checklist.items.filter((item) => item.doneAt !== undefined).length;
  io.out(
    `checklist ${checklist.id} (${checklist.name}): ${checklist.title} — ${done}/${checklist.items.length} done`,
  );
  for (const item of checklist.items) io.out(itemLine(item));
}

function showDeploy(io: Output, answer: DeployAnswer): void {
  const { deploy, window } = answer;
  io.out(`deploy ${deploy.id}: ${deploy.title} — ${deploy.status}`);
  io.out(
    `started ${time(deploy.startedAt)} by ${deploy.startedBy}${
      deploy.finishedAt === undefined ? '' : `, finished ${time(deploy.finishedAt)} by ${deploy.finishedBy}`
    }`,
  );
  if (window) {
    const what = window.matchers.length > 0 ? window.matchers.join(', ') : 'every alert';
    io.out(`maintenance window ${window.id} until ${time(window.endsAt)} (quiet: ${what})`);
  }
  for (const checklist of answer.checklists) {
    io.out('');
    showChecklist(io, checklist);
  }
  const open = answer.checklists.find((checklist) =>
    checklist.items.some((item) => item.doneAt === undefined),
  );
  if (open) io.out(`\ntick an item with: vigie checklist tick ${open.id} POSITION --note "…"`);
}

const number = (text: string | undefined, what: string, example: string): number => {
  if (!text || !/^\d+$/.test(text))
    throw new VigieError('USAGE', `vigie ${what} needs a number`, `run: ${example}`);
  return Number(text);
};

/** deployCommands are the deploy and checklist sub-commands. */
export const deployCommands: Record<string, Command> = {
  async deploy(args, io) {
    const [action = 'list', ...rest] = args;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        ...CONNECTION,
        duration: { type: 'string' },
        quiet: { type: 'string', multiple: true },
        limit: { type: 'string', default: '20' },
      },
    });
    const go = (method: 'GET' | 'POST', path: string, body?: unknown) =>
      call(values.url, values.token, method, path, body);
    const print = (answer: unknown, show: () => void): number => {
      if (values.json) io.out(JSON.stringify(answer, null, 2));
      else show();
      return 0;
    };
    if (action === 'start') {
      const answer = (await go('POST', '/api/v1/deploys', {
        ...(positionals.length > 0 ? { title: positionals.join(' ') } : {}),
        ...(values.duration ? { duration: values.duration } : {}),
        ...(values.quiet && values.quiet.length > 0 ? { matchers: values.quiet } : {}),
      })) as DeployAnswer;
      return print(answer, () => showDeploy(io, answer));
    }
    if (action === 'finish') {
      let id = positionals[0];
      if (id === undefined) {
        const running = (
          (await go('GET', '/api/v1/deploys?status=running&limit=500')) as { deploys: Deploy[] }
        ).deploys;
        if (running.length !== 1) {
          throw new VigieError(
            'USAGE',
            running.length === 0 ? 'no deploy is running' : `${running.length} deploys are running`,
            running.length === 0
              ? 'start one with vigie deploy start TITLE'
              : `name the one to finish: vigie deploy finish ${running.map((deploy) => deploy.id).join('|')}`,
          );
        }
        id = String(running[0]!.id);
      }
      const answer = (await go(
        'POST',
        `/api/v1/deploys/${number(id, 'deploy finish', 'vigie deploy finish 3')}/finish`,
        {},
      )) as DeployAnswer;
      return print(answer, () => showDeploy(io, answer));
    }
    if (action === 'show') {
      const id = number(positionals[0], 'deploy show', 'vigie deploy show 3');
      const answer = (await go('GET', `/api/v1/deploys/${id}`)) as DeployAnswer;
      return print(answer, () => showDeploy(io, answer));
    }
    if (action === 'list') {
      const answer = (await go('GET', `/api/v1/deploys?limit=${encodeURIComponent(values.limit)}`)) as {
        deploys: Deploy[];
      };
      return print(answer, () => {
        if (answer.deploys.length === 0) io.out('no deploys');
        else
          io.out(
            formatTable([
              ['ID', 'STATUS', 'STARTED', 'BY', 'FINISHED', 'TITLE'],
              ...answer.deploys.map((deploy) => [
                String(deploy.id),
                deploy.status,
                time(deploy.startedAt),
                deploy.startedBy,
                time(deploy.finishedAt),
                deploy.title,
              ]),
            ]),
          );
      });
    }
    throw new VigieError(
      'USAGE',
      `unknown deploy action '${action}'`,
      'use vigie deploy start [TITLE] [--duration 30m] | finish [ID] | list | show ID',
    );
  },

  async checklist(args, io) {
    const [action = '', ...rest] = args;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        ...CONNECTION,
        note: { type: 'string' },
        undo: { type: 'boolean' },
        incident: { type: 'string' },
        deploy: { type: 'string' },
      },
    });
    const go = (method: 'GET' | 'POST', path: string, body?: unknown) =>
      call(values.url, values.token, method, path, body);
    if (action === 'tick') {
      const id = number(positionals[0], 'checklist tick', 'vigie checklist tick 7 2 --note "tests green"');
      const position = number(
        positionals[1],
        'checklist tick',
        'vigie checklist tick 7 2 --note "tests green"',
      );
      const answer = (await go('POST', `/api/v1/checklists/${id}/items/${position}`, {
        done: !values.undo,
        ...(values.note === undefined ? {} : { note: values.note }),
      })) as { checklist: TrackedChecklist; item: TrackedItem };
      if (values.json) io.out(JSON.stringify(answer, null, 2));
      else io.out(itemLine(answer.item).trimStart());
      return 0;
    }
    if (action === 'show') {
      const lists: TrackedChecklist[] = [];
      if (values.incident) {
        const answer = (await go(
          'GET',
          `/api/v1/incidents/${encodeURIComponent(values.incident)}/checklists`,
        )) as { checklists: TrackedChecklist[] };
        lists.push(...answer.checklists);
      } else if (values.deploy) {
        const id = number(values.deploy, 'checklist show --deploy', 'vigie checklist show --deploy 3');
        lists.push(...((await go('GET', `/api/v1/deploys/${id}`)) as DeployAnswer).checklists);
      } else {
        const id = number(positionals[0], 'checklist show', 'vigie checklist show 7');
        lists.push(
          ((await go('GET', `/api/v1/checklists/${id}`)) as { checklist: TrackedChecklist }).checklist,
        );
      }
      if (values.json) io.out(JSON.stringify({ checklists: lists }, null, 2));
      else if (lists.length === 0) io.out('no checklists');
      else
        lists.forEach((checklist, index) => {
          if (index > 0) io.out('');
          showChecklist(io, checklist);
        });
      return 0;
    }
    throw new VigieError(
      'USAGE',
      action ? `unknown checklist action '${action}'` : 'vigie checklist needs an action',
      'use vigie checklist tick CHECKLIST POSITION [--note TEXT] [--undo] | show CHECKLIST | show --incident INC-1 | show --deploy 3',
    );
  },
};
