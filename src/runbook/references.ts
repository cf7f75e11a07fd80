/**
 * What the schema alone cannot see: alert rules that do not parse, and ids that point at nothing (an
 * alert's check, scenario or policy; a contact's channels; a rotation's people; a dependency; what a
 * maintenance window affects; a scenario's log pattern). Every problem carries its path, so the loader
 * can place it on its line.
 */
import { validateRotation } from '../escalation/rotation.ts';
import { compileScenarioMatchers } from '../incidents/match.ts';
import { dependenciesOf } from '../quiet/inhibit.ts';
import { validateMaintenance } from '../quiet/window.ts';
import { parseRecovery, parseRule } from '../rules/index.ts';
import { closest, type Path } from './paths.ts';
import type { RunbookConfig } from './schema.ts';

/** ReferenceProblem is one problem, at its path, with the column inside the text when there is one. */
export interface ReferenceProblem {
  readonly path: Path;
  readonly message: string;
  /** 1-based column inside the string at `path` (rule texts). */
  readonly column?: number;
}

const unknown = (kind: string, id: string, known: Iterable<string>): string => {
  const guess = closest(id, [...known]);
  return `no ${kind} '${id}'${guess ? `; did you mean '${guess}'?` : ''}`;
};

/** checkReferences gives every rule and reference problem of a schema-valid runbook. */
export function checkReferences(runbook: RunbookConfig): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const checks = new Set((runbook.checks ?? []).map((check) => check.id));
  const scenarios = new Set((runbook.scenarios ?? []).map((scenario) => scenario.id));
  const policies = new Set(Object.keys(runbook.escalation ?? {}));
  const channels = new Set(Object.keys(runbook.channels ?? {}));
  const alerts = runbook.alerts ?? [];
  alerts.forEach((alert, i) => {
    const rule = parseRule(alert.when);
    if (!rule.ok) {
      problems.push({
        path: ['alerts', i, 'when'],
        column: rule.error.column,
        message: `${rule.error.message}; ${rule.error.fix}`,
      });
    }
    if (alert.resolve !== undefined) {
      const recovery = parseRecovery(alert.resolve);
      if (!recovery.ok) {
        problems.push({
          path: ['alerts', i, 'resolve'],
          column: recovery.error.column,
          message: `${recovery.error.message}; ${recovery.error.fix}`,
        });
      }
    }
    if (alert.check !== undefined && !checks.has(alert.check)) {
      problems.push({ path: ['alerts', i, 'check'], message: unknown('check', alert.check, checks) });
    }
    if (alert.scenario !== undefined && !scenarios.has(alert.scenario)) {
      problems.push({
        path: ['alerts', i, 'scenario'],
        message: unknown('scenario', alert.scenario, scenarios),
      });
    }
    if (alert.escalation !== undefined && !policies.has(alert.escalation)) {
      problems.push({
        path: ['alerts', i, 'escalation'],
        message: unknown('escalation policy', alert.escalation, policies),
      });
    }
  });
  (runbook.contacts ?? []).forEach((contact, i) => {
    contact.channels?.forEach((channel, j) => {
      if (!channels.has(channel)) {
        problems.push({
          path: ['contacts', i, 'channels', j],
          message: unknown('channel', channel, channels),
        });
      }
    });
  });
  const contactIds = (runbook.contacts ?? []).map((contact) => contact.id);
  for (const [id, rotation] of Object.entries(runbook.rotations ?? {})) {
    for (const problem of validateRotation(rotation, contactIds)) {
      problems.push({ path: ['rotations', id, ...problem.path], message: problem.message });
    }
  }
  for (const [id, checklist] of Object.entries(runbook.checklists ?? {})) {
    const [items, at] = Array.isArray(checklist) ? [checklist, []] : [checklist.items, ['items']];
    items.forEach((item, i) => {
      if (typeof item !== 'string' && item.check !== undefined && !checks.has(item.check)) {
        problems.push({
          path: ['checklists', id, ...at, i, 'check'],
          message: unknown('check', item.check, checks),
        });
      }
    });
  }
  for (const problem of dependenciesOf(runbook.checks ?? []).problems) problems.push(problem);
  const affectable = [...checks, ...alerts.map((alert) => alert.id)];
  for (const problem of validateMaintenance(runbook.maintenance ?? [], affectable)) problems.push(problem);
  for (const error of compileScenarioMatchers(runbook.scenarios ?? []).errors) {
    problems.push({
      path: error.path
        .split(/[.[\]]+/)
        .filter(Boolean)
        .map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
      message: error.message,
    });
  }
  return problems;
}
