/**
 * The runbook linter: a pure function from a validated model to findings a person can act on.
 * Validation (schema.ts) says whether a runbook can be read; the linter says whether it is safe and
 * complete enough to run at 3 a.m.: destructive steps without a gate, placeholders nobody filled in,
 * secrets written in clear, references to things that do not exist.
 * Each rule is one small function in RULES; a rule reports paths, `lintRunbook` turns them into lines.
 */

import { undeclaredPlaceholders } from '../actions/params.ts';
import { approvalProblem, guardedSteps } from '../maintenance/gate.ts';
import { closest, formatPath, type Path } from './paths.ts';
import { levelsOf, type RunbookConfig, type Step } from './schema.ts';
import { findPlaceholderDsns, findSecrets, maskSecrets, type SecretHit } from './secrets.ts';

/** FindingLevel says whether a finding blocks the runbook (error) or only deserves a look (warning). */
export type FindingLevel = 'error' | 'warning';

/** Finding is one problem of a runbook, with where it is and how to fix it. */
export interface Finding {
  level: FindingLevel;
  /** Stable kebab-case code, e.g. 'destructive-unguarded'. */
  code: string;
  /** Model path such as 'scenarios[2].actions[1].run'. */
  path: string;
  /** 1-based line in the runbook file, when known. */
  line?: number;
  /** What is wrong, quoting the offending text with secrets masked. */
  message: string;
  /** How to fix it. */
  fix: string;
}

/** Locate maps a model path to a line of the file (YAML); return undefined when unknown. */
export type Locate = (path: readonly (string | number)[]) => number | undefined;

interface Issue {
  level: FindingLevel;
  code: string;
  path: Path;
  message: string;
  fix: string;
}

interface Context {
  readonly runbook: RunbookConfig;
  /** Rules that point at a second place (the first of two duplicates) need its line too. */
  readonly lineOf: (path: Path) => number | undefined;
}

type Rule = (context: Context) => Issue[];

/** lintRunbook checks a validated runbook and returns its findings, sorted by line then path. */
export function lintRunbook(runbook: RunbookConfig, locate?: Locate): Finding[] {
  const lineOf = (path: Path): number | undefined => locate?.(path) ?? sourceLine(runbook, path);
  const context: Context = { runbook, lineOf };
  const located = RULES.flatMap((rule) => rule(context)).map((issue) => ({
    issue,
    line: lineOf(issue.path),
  }));
  // Sort is stable, so findings on the same path keep the order of the rule table.
  located.sort((a, b) => compareLines(a.line, b.line) || comparePaths(a.issue.path, b.issue.path));
  return located.map(({ issue, line }) => ({
    level: issue.level,
    code: issue.code,
    path: formatPath(issue.path),
    ...(line === undefined ? {} : { line }),
    message: issue.message,
    fix: issue.fix,
  }));
}

// ---------------------------------------------------------------------------------------------
// Rules

const destructiveUnguarded: Rule = ({ runbook }) => {
  const issues: Issue[] = [];
  const backupTasks = (runbook.maintenance ?? [])
    .map((task, index) => ({ task, path: ['maintenance', index] as Path }))
    .filter(({ task }) => BACKUP_WORDS.test(task.title) || BACKUP_WORDS.test(task.id));
  for (const owner of stepOwners(runbook)) {
    const task = owner.path[0] === 'maintenance' ? runbook.maintenance?.[owner.path[1] as number] : undefined;
    if (task) {
      // A scheduled task has nobody to approve each run: its standing approval stands in (checked by
      // maintenanceGate), and there is no incident for a backup step to have succeeded in.
      if (task.approval) continue;
      for (const { step, path } of owner.steps) {
        // A destructive step left to a person is flagged too: the approval records who allowed it.
        if (step.risk !== 'destructive') continue;
        issues.push({
          level: 'error',
          code: 'destructive-unguarded',
          path,
          message:
            step.kind === 'manual'
              ? `destructive step ${quote(step.run)} of scheduled task ${task.id} is left to a person, and no standing approval records who allowed it`
              : `destructive step ${quote(step.run)} of scheduled task ${task.id} has no standing approval, so every run is refused`,
          fix: 'add approval: { by: NAME, at: YYYY-MM-DD } to the task, signed by the person who approved it',
        });
      }
      continue;
    }
    const backupSteps = owner.steps.filter(({ step }) => isBackupStep(step));
    // A backup task cannot be the backup of its own steps: the dump inside it is.
    const tasks = backupTasks.filter(({ path }) => comparePaths(path, owner.path) !== 0);
    for (const { step, path } of owner.steps) {
      if (step.risk !== 'destructive') continue;
      const candidates = backupSteps.filter((backup) => backup.step !== step);
      const hasBackup = candidates.length > 0 || tasks.length > 0;
      const missing: string[] = [];
      if (step.guard?.approval !== true) missing.push("a second person's approval");
      if (hasBackup && !step.guard?.backup) missing.push('naming the backup it must follow');
      if (missing.length === 0) continue;
      const backupId = candidates.find((backup) => backup.step.id)?.step.id ?? tasks[0]?.task.id;
      const unnamed = candidates.find((backup) => !backup.step.id);
      let fix = `add guard: { approval: true, backup: ${backupId ?? '<backup step id>'} }`;
      if (backupId === undefined && unnamed)
        fix += `, after giving the backup step ${quote(unnamed.step.run)} an id`;
      else if (!hasBackup) fix += ', declaring first the backup step it depends on';
      issues.push({
        level: 'error',
        code: 'destructive-unguarded',
        path,
        message: `destructive step ${quote(step.run)} runs without ${missing.join(' and without ')}`,
        fix,
      });
    }
  }
  return issues;
};

const diagnosisRisk: Rule = ({ runbook }) => {
  const issues: Issue[] = [];
  (runbook.scenarios ?? []).forEach((scenario, s) => {
    (scenario.diagnosis ?? []).forEach((step, d) => {
      if (step.risk === 'read') return;
      const path = ['scenarios', s, 'diagnosis', d];
      // Diagnosis runs by itself as soon as the incident opens, so only reads belong there.
      if (step.risk === 'destructive') {
        issues.push({
          level: 'error',
          code: 'destructive-in-diagnosis',
          path,
          message: `destructive step ${quote(step.run)} is in the diagnosis of scenario "${scenario.id}", which runs automatically`,
          fix: 'move it to actions, guarded with guard: { approval: true, backup: <backup step id> }',
        });
      } else {
        issues.push({
          level: 'warning',
          code: 'diagnosis-not-read',
          path,
          message: `${step.risk} step ${quote(step.run)} is in the diagnosis of scenario "${scenario.id}", which runs automatically`,
          fix: 'move it to actions, or mark it risk: read if it only observes',
        });
      }
    });
  });
  return issues;
};

const placeholders: Rule = ({ runbook }) => {
  const issues: Issue[] = [];
  for (const field of placeholderFields(runbook)) {
    const found = field.params
      ? stepPlaceholders(field, field.params)
      : findPlaceholders(field.text, field.executable);
    if (found.length === 0) continue;
    const names = [...new Set(found)];
    const list = names.map((name) => `"${name}"`).join(', ');
    issues.push({
      level: 'warning',
      code: 'placeholder',
      path: field.path,
      message: `placeholder${names.length > 1 ? 's' : ''} ${list} left in ${quote(field.text, names[0])}`,
      fix: names.some((name) => name.includes('://') && name.includes('@'))
        ? // Filling in a connection string's password would only trade a placeholder for a secret.
          `write the connection string as an \${ENV} reference such as \${DATABASE_URL}`
        : field.step
          ? `declare a parameter for ${list} or fill in the value`
          : `fill in the value of ${list}, or write an \${ENV} reference`,
    });
  }
  return issues;
};

/**
 * lintDocumentText finds secrets written in clear anywhere in an imported document's text, line by
 * line: a password in a list of dashboard links never reaches the model, but it is exposed all the same.
 */
export function lintDocumentText(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    const hits = findSecrets(line);
    const first = hits[0];
    if (!first) continue;
    findings.push({
      level: 'error',
      code: 'secret-in-clear',
      path: '',
      line: index + 1,
      message: secretMessage(line, hits),
      fix: `${first.hint}, and rotate the secret: it has been exposed`,
    });
  }
  return findings;
}

const secretsInClear: Rule = ({ runbook }) => {
  const issues: Issue[] = [];
  for (const { path, text } of strings(runbook, [])) {
    const hits = findSecrets(text);
    const first = hits[0];
    if (!first) continue;
    issues.push({
      level: 'error',
      code: 'secret-in-clear',
      path,
      message: secretMessage(text, hits),
      fix: `${first.hint}, and rotate the secret: it has been exposed`,
    });
  }
  return issues;
};

/** secretMessage quotes where each secret is (`password=****`), never the secret itself. */
function secretMessage(text: string, hits: readonly SecretHit[]): string {
  const shown = hits.map((hit) => quote(maskAround(text, hits, hit)));
  return `secret written in clear: ${[...new Set(shown)].join(', ')}`;
}

/** maskAround is the text a secret was found in, with it and every other secret it holds masked. */
function maskAround(text: string, hits: readonly SecretHit[], hit: SecretHit): string {
  const { start, end } = hit.around;
  let shown = '';
  let from = start;
  for (const other of hits) {
    if (other.end <= from || other.start >= end) continue;
    shown += `${text.slice(from, Math.max(from, other.start))}****`;
    from = other.end;
  }
  return shown + text.slice(Math.min(from, end), end);
}

const scenarioWithoutDiagnosis: Rule = ({ runbook }) =>
  (runbook.scenarios ?? []).flatMap((scenario, s): Issue[] =>
    (scenario.diagnosis ?? []).length > 0
      ? []
      : [
          {
            level: 'warning',
            code: 'scenario-without-diagnosis',
            path: ['scenarios', s],
            message: `scenario "${scenario.id}" has no diagnosis steps, so an incident opens with no evidence attached`,
            fix: 'add diagnosis steps with risk: read (a health request, a query, a log tail)',
          },
        ],
  );

const unknownReferences: Rule = ({ runbook }) => {
  const issues: Issue[] = [];
  const checkIds = (runbook.checks ?? []).map((check) => check.id);
  const scenarioIds = (runbook.scenarios ?? []).map((scenario) => scenario.id);
  const unknown = (code: string, kind: string, owner: string, id: string, known: string[], path: Path) => {
    if (known.includes(id)) return;
    issues.push({
      level: 'error',
      code,
      path,
      message: `${owner} names ${kind} "${id}", which no ${kind} declares`,
      fix: suggestion(id, known, kind),
    });
  };
  (runbook.alerts ?? []).forEach((alert, a) => {
    const owner = `alert "${alert.id}"`;
    if (alert.check) unknown('unknown-check', 'check', owner, alert.check, checkIds, ['alerts', a, 'check']);
    if (alert.scenario) {
      unknown('unknown-scenario', 'scenario', owner, alert.scenario, scenarioIds, ['alerts', a, 'scenario']);
    }
  });
  // SLOs and the status page read checks the same way alerts do, and break the same way.
  (runbook.slos ?? []).forEach((slo, i) => {
    if (slo.check)
      unknown('unknown-check', 'check', `slo "${slo.id}"`, slo.check, checkIds, ['slos', i, 'check']);
  });
  (runbook.status_page?.components ?? []).forEach((component, c) => {
    (component.checks ?? []).forEach((check, k) => {
      const path = ['status_page', 'components', c, 'checks', k];
      unknown('unknown-check', 'check', `status page component "${component.id}"`, check, checkIds, path);
    });
  });
  return issues;
};

const missingSeverity: Rule = ({ runbook }) => {
  const issues: Issue[] = [];
  const scenarios = new Map((runbook.scenarios ?? []).map((scenario) => [scenario.id, scenario]));
  const fix = 'add severity: SEV1 (worst) to SEV4, so responders know how fast to act';
  (runbook.scenarios ?? []).forEach((scenario, s) => {
    if (scenario.severity) return;
    issues.push({
      level: 'warning',
      code: 'missing-severity',
      path: ['scenarios', s],
      message: `scenario "${scenario.id}" has no severity`,
      fix,
    });
  });
  (runbook.alerts ?? []).forEach((alert, a) => {
    if (alert.severity) return;
    // An alert inherits the severity of the scenario it opens.
    if (alert.scenario && scenarios.get(alert.scenario)?.severity) return;
    issues.push({
      level: 'warning',
      code: 'missing-severity',
      path: ['alerts', a],
      message: `alert "${alert.id}" has no severity${alert.scenario ? ` and neither has its scenario "${alert.scenario}"` : ''}`,
      fix: alert.scenario ? `${fix} (on the alert or on scenario "${alert.scenario}")` : fix,
    });
  });
  return issues;
};

const unknownContact: Rule = ({ runbook }) => {
  const issues: Issue[] = [];
  const contacts = runbook.contacts ?? [];
  const known = new Set(
    contacts
      .flatMap((contact) => [contact.id, contact.name, contact.role ?? ''])
      .map((name) => name.toLowerCase()),
  );
  known.delete('');
  for (const id of [...Object.keys(runbook.rotations ?? {}), ...Object.keys(runbook.channels ?? {})]) {
    known.add(id);
  }
  for (const [policy, written] of Object.entries(runbook.escalation ?? {})) {
    const prefix = Array.isArray(written) ? [] : ['levels'];
    levelsOf(written).forEach((level, l) => {
      level.notify.forEach((name, n) => {
        if (known.has(name.trim().toLowerCase())) return;
        issues.push({
          level: 'warning',
          code: 'unknown-contact',
          path: ['escalation', policy, ...prefix, l, 'notify', n],
          message: `escalation "${policy}" notifies "${name}", which is neither a contact (id, name or role), a rotation nor a channel`,
          fix: suggestion(
            name,
            contacts.map((contact) => contact.id),
            'contact',
          ),
        });
      });
    });
  }
  return issues;
};

const duplicateIds: Rule = ({ runbook, lineOf }) => {
  const issues: Issue[] = [];
  const collections = [
    ['checks', 'check', runbook.checks],
    ['alerts', 'alert', runbook.alerts],
    ['scenarios', 'scenario', runbook.scenarios],
    ['procedures', 'procedure', runbook.procedures],
    ['maintenance', 'maintenance task', runbook.maintenance],
    ['contacts', 'contact', runbook.contacts],
    ['slos', 'slo', runbook.slos],
  ] as const;
  for (const [key, kind, items] of collections) {
    const first = new Map<string, number>();
    (items ?? []).forEach((item: { id: string }, index) => {
      const seen = first.get(item.id);
      if (seen === undefined) {
        first.set(item.id, index);
        return;
      }
      const line = lineOf([key, seen]);
      issues.push({
        level: 'error',
        code: 'duplicate-id',
        path: [key, index, 'id'],
        message: `${kind} id "${item.id}" is already used by ${key}[${seen}]${line === undefined ? '' : ` (line ${line})`}`,
        fix: `rename one of them: ids must be unique among ${key}, or references to "${item.id}" are ambiguous`,
      });
    });
  }
  return issues;
};

const dangerousWithoutId: Rule = ({ runbook }) => {
  const issues: Issue[] = [];
  for (const owner of stepOwners(runbook)) {
    for (const { step, path } of owner.steps) {
      if (step.kind === 'manual' || step.id !== undefined) continue;
      if (step.risk !== 'dangerous' && step.guard?.confirm !== true) continue;
      // The confirmation a responder types is the step's id; without one it is the word "confirm",
      // which a tired hand types without reading what it confirms.
      issues.push({
        level: 'warning',
        code: 'dangerous-without-id',
        path,
        message: `dangerous step ${quote(step.run)} has no id, so running it is confirmed by typing "confirm"`,
        fix: 'give it an id that names what it does (restart-db, kill-blocking-sessions); responders type it to confirm',
      });
    }
  }
  return issues;
};

/**
 * maintenanceGate warns about scheduled tasks whose runs the maintenance gate would refuse: a standing
 * approval that does not hold today (expired, dated ahead, not signed by a person), a dangerous step
 * without one, a step that takes parameters nobody is there to give.
 */
const maintenanceGate: Rule = ({ runbook }) => {
  const issues: Issue[] = [];
  (runbook.maintenance ?? []).forEach((task, t) => {
    if (task.schedule === undefined) return;
    const steps = task.steps ?? [];
    steps.forEach((step, s) => {
      if (Object.keys(step.params ?? {}).length === 0) return;
      issues.push({
        level: 'warning',
        code: 'maintenance-refused',
        path: ['maintenance', t, 'steps', s, 'params'],
        message: `step ${quote(step.run)} of scheduled task ${task.id} takes parameters, and a scheduled run has nobody to give them`,
        fix: 'write the values into the step, or move it to a scenario a responder runs',
      });
    });
    const guarded = guardedSteps(steps);
    if (guarded.length === 0) return;
    if (task.approval === undefined) {
      for (const { step, position } of guarded) {
        if (step.risk === 'destructive') continue; // destructive-unguarded says it
        issues.push({
          level: 'warning',
          code: 'maintenance-refused',
          path: ['maintenance', t, 'steps', position - 1],
          message: `${step.risk} step ${quote(step.run)} of scheduled task ${task.id} needs a person's word, and the task has no standing approval`,
          fix: 'add approval: { by: NAME, at: YYYY-MM-DD } to the task, or lower the step to write if it cannot interrupt service',
        });
      }
      return;
    }
    const problem = approvalProblem(task.approval, Date.now(), task.timezone);
    if (problem) {
      issues.push({
        level: 'warning',
        code: 'maintenance-refused',
        path: ['maintenance', t, 'approval'],
        message: `scheduled task ${task.id} will be refused: ${problem}`,
        fix: 'renew the approval (at, until) with the person who gives it',
      });
    }
  });
  return issues;
};

/** RULES is the rule table; order only decides the order of findings that share a line and path. */
const RULES: readonly Rule[] = [
  destructiveUnguarded,
  maintenanceGate,
  dangerousWithoutId,
  diagnosisRisk,
  placeholders,
  secretsInClear,
  scenarioWithoutDiagnosis,
  unknownReferences,
  missingSeverity,
  unknownContact,
  duplicateIds,
];

// ---------------------------------------------------------------------------------------------
// Steps

interface StepAt {
  readonly step: Step;
  readonly path: Path;
}

interface StepOwner {
  readonly path: Path;
  readonly steps: StepAt[];
}

/** stepOwners lists every scenario, procedure and maintenance task with its steps: the scopes of a backup. */
function stepOwners(runbook: RunbookConfig): StepOwner[] {
  const at = (steps: Step[] | undefined, path: Path): StepAt[] =>
    (steps ?? []).map((step, index) => ({ step, path: [...path, index] }));
  return [
    ...(runbook.scenarios ?? []).map((scenario, s) => ({
      path: ['scenarios', s],
      steps: [
        ...at(scenario.diagnosis, ['scenarios', s, 'diagnosis']),
        ...at(scenario.actions, ['scenarios', s, 'actions']),
      ],
    })),
    ...(runbook.procedures ?? []).map((procedure, p) => ({
      path: ['procedures', p],
      steps: at(procedure.steps, ['procedures', p, 'steps']),
    })),
    ...(runbook.maintenance ?? []).map((task, t) => ({
      path: ['maintenance', t],
      steps: at(task.steps, ['maintenance', t, 'steps']),
    })),
  ];
}

const BACKUP_WORDS = /backup|sauvegard/i;
const DUMP_COMMANDS = /\b(?:pg_dump(?:all)?|pg_basebackup|mysqldump|mongodump)\b/;
const RESTORE_WORDS = /restor|restaur|<\s*\S*backup/i;

/**
 * isBackupStep tells a step that makes a backup from one that merely mentions backups: listing or
 * sizing the backup folder is a read, restoring one is the opposite of a backup.
 */
function isBackupStep(step: Step): boolean {
  const text = `${step.run} ${step.description ?? ''}`;
  if (RESTORE_WORDS.test(text) || step.risk === 'destructive') return false;
  if (DUMP_COMMANDS.test(text)) return true;
  return BACKUP_WORDS.test(text) && step.risk !== 'read';
}

// ---------------------------------------------------------------------------------------------
// Placeholders

interface Field {
  readonly path: Path;
  readonly text: string;
  /** Executable text (commands, URLs) is where a bare "..." is a placeholder rather than prose. */
  readonly executable: boolean;
  readonly step: boolean;
  /** A step's declared parameter names: where they appear in its text they are filled in at run time. */
  readonly params?: readonly string[];
}

/** placeholderFields lists the text that runs or reaches people: steps, services, contacts, checks. */
function placeholderFields(runbook: RunbookConfig): Field[] {
  const fields: Field[] = [];
  for (const owner of stepOwners(runbook)) {
    for (const { step, path } of owner.steps) {
      fields.push({
        path: [...path, 'run'],
        text: step.run,
        executable: step.kind !== 'manual',
        step: true,
        params: Object.keys(step.params ?? {}),
      });
      if (step.workdir !== undefined) {
        fields.push({ path: [...path, 'workdir'], text: step.workdir, executable: true, step: false });
      }
    }
  }
  for (const [name, service] of Object.entries(runbook.services ?? {})) {
    for (const key of ['description', 'url', 'postgres', 'redis', 'host'] as const) {
      const text = service[key];
      if (text !== undefined) {
        fields.push({ path: ['services', name, key], text, executable: key !== 'description', step: false });
      }
    }
  }
  (runbook.contacts ?? []).forEach((contact, c) => {
    for (const key of ['name', 'role', 'email', 'phone', 'url'] as const) {
      const text = contact[key];
      if (text !== undefined) {
        fields.push({
          path: ['contacts', c, key],
          text,
          executable: key !== 'name' && key !== 'role',
          step: false,
        });
      }
    }
  });
  (runbook.checks ?? []).forEach((check, c) => {
    fields.push({ path: ['checks', c, 'target'], text: check.target, executable: true, step: false });
    if (check.query !== undefined) {
      fields.push({ path: ['checks', c, 'query'], text: check.query, executable: true, step: false });
    }
    (check.command ?? []).forEach((arg, a) => {
      fields.push({ path: ['checks', c, 'command', a], text: arg, executable: true, step: false });
    });
  });
  return fields;
}

interface PlaceholderPattern {
  readonly pattern: RegExp;
  readonly executableOnly?: boolean;
}

const PLACEHOLDER_PATTERNS: readonly PlaceholderPattern[] = [
  // TENANT_UUID, DOC_ID; not NAME=value, which assigns a variable rather than waiting for a value.
  { pattern: /(?<![A-Za-z0-9_])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:UUID|ID)(?![A-Za-z0-9_=])/g },
  // <PID>, <api-url>, <new_secret>; the few HTML tags prose may carry are not placeholders.
  { pattern: /<(?!(?:br|b|i|p|em|strong|code|pre|div|span)>)[A-Za-z][\w.-]*>/g },
  // srv-xxx, 2aa5655c-xxx, xxx.
  { pattern: /(?<![A-Za-z0-9])(?:[A-Za-z0-9]+-)?x{3,}(?![A-Za-z0-9])/gi },
  { pattern: /(?<![A-Za-z0-9])(?:YYYY[-_/.]?MM(?:[-_/.]?DD)?|DD[-_/.]MM[-_/.]YYYY)(?![A-Za-z])/gi },
  {
    pattern:
      /\[(?:your[ _-]?)?(?:contact|name|e-?mail|phone|number|tel|url|link|user(?:name)?|password|host|token|key|id|value)\]/gi,
  },
  // The mangled spellings are how "À définir" reads in files saved through the wrong encoding.
  { pattern: /(?<![\p{L}\p{N}_])(?:[AÀaà]|√Ä|Ã€)\s+d(?:[ée]|√©|Ã©)finir(?![\p{L}\p{N}_])/giu },
  { pattern: /(?<![A-Za-z0-9_])(?:TBD|TODO|FIXME)(?![A-Za-z0-9_])/g },
  { pattern: /(?<![A-Za-z0-9_])to be (?:defined|determined|confirmed)(?![A-Za-z0-9_])/gi },
  // "..." standing for an argument, alone or as a whole URL: psql "postgres://...".
  { pattern: /(?<=^|[\s"'=(])(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\.\.\.|…)(?=$|[\s"')])/gi, executableOnly: true },
];

/** ENV_REFERENCE matches ${NAME} and $NAME, which are filled in at run time and so are not placeholders. */
const ENV_REFERENCE = /\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g;

/** findPlaceholders returns the placeholders of a text, in order of appearance. */
/**
 * stepPlaceholders finds what a step's text leaves to be filled in, less its declared parameters; in a
 * command it also finds the bare names a responder would replace (`kill -9 PID`, `DEL queue:TENANT_ID`).
 */
function stepPlaceholders(field: Field, declared: readonly string[]): string[] {
  const known = new Set(declared);
  const found = findPlaceholders(field.text, field.executable).filter(
    (text) =>
      !known.has(
        text
          .replace(/^[<{]+|[>}]+$/g, '')
          .replace(/[-.]/g, '_')
          .toUpperCase(),
      ),
  );
  if (!field.executable) return found;
  for (const placeholder of undeclaredPlaceholders(field.text, declared)) {
    if (!found.includes(placeholder.text)) found.push(placeholder.text);
  }
  return found;
}

function findPlaceholders(text: string, executable: boolean): string[] {
  // Blank references out with spaces so that offsets stay those of the original text.
  const bare = text.replace(ENV_REFERENCE, (reference) => ' '.repeat(reference.length));
  const found: { index: number; text: string }[] = [];
  for (const { pattern, executableOnly } of PLACEHOLDER_PATTERNS) {
    if (executableOnly && !executable) continue;
    for (const match of bare.matchAll(pattern)) found.push({ index: match.index, text: match[0] });
  }
  for (const dsn of findPlaceholderDsns(text))
    found.push({ index: dsn.start, text: text.slice(dsn.start, dsn.end) });
  return found.sort((a, b) => a.index - b.index).map((hit) => hit.text);
}

// ---------------------------------------------------------------------------------------------
// Text, paths and lines

const QUOTE_WIDTH = 80;

/** quote shows a text in a message: secrets masked, on one line, cut around `focus` when it is long. */
function quote(text: string, focus?: string): string {
  const flat = maskSecrets(text).replace(/\s+/g, ' ').trim();
  if (flat.length <= QUOTE_WIDTH) return `"${flat}"`;
  const at = focus === undefined ? 0 : Math.max(0, flat.indexOf(focus));
  const start = Math.max(0, Math.min(at - 20, flat.length - QUOTE_WIDTH));
  const end = start + QUOTE_WIDTH;
  return `"${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}"`;
}

/** strings walks every string of the model, so that a secret cannot hide in a field a rule forgot. */
function* strings(value: unknown, path: Path): Generator<{ path: Path; text: string }> {
  if (typeof value === 'string') {
    yield { path, text: value };
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* strings(item, [...path, index]);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key !== 'source') yield* strings(item, [...path, key]);
    }
  }
}

/** suggestion is the fix of a dangling reference: the closest existing id, else what exists. */
function suggestion(name: string, known: readonly string[], kind: string): string {
  const best = closest(name, known);
  if (best !== undefined) return `did you mean '${best}'?`;
  if (known.length === 0) return `declare a ${kind} with id '${name}'`;
  const shown = known.slice(0, 8).map((id) => `'${id}'`);
  return `declare a ${kind} with id '${name}', or name one of ${shown.join(', ')}${known.length > 8 ? ', …' : ''}`;
}

/** sourceLine is the `source.line` of the deepest object on the path that has one. */
function sourceLine(runbook: RunbookConfig, path: Path): number | undefined {
  let node: unknown = runbook;
  let line: number | undefined;
  for (let depth = 0; ; depth++) {
    if (node === null || typeof node !== 'object') break;
    const source = (node as { source?: { line?: unknown } }).source;
    if (typeof source?.line === 'number') line = source.line;
    const key = path[depth];
    if (key === undefined) break;
    node = (node as Record<string | number, unknown>)[key];
  }
  return line;
}

function compareLines(a: number | undefined, b: number | undefined): number {
  // Findings without a line go last: they have no place in the file to sit next to.
  return (a ?? Number.POSITIVE_INFINITY) - (b ?? Number.POSITIVE_INFINITY) || 0;
}

/** comparePaths orders paths element by element, so that items[10] comes after items[2]. */
function comparePaths(a: Path, b: Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}
