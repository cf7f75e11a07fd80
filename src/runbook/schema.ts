/**
 * The runbook model. These zod schemas are the documentation of `vigie.yaml`: every field carries a
 * one-line description, and `schema/runbook.schema.json` is generated from them (`npm run schema`).
 * Keys are snake_case. Values stay in their written form (`15m`, `99.5%`); `units.ts` parses them.
 */
import { z } from 'zod';
import { StepParams } from '../actions/params.ts';
import { Rotation } from '../escalation/rotation.ts';
import { Channel } from '../notify/index.ts';
import { parseDuration, parsePercent } from './units.ts';

/** ID is the form of every identifier a runbook declares: lower-case words joined by `-` or `_`. */
export const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lower-case letters, digits, "-" and "_" (for example "api-down")')
  .describe('An identifier: lower-case letters, digits, "-" and "_".');

/** Duration is a written duration such as `30s`, `15m`, `1h30m`. */
export const Duration = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, {
    message: 'not a duration; write it like 30s, 15m, 1h or 1h30m',
  })
  .describe('A duration: 250ms, 30s, 15m, 1h, 1h30m, 2d.');

/** Percent is a written percentage such as `99.5%`. */
export const Percent = z
  .string()
  .refine((text) => parsePercent(text) !== undefined, { message: 'not a percentage; write it like 99.5%' })
  .describe('A percentage such as 99.5%.');

/** SEVERITIES lists Vigie's normalised severities, most severe first. */
export const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
/** Severity is a normalised severity; aliases (P0, CRITICAL, 🔴) are resolved by `severity.ts`. */
export const Severity = z.enum(SEVERITIES).describe('Normalised severity, SEV1 (worst) to SEV4.');
export type Severity = z.infer<typeof Severity>;

/** Source points back at the line of the imported document an item came from. */
export const Source = z
  .object({
    line: z.number().int().positive().describe('1-based line in the source document.'),
  })
  .strict()
  .describe('Where the item was found in the imported document.');

/** Original keeps the wording a normalised value was read from, keyed by field name. */
export const Original = z
  .record(z.string(), z.string())
  .describe('The original wording of each normalised field, keyed by field name.');

const sourced = { source: Source.optional(), original: Original.optional() };

/** PROBE_KINDS lists the probe kinds a check may name. */
export const PROBE_KINDS = [
  'http',
  'tcp',
  'postgres',
  'redis',
  'queue',
  'tls',
  'dns',
  'disk',
  'host',
  'sql',
  'command',
] as const;
/** ProbeKind names how a check observes its target. */
export const ProbeKind = z.enum(PROBE_KINDS).describe('How the check observes its target.');
export type ProbeKind = z.infer<typeof ProbeKind>;

/** STEP_KINDS lists how a step is executed. */
export const STEP_KINDS = ['http', 'sql', 'redis', 'shell', 'docker', 'manual'] as const;
/** StepKind says which executor runs a step; `manual` is prose for a person. */
export const StepKind = z
  .enum(STEP_KINDS)
  .describe('Which executor runs the step; manual is prose for a person.');
export type StepKind = z.infer<typeof StepKind>;

/** RISKS lists the risk levels, least to most harmful. */
export const RISKS = ['read', 'write', 'dangerous', 'destructive'] as const;
/** Risk is how much harm a step can do, and so which gate it passes (see DESIGN.md). */
export const Risk = z
  .enum(RISKS)
  .describe(
    'read: observes only; write: reversible change; dangerous: may interrupt service; destructive: loses data.',
  );
export type Risk = z.infer<typeof Risk>;

/** Service is something the runbook watches or acts on; secrets come from ${ENV} references. */
export const Service = z
  .object({
    description: z.string().optional().describe('What the service is.'),
    url: z.string().optional().describe('Base URL of an HTTP service.'),
    postgres: z.string().optional().describe('PostgreSQL connection string, usually ${DATABASE_URL}.'),
    redis: z.string().optional().describe('Redis URL, usually ${REDIS_URL}.'),
    host: z.string().optional().describe('Host name or host:port of a machine or TCP service.'),
    ...sourced,
  })
  .strict();
export type Service = z.infer<typeof Service>;

/** Check is one probe run on a schedule, with the conditions that make it pass. */
export const Check = z
  .object({
    id: Id,
    name: z.string().optional().describe('Human name of the check.'),
    probe: ProbeKind,
    target: z.string().describe('What the probe looks at: a URL, a DSN, host:port, a path, a queue name.'),
    service: Id.optional().describe('The service the probe connects through (the Redis of a queue check).'),
    every: Duration.optional().describe('Interval between two runs; 30s when absent.'),
    timeout: Duration.optional().describe('Longest a single run may take.'),
    expect: z
      .array(z.string())
      .optional()
      .describe('Conditions that must all hold, e.g. "status == 200", "body.database == true".'),
    query: z.string().optional().describe('SQL of a postgres or sql probe.'),
    command: z.array(z.string()).optional().describe('argv of a command probe.'),
    method: z.string().optional().describe('HTTP method of an http probe; GET when absent.'),
    headers: z.record(z.string(), z.string()).optional().describe('HTTP request headers of an http probe.'),
    body: z.string().optional().describe('HTTP request body of an http probe.'),
    follow_redirects: z
      .boolean()
      .optional()
      .describe('Whether an http probe follows redirects; true when absent.'),
    verify_tls: z
      .boolean()
      .optional()
      .describe('Whether http and tls probes verify certificates; true when absent.'),
    key: z.string().optional().describe('Redis key whose length (LLEN) or presence a redis probe reports.'),
    queue: z
      .enum(['bullmq', 'rq', 'celery'])
      .optional()
      .describe('Queue system of a queue probe; bullmq when absent.'),
    record: z
      .enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV'])
      .optional()
      .describe('DNS record type a dns probe resolves; A when absent.'),
    depends_on: z
      .array(Id)
      .optional()
      .describe("Checks this one depends on: while one of theirs fires, this check's alerts page nobody."),
    ...sourced,
  })
  .strict();
export type Check = z.infer<typeof Check>;

/** Alert turns a check's history into trouble when its `when` rule holds. */
export const Alert = z
  .object({
    id: Id,
    name: z.string().optional().describe('Human name of the alert.'),
    check: Id.optional().describe('The check whose observations the rule reads.'),
    when: z
      .string()
      .describe(
        'The rule: "fails 3 times", "error_rate > 5% over 5m", "p99(latency) > 3s over 5m", "value > 85".',
      ),
    severity: Severity.optional(),
    scenario: Id.optional().describe('The scenario an incident from this alert follows.'),
    resolve: z
      .string()
      .optional()
      .describe('When a firing alert resolves: "recovers after 2 successes" (the default), "clear for 5m".'),
    labels: z
      .record(z.string(), z.string())
      .optional()
      .describe('Labels silences and scenarios match on; alert, check and severity are added.'),
    escalation: Id.optional().describe('Escalation policy of its incidents; "default" when absent.'),
    group: z
      .string()
      .optional()
      .describe(
        'Dedup key: firing alerts with one group share one incident; the scenario, else the alert id.',
      ),
    ...sourced,
  })
  .strict();
export type Alert = z.infer<typeof Alert>;

/** SeverityLevel documents one severity: what it means and how fast someone must respond. */
export const SeverityLevel = z
  .object({
    id: Severity,
    label: z.string().optional().describe("The runbook's own name for the level (P0, CRITICAL, 🔴)."),
    aliases: z.array(z.string()).optional().describe('Other names that mean this level.'),
    description: z.string().optional().describe('What makes an incident this severe.'),
    response_time: Duration.optional().describe('How fast someone must respond.'),
    ...sourced,
  })
  .strict();
export type SeverityLevel = z.infer<typeof SeverityLevel>;

/** Contact is a person, team or vendor that can be notified. */
export const Contact = z
  .object({
    id: Id,
    name: z.string().describe('Who: a person, a team, a vendor.'),
    role: z.string().optional().describe('Their role (on-call primary, tech lead).'),
    email: z.string().optional().describe('Email address for notifications.'),
    phone: z.string().optional().describe('Phone number for calls or SMS.'),
    url: z.string().optional().describe('A page or ticket form to reach them.'),
    severities: z.array(Severity).optional().describe('Severities this contact handles.'),
    channels: z
      .array(Id)
      .optional()
      .describe('Channels that reach this contact; every declared channel when absent.'),
    ...sourced,
  })
  .strict();
export type Contact = z.infer<typeof Contact>;

/** EscalationLevel pages its targets once the incident is `after` old and still unacknowledged. */
export const EscalationLevel = z
  .object({
    after: Duration.describe('Time since the incident opened.'),
    notify: z
      .array(z.string())
      .min(1)
      .describe(
        'Who to page: contact ids, rotation ids (whoever is on call), channel ids, or contact roles.',
      ),
    ...sourced,
  })
  .strict();
export type EscalationLevel = z.infer<typeof EscalationLevel>;

/** EscalationPolicy is a list of levels, with how often it starts over and when an acknowledgement lapses. */
export const EscalationPolicy = z
  .object({
    levels: z.array(EscalationLevel).min(1).describe('Levels, in order of their delays.'),
    repeat: z
      .number()
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe(
        'How many times the policy starts over after its last level while unacknowledged; 0 when absent.',
      ),
    repeat_after: Duration.optional().describe(
      'Wait after the last level before starting over; 15m when absent.',
    ),
    ack_timeout: Duration.optional().describe(
      'An acknowledged incident still open after this is triggered again and escalates anew.',
    ),
  })
  .strict();
export type EscalationPolicy = z.infer<typeof EscalationPolicy>;

/** levelsOf gives the levels of a policy written either way (a plain list, or an object with `levels`). */
export function levelsOf(policy: readonly EscalationLevel[] | EscalationPolicy): readonly EscalationLevel[] {
  return Array.isArray(policy) ? policy : (policy as EscalationPolicy).levels;
}

/** Guard records what a risky step needs before it may run. */
export const Guard = z
  .object({
    approval: z.boolean().optional().describe('A second person must approve each run.'),
    backup: z.string().optional().describe('Step or task id that must have succeeded first (a backup).'),
    confirm: z.boolean().optional().describe('The responder must type a confirmation.'),
  })
  .strict();

/** Step is one diagnosis or corrective action: a command, a request, or prose for a person. */
export const Step = z
  .object({
    id: Id.optional().describe('Identifier other steps and guards refer to.'),
    run: z.string().describe('The command, query, request or instruction text.'),
    kind: StepKind,
    risk: Risk,
    description: z.string().optional().describe('What the step does, in words.'),
    when: z
      .string()
      .optional()
      .describe('The condition under which the step applies ("deploy in progress").'),
    expect: z.string().optional().describe('What a healthy answer looks like.'),
    guard: Guard.optional().describe('What the step needs before it may run.'),
    service: Id.optional().describe('The service a sql, redis or http step runs against.'),
    params: StepParams.optional().describe(
      'Values the step needs (TENANT_UUID, PID), typed and validated, passed as bind values or single argv elements.',
    ),
    timeout: Duration.optional().describe(
      'Longest the step may run before it is killed with its process group; when absent 60s for a corrective step, 1h for a maintenance step.',
    ),
    workdir: z
      .string()
      .min(1)
      .optional()
      .describe("Directory a shell or docker step runs in; Vigie's own when absent."),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name: letters, digits and _'),
        z.string(),
      )
      .optional()
      .describe(
        "Variables the step's process gets, usually ${ENV} references (PGPASSWORD: ${BACKUP_PASSWORD}); secret ones are masked.",
      ),
    on_failure: z
      .enum(['stop', 'continue'])
      .optional()
      .describe('What a run of the whole scenario or task does when this step fails; stop when absent.'),
    ...sourced,
  })
  .strict();
export type Step = z.infer<typeof Step>;

/** ResolutionTime is how long a scenario usually takes to fix. */
export const ResolutionTime = z
  .object({
    min: Duration.optional().describe('Shortest usual time to fix.'),
    max: Duration.optional().describe('Longest usual time to fix.'),
    text: z.string().optional().describe('The original wording.'),
  })
  .strict();

/** RestoreBackup answers "when should a backup be restored?" for one scenario. */
export const RestoreBackup = z
  .object({
    answer: z.enum(['yes', 'no', 'maybe']).describe('Whether restoring a backup is part of the fix.'),
    when: z.array(z.string()).optional().describe('The conditions that call for a restore.'),
    text: z.string().optional().describe('The original wording.'),
  })
  .strict();

/** Scenario is one kind of incident: how it shows, why, how to diagnose and fix it. */
export const Scenario = z
  .object({
    id: Id,
    title: z.string().describe('What the incident is, in a few words.'),
    severity: Severity.optional(),
    symptoms: z.array(z.string()).optional().describe('How the incident shows.'),
    causes: z.array(z.string()).optional().describe('Likely causes, most common first.'),
    diagnosis: z.array(Step).optional().describe('Steps that find the cause; read steps run automatically.'),
    actions: z.array(Step).optional().describe('Corrective steps, guarded by their risk.'),
    restore_backup: RestoreBackup.optional().describe('Whether and when to restore a backup.'),
    resolution_time: ResolutionTime.optional().describe('How long a fix usually takes.'),
    prevention: z.array(z.string()).optional().describe('What keeps the incident from happening again.'),
    match: z
      .object({
        alerts: z
          .array(z.string())
          .optional()
          .describe('Alert ids or names (also from Alertmanager) that mean this scenario.'),
        checks: z.array(Id).optional().describe('Checks whose failure means this scenario.'),
        labels: z.record(z.string(), z.string()).optional().describe('Labels an alert must all carry.'),
        logs: z
          .array(z.string())
          .optional()
          .describe('Regular expressions matched against an alert summary or log line.'),
      })
      .strict()
      .optional()
      .describe('Signals that mean this scenario, beyond the alerts that name it.'),
    ...sourced,
  })
  .strict();
export type Scenario = z.infer<typeof Scenario>;

/** Procedure is a named sequence of steps outside any scenario (deploy, rollback, security response). */
export const Procedure = z
  .object({
    id: Id,
    title: z.string().describe('What the procedure does.'),
    category: z
      .enum(['operations', 'deploy', 'security', 'reference'])
      .optional()
      .describe('operations when absent; reference holds useful commands.'),
    steps: z.array(Step).optional().describe('The steps, in order.'),
    ...sourced,
  })
  .strict();
export type Procedure = z.infer<typeof Procedure>;

/** StandingApproval records who approved, once and for all, the destructive steps of a scheduled task. */
export const StandingApproval = z
  .object({
    by: z.string().min(1).describe('Who approved (a person, not the scheduler).'),
    at: z.iso.date().describe('When they approved, as YYYY-MM-DD.'),
    until: z.iso
      .date()
      .optional()
      .describe('Last day the approval holds; it holds until withdrawn when absent.'),
    note: z.string().optional().describe('Why, or the ticket that records it.'),
  })
  .strict();
export type StandingApproval = z.infer<typeof StandingApproval>;

/** MaintenanceTask is scheduled work: a backup, a VACUUM, a clean-up. */
export const MaintenanceTask = z
  .object({
    id: Id,
    title: z.string().describe('What the task does.'),
    schedule: z.string().optional().describe('Cron expression (5 fields; `6#1` is the first Saturday).'),
    timezone: z.string().optional().describe('IANA time zone of the schedule; UTC when absent.'),
    duration: Duration.optional().describe('Length of the maintenance window the task opens.'),
    affects: z
      .array(Id)
      .optional()
      .describe('Checks and alerts quiet during the window; every alert when absent.'),
    objective: z.string().optional().describe('Why the task runs.'),
    steps: z.array(Step).optional().describe('The steps, in order.'),
    grace: Duration.optional().describe(
      'How late a run may start before it counts as missed and raises an alert; 5m when absent.',
    ),
    approval: StandingApproval.optional().describe(
      'A standing approval: lets the scheduler run the destructive steps of this task unattended.',
    ),
    ...sourced,
  })
  .strict();
export type MaintenanceTask = z.infer<typeof MaintenanceTask>;

/** ChecklistItem is one line to tick. */
export const ChecklistItem = z.union([
  z.string(),
  z
    .object({
      text: z.string().describe('What to check.'),
      check: Id.optional().describe('A check whose success ticks the item by itself (health OK, latency).'),
      hold: Duration.optional().describe(
        'How long the check must keep succeeding before the item ticks ("no errors for 5m"); its next success when absent.',
      ),
      ...sourced,
    })
    .strict(),
]);
export type ChecklistItem = z.infer<typeof ChecklistItem>;

/** Checklist is a named list of items, written as a plain list or with a title. */
export const Checklist = z.union([
  z.array(ChecklistItem),
  z
    .object({
      title: z.string().optional().describe('Heading of the checklist.'),
      items: z.array(ChecklistItem).describe('The items, in order.'),
      ...sourced,
    })
    .strict(),
]);
export type Checklist = z.infer<typeof Checklist>;

/** StatusPage names what the public status page shows. */
export const StatusPage = z
  .object({
    title: z.string().optional().describe('Title of the public status page.'),
    components: z
      .array(
        z
          .object({
            id: Id,
            name: z.string().describe('Name shown to the public.'),
            checks: z.array(Id).optional().describe("Checks whose state makes this component's state."),
          })
          .strict(),
      )
      .optional()
      .describe('Components shown, each made of checks.'),
  })
  .strict();

/** SLO_INDICATORS lists what an SLO can measure. */
export const SLO_INDICATORS = [
  'availability',
  'latency',
  'error_rate',
  'queue_depth',
  'duration',
  'custom',
] as const;

/** Slo is a service level objective measured over a window. */
export const Slo = z
  .object({
    id: Id,
    name: z.string().describe('Name of the objective.'),
    indicator: z.enum(SLO_INDICATORS).describe('What the SLO measures.'),
    objective: Percent.optional().describe('Share of the window that must be good (availability).'),
    target: z.string().optional().describe('The bound a good measurement respects: "p99(latency) < 1s".'),
    critical: z.string().optional().describe('The bound past which the SLO is in critical breach.'),
    window: Duration.optional().describe('Window the SLO is measured over; 30d when absent.'),
    check: Id.optional().describe('The check whose observations measure the SLO.'),
    ...sourced,
  })
  .strict();
export type Slo = z.infer<typeof Slo>;

/** IncidentSettings tunes the incident lifecycle. */
export const IncidentSettings = z
  .object({
    reopen_within: Duration.optional().describe(
      'A firing alert reopens its resolved incident within this time instead of opening a new one; 30m when absent.',
    ),
    auto_resolve: z
      .boolean()
      .optional()
      .describe('Resolve an incident when all its alerts have cleared; true when absent.'),
    link: z.string().optional().describe("Base URL of Vigie's dashboard, for links in notifications."),
    diagnosis_shell: z
      .boolean()
      .optional()
      .describe('Let automatic diagnosis run read-only shell and docker steps; false when absent.'),
    diagnosis_timeout: Duration.optional().describe('Longest one diagnosis step may run; 10s when absent.'),
  })
  .strict();
export type IncidentSettings = z.infer<typeof IncidentSettings>;

/** Runbook is the whole model of one `vigie.yaml`. */
export const Runbook = z
  .object({
    name: z.string().min(1).describe('Name of the system the runbook runs.'),
    description: z.string().optional().describe('What the system does, for the reader.'),
    version: z.string().optional().describe('Version of this runbook.'),
    services: z.record(Id, Service).optional().describe('What the runbook watches and acts on, by id.'),
    checks: z.array(Check).optional().describe('Probes run on a schedule.'),
    alerts: z.array(Alert).optional().describe('Rules that turn check results into incidents.'),
    severities: z
      .array(SeverityLevel)
      .optional()
      .describe('What each severity means and how fast to respond.'),
    contacts: z.array(Contact).optional().describe('People, teams and vendors to notify.'),
    escalation: z
      .record(Id, z.union([z.array(EscalationLevel), EscalationPolicy]))
      .optional()
      .describe(
        'Escalation policies by name, as levels or with repeat and ack_timeout; "default" applies unless an alert names another.',
      ),
    channels: z
      .record(Id, Channel)
      .optional()
      .describe('Where notifications go, by id: webhook, slack, email (SMTP) or log.'),
    rotations: z
      .record(Id, Rotation)
      .optional()
      .describe('On-call rotations by id; an escalation level that names one pages whoever is on call.'),
    incidents: IncidentSettings.optional().describe('How incidents open, reopen, resolve and diagnose.'),
    scenarios: z.array(Scenario).optional().describe('Kinds of incident and how to handle each.'),
    procedures: z
      .array(Procedure)
      .optional()
      .describe('Step sequences outside incidents: deploy, security, reference.'),
    maintenance: z.array(MaintenanceTask).optional().describe('Scheduled work.'),
    checklists: z
      .record(Id, Checklist)
      .optional()
      .describe('Checklists by id (pre-deploy, post-deploy, post-incident, …).'),
    status_page: StatusPage.optional().describe('What the public status page shows.'),
    slos: z.array(Slo).optional().describe('Service level objectives.'),
  })
  .strict();
/** RunbookConfig is a runbook as written, after validation. */
export type RunbookConfig = z.infer<typeof Runbook>;
/** RunbookInput is what a runbook file may contain before defaults apply. */
export type RunbookInput = z.input<typeof Runbook>;
