/**
 * A runbook summarised for the terminal: what Vigie will watch, what it will do and how risky each
 * scenario's steps are, readable at a glance.
 */
import { levelsOf, RISKS, type Risk, type RunbookConfig, type Step } from './schema.ts';

const ORDER: Record<string, number> = { SEV1: 1, SEV2: 2, SEV3: 3, SEV4: 4 };

/** riskCounts counts steps per risk, worst last (`read 3, write 1, destructive 1`). */
export function riskCounts(steps: readonly Step[]): string {
  const counts = new Map<Risk, number>();
  for (const step of steps) counts.set(step.risk, (counts.get(step.risk) ?? 0) + 1);
  return RISKS.filter((risk) => counts.has(risk))
    .map((risk) => `${risk} ${counts.get(risk)}`)
    .join(', ');
}

/** formatTable aligns rows of cells into columns, the last column left ragged. */
export function formatTable(rows: string[][]): string {
  return table(rows).join('\n');
}

const table = (rows: string[][]): string[] => {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length)))
      .join('  ')
      .trimEnd(),
  );
};

const oneLine = (text: string, max = 70): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** summarise writes a runbook as a few aligned sections of text. */
export function summarise(runbook: RunbookConfig): string {
  const out: string[] = [];
  const scenarios = [...(runbook.scenarios ?? [])].sort(
    (a, b) => (ORDER[a.severity ?? ''] ?? 9) - (ORDER[b.severity ?? ''] ?? 9),
  );
  const count = (label: string, n: number): string => `${n} ${label}${n === 1 ? '' : 's'}`;
  out.push(runbook.name);
  out.push(
    [
      count('service', Object.keys(runbook.services ?? {}).length),
      count('check', runbook.checks?.length ?? 0),
      count('alert', runbook.alerts?.length ?? 0),
      count('scenario', scenarios.length),
      count('procedure', runbook.procedures?.length ?? 0),
      count('maintenance task', runbook.maintenance?.length ?? 0),
      count('checklist', Object.keys(runbook.checklists ?? {}).length),
    ].join(' · '),
  );
  const section = (title: string, rows: string[][]): void => {
    if (rows.length === 0) return;
    out.push('', title, ...table(rows).map((line) => `  ${line}`));
  };
  section(
    'Scenarios',
    scenarios.map((scenario) => {
      const time = scenario.resolution_time;
      const fix = time?.max ? `fix ${time.min ? `${time.min}–` : '≤'}${time.max}` : '';
      return [
        scenario.severity ?? '—',
        oneLine(scenario.title, 48),
        `diagnosis: ${riskCounts(scenario.diagnosis ?? []) || 'none'}`,
        `actions: ${riskCounts(scenario.actions ?? []) || 'none'}`,
        fix,
      ];
    }),
  );
  section(
    'Checks',
    (runbook.checks ?? []).map((check) => [
      check.probe,
      check.id,
      oneLine(check.target, 50),
      `every ${check.every ?? '30s'}`,
      (check.expect ?? []).join(', '),
    ]),
  );
  section(
    'Alerts',
    (runbook.alerts ?? []).map((alert) => [
      alert.severity ?? '—',
      alert.id,
      `when ${alert.when}`,
      alert.check ? `on ${alert.check}` : '',
    ]),
  );
  section(
    'Severities',
    (runbook.severities ?? []).map((level) => [
      level.id,
      level.label ?? '',
      level.response_time ? `respond within ${level.response_time}` : '',
      oneLine(level.description ?? '', 50),
    ]),
  );
  for (const [policy, levels] of Object.entries(runbook.escalation ?? {})) {
    section(
      `Escalation (${policy})`,
      levelsOf(levels).map((level) => [`T+${level.after}`, level.notify.join(', ')]),
    );
  }
  section(
    'Maintenance',
    (runbook.maintenance ?? []).map((task) => [
      task.schedule ?? 'unscheduled',
      task.timezone ?? '',
      task.duration ? `for ${task.duration}` : '',
      oneLine(task.title, 50),
      riskCounts(task.steps ?? []),
    ]),
  );
  section(
    'Checklists',
    Object.entries(runbook.checklists ?? {}).map(([id, list]) => [
      id,
      count('item', Array.isArray(list) ? list.length : list.items.length),
    ]),
  );
  section(
    'SLOs',
    (runbook.slos ?? []).map((slo) => [
      slo.name,
      slo.objective ?? slo.target ?? '',
      slo.critical ? `critical: ${slo.critical}` : '',
    ]),
  );
  return out.join('\n');
}
