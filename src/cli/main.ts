/**
 * The `vigie` command. Each sub-command parses its arguments, calls one function of the core and
 * formats the answer; errors come out as `vigie: CODE: message` with how to fix them.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkOnce } from '../engine/check-once.ts';
import { startVigie } from '../engine/runtime.ts';
import { VigieError } from '../errors.ts';
import { lintDocumentText, lintRunbook } from '../runbook/lint.ts';
import { formatLoadErrors } from '../runbook/load.ts';
import { InvalidRunbook, readRunbookFile } from '../runbook/read.ts';
import { maskSecrets } from '../runbook/secrets.ts';
import { formatTable, summarise } from '../runbook/show.ts';
import { toYaml } from '../runbook/write.ts';
import { actionCommands } from './actions.ts';
import { deployCommands } from './deploys.ts';
import { incidentCommands } from './incidents.ts';
import { maintenanceCommands } from './maintenance.ts';

const USAGE = `Usage: vigie <command> [options]

Commands:
  import FILE.md [-o vigie.yaml] [--json]   turn a prose runbook into the runbook model
  lint FILE [--json]                        check a runbook (YAML or Markdown); exit 1 on errors
  show FILE                                 summarise a runbook (YAML or Markdown)
  check FILE [--json] [--only ID,…]         run every check once; exit 1 if any fails
  serve FILE [--port 8080] [--host 127.0.0.1] [--store vigie.sqlite]
                                            run checks, alerts, incidents and the API
  incidents [list|show|ack|resolve] [ID] [--status open|all] [--url URL] [--token T]
                                            incidents of a running Vigie (VIGIE_URL, VIGIE_TOKEN)
  silence add MATCHER… --comment TEXT [--duration 1h] | list | expire ID
                                            silence alerts whose labels match (alert=api-down)
  token create --role viewer|responder|admin [--name N] [--store vigie.sqlite] | list | revoke ID
                                            API tokens, stored hashed
  run SCENARIO [--step ID|N | --from ID|N] [--incident INC-1] [--param NAME=VALUE]… [--dry-run] [--confirm TEXT]…
                                            run a scenario's steps in order (or one step) through their risk gates;
                                            stops at the first failed step or one that waits for an approval
  approve RUN [--confirm TEXT]              approve another responder's waiting run
  retry RUN [--confirm TEXT]                ask a waiting run's gate again (its backup has run, a confirmation)
  postmortem INC-1 [-o FILE]                draft the incident's post-mortem (Markdown)
  deploy start [TITLE] [--duration 30m] [--quiet MATCHER]… | finish [ID] | list | show ID
                                            a deploy: its maintenance window and pre/post-deploy checklists
  checklist tick CHECKLIST POSITION [--note TEXT] [--undo] | show CHECKLIST | show --incident INC-1
                                            tick a checklist item by hand (check items tick themselves)
  maintenance list | run TASK [--detach]    the runbook's maintenance tasks: schedules, next due times, latest
                                            runs; run one now through its gate (waits for it unless --detach)
  help                                      print this help
`;

/** Output is where a command writes; tests pass their own. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const console_: Output = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

type Command = (args: string[], io: Output) => Promise<number>;

/** masker hides the environment's secret values and any secret written in clear. */
const masker =
  (secrets: readonly string[]) =>
  (text: string): string =>
    maskSecrets(text, secrets);

const oneFile = (positionals: string[], command: string): string => {
  if (positionals.length !== 1) {
    throw new VigieError('USAGE', `vigie ${command} takes exactly one file`, `run: vigie ${command} FILE`);
  }
  return positionals[0]!;
};

/** YAML_HEADER points editors at the generated JSON Schema, for completion in `vigie.yaml`. */
const YAML_HEADER = (file: string): string =>
  ` Imported by \`vigie import ${file}\`. Review it: the importer is honest but lossy.\n` +
  ' yaml-language-server: $schema=./node_modules/vigie/schema/runbook.schema.json';

const commands: Record<string, Command> = {
  ...incidentCommands,
  ...actionCommands,
  ...deployCommands,
  ...maintenanceCommands,
  async import(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { output: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
    });
    const file = oneFile(positionals, 'import');
    const read = await readRunbookFile(file);
    for (const note of read.notes) io.err(`note: ${note}`);
    const text = values.json
      ? `${JSON.stringify(read.runbook, null, 2)}\n`
      : toYaml(read.runbook, YAML_HEADER(file));
    if (values.output) {
      await writeFile(values.output, text);
      io.err(`wrote ${values.output}`);
    } else io.out(text);
    return 0;
  },

  async lint(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' } },
    });
    const file = oneFile(positionals, 'lint');
    let read: Awaited<ReturnType<typeof readRunbookFile>>;
    try {
      read = await readRunbookFile(file);
    } catch (error) {
      if (!(error instanceof InvalidRunbook) || !values.json) throw error;
      io.out(JSON.stringify({ file, errors: error.errors, findings: [] }, null, 2));
      return 1;
    }
    const findings = lintRunbook(read.runbook, read.locate);
    if (read.text !== undefined) {
      // Secrets in prose the model does not keep (a dashboard list with "admin/admin") count too.
      const reported = new Set(findings.filter((f) => f.code === 'secret-in-clear').map((f) => f.line));
      findings.push(...lintDocumentText(read.text).filter((finding) => !reported.has(finding.line)));
      findings.sort((a, b) => (a.line ?? Number.POSITIVE_INFINITY) - (b.line ?? Number.POSITIVE_INFINITY));
    }
    const errors = findings.filter((finding) => finding.level === 'error').length;
    if (values.json) io.out(JSON.stringify({ file, findings }, null, 2));
    else {
      for (const finding of findings) {
        io.out(
          `${file}:${finding.line ?? '?'}: ${finding.level} ${finding.code}: ${finding.message}\n    fix: ${finding.fix}`,
        );
      }
      io.out(`${errors} error(s), ${findings.length - errors} warning(s)`);
    }
    return errors > 0 ? 1 : 0;
  },

  async show(args, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    const read = await readRunbookFile(oneFile(positionals, 'show'));
    // A runbook may hold a secret in clear (the linter says so); the summary never repeats it.
    io.out(maskSecrets(summarise(read.runbook)));
    return 0;
  },

  async check(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, only: { type: 'string' } },
    });
    const file = oneFile(positionals, 'check');
    const read = await readRunbookFile(file);
    const only = values.only?.split(',').map((id) => id.trim());
    const outcome = await checkOnce(read.runbook, process.env, only ? { only } : {});
    if (outcome.errors.length > 0) {
      throw new VigieError(
        'RUNBOOK_INVALID',
        `${file}: some checks cannot be built:\n${formatLoadErrors(file, outcome.errors)}`,
        'fix each condition at the column shown; the README lists the condition language',
      );
    }
    const mask = masker(outcome.secrets);
    if (values.json) {
      const report = outcome.results.map((result) => ({
        id: result.id,
        ok: result.ok,
        latency: result.observation.latency,
        failures: result.failures.map(mask),
        timed_out: result.timedOut,
      }));
      io.out(JSON.stringify(report, null, 2));
    } else {
      const rows = outcome.results.map((result) => [
        result.id,
        result.ok ? 'ok' : 'FAIL',
        `${Math.round(result.observation.latency)}ms`,
        mask(result.failures.join('; ')),
      ]);
      io.out(formatTable([['CHECK', 'RESULT', 'LATENCY', 'WHY'], ...rows]));
      const failed = outcome.results.filter((result) => !result.ok).length;
      io.out(`${outcome.results.length - failed} ok, ${failed} failing`);
    }
    return outcome.results.every((result) => result.ok) ? 0 : 1;
  },

  async serve(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        store: { type: 'string', default: 'vigie.sqlite' },
        concurrency: { type: 'string', default: '64' },
      },
    });
    const file = oneFile(positionals, 'serve');
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new VigieError(
        'USAGE',
        `--port ${values.port} is not a port number`,
        'give a number from 0 to 65535',
      );
    }
    const read = await readRunbookFile(file);
    const log = (level: string, msg: string, fields: Record<string, unknown> = {}): void =>
      io.err(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
    const vigie = await startVigie({
      runbook: read.runbook,
      env: process.env,
      storePath: values.store,
      host: values.host,
      port,
      concurrency: Number(values.concurrency) || 64,
      log,
    });
    log('info', 'serving', {
      runbook: read.runbook.name,
      checks: vigie.engine.checks.length,
      url: vigie.url,
      store: values.store,
    });
    await new Promise<void>((resolve) => {
      // A terminal's Ctrl-C reaches this process twice (from the terminal and from bin/vigie.js):
      // the second must not cut the orderly stop short.
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        log('info', 'stopping', { signal });
        resolve();
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
    await vigie.stop();
    log('info', 'stopped');
    return 0;
  },

  async help(_args, io) {
    io.out(USAGE);
    return 0;
  },
};

/** main runs the `vigie` command line and gives the process exit code. */
export async function main(argv: readonly string[], io: Output = console_): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') return commands.help!([], io);
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.err(`vigie: USAGE: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(args, io);
  } catch (error) {
    if (error instanceof VigieError) {
      io.err(`vigie: ${error.code}: ${error.message}\n  fix: ${error.fix}`);
      return error.code === 'USAGE' ? 2 : 1;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`vigie: USAGE: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}
