/**
 * The shell executor: a command line run as a process on Vigie's machine.
 *
 * - A simple command runs as an argv, without a shell: quotes are removed and `$VAR` expanded as
 *   `sh` would, and nothing else is interpreted. A line that needs a shell (a pipe, a redirection,
 *   `&&`, `;`, `$(…)`, a glob) runs through `/bin/sh -c` only when the request allows the shell,
 *   and is refused otherwise: Vigie does not run half of a pipeline and call it the answer.
 * - `sudo` (and `su`, `doas`, `pkexec`) is refused: Vigie runs as its own user.
 * - In read mode, a step whose text the classifier reads as more than `read` is refused whatever its
 *   label says, since nothing inside a process can be held read-only the way a transaction can.
 * - The environment is the process's own with the request's variables over it; stdin is closed.
 * - The command leads its own process group, so stopping it stops all it started: at the deadline
 *   the group gets SIGTERM, then SIGKILL after a grace; what it leaves running after a normal exit
 *   is stopped the same way.
 * - stdout and stderr are merged and kept in fixed memory, the first and the last halves.
 * - Parameters are filled inside argv elements, never split nor re-read; a line run by `/bin/sh -c`
 *   reads each one from a `VIGIE_PARAM_NAME` variable expanded inside double quotes (bind.ts).
 * - In write mode the classifier's reading does not stop the step: the caller passed its gate. A dry
 *   run shows the argv (or the script and its parameter variables) and starts nothing.
 */
import { statSync } from 'node:fs';
import { Capture } from '../exec/capture.ts';
import { runProcess } from '../exec/run.ts';
import { abortMessage } from '../probes/probe.ts';
import { classifyStep } from '../runbook/import/classify.ts';
import { parseShell } from '../runbook/import/shell.ts';
import { fillArgv, fillWord, hasParams, shellWithParams } from './bind.ts';
import { type Execution, type ExecutionContext, type Executor, failure, refusal } from './executor.ts';
import { capture } from './output.ts';
import type { StepRequest } from './step.ts';
import { displayWords, quoteWord, simpleCommand, variables } from './words.ts';

const READ_SLACK = 4096;
const OTHER_USER = new Set(['sudo', 'su', 'doas', 'pkexec', 'runuser']);

/** ProcessOptions tune how processes are stopped; the default suits production. */
export interface ProcessOptions {
  /** Milliseconds between SIGTERM and SIGKILL; KILL_GRACE_MS of `src/exec/run.ts` when absent. */
  readonly killGraceMs?: number;
}

/** shellExecutor runs shell steps. */
export function shellExecutor(options: ProcessOptions = {}): Executor {
  return processExecutor('shell', options);
}

/** processExecutor runs steps of `kind` as processes; the docker executor is this one for the docker binary. */
export function processExecutor(kind: 'shell' | 'docker', options: ProcessOptions = {}): Executor {
  return {
    kind,
    run: (request, context) => runStep(request, context, options.killGraceMs),
  };
}

async function runStep(
  request: StepRequest,
  context: ExecutionContext,
  killGraceMs: number | undefined,
): Promise<Execution> {
  const text = request.step.run.trim();
  const { params } = request;
  const command = hasParams(params) ? fillWord(text, params, quoteWord) : text;
  if (text === '') return refusal(command, 'no command to run');
  if (context.mode === 'read') {
    const seen = classifyStep(text);
    if (seen.risk !== 'read') {
      return refusal(command, `labelled read, but Vigie reads it as ${seen.risk}: ${seen.reason}`);
    }
  }
  // The step's own variables (PGPASSWORD: ${BACKUP_PASSWORD}, resolved) over Vigie's environment.
  const vars = variables({ ...request.env, ...request.step.env });
  const simple = simpleCommand(text, vars);
  let argv: string[];
  let paramEnv: Record<string, string> = {};
  if ('feature' in simple) {
    if (!request.allowShell) {
      return refusal(command, `pipeline: run by hand or split into steps (${simple.feature} needs a shell)`);
    }
    const other = otherUser(text);
    if (other) return refusal(command, sudoReason(other));
    const script = shellWithParams(text, params);
    argv = ['/bin/sh', '-c', script.script];
    paramEnv = script.env;
  } else {
    if (simple.missing.length > 0) {
      const names = [...new Set(simple.missing)].map((name) => `$${name}`).join(', ');
      return failure(command, `the step uses ${names}, which is not set`);
    }
    argv = fillArgv(simple.argv, params);
    const program = argv[0];
    if (program === undefined) return refusal(command, 'no command to run');
    if (OTHER_USER.has(program)) return refusal(command, sudoReason(program));
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) if (value !== undefined) env[name] = value;
  Object.assign(env, paramEnv);
  const workdir = request.step.workdir;
  if (workdir !== undefined && !isDirectory(workdir)) {
    return failure(
      command,
      `workdir ${workdir} is not a directory here: create it or fix the step's workdir`,
    );
  }
  if (context.dryRun) {
    const lines = [`would run: ${displayWords(argv)}${workdir === undefined ? '' : ` in ${workdir}`}`];
    for (const [name, value] of Object.entries(paramEnv)) lines.push(`  with ${name}=${quoteWord(value)}`);
    return {
      command,
      status: 'dry-run',
      output: capture(`${lines.join('\n')}\n`, context.outputCap, 'head'),
    };
  }
  return execute(command, argv, env, workdir, context, killGraceMs);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function sudoReason(program: string): string {
  return `${program}: Vigie runs commands as its own user; grant that user what the step needs, or run it by hand`;
}

/** otherUser finds a command of a shell line that runs as another user (sudo …), anywhere in its pipes and substitutions. */
function otherUser(text: string): string | undefined {
  const lines = [text];
  for (let i = 0; i < lines.length && i < 64; i++) {
    const line = lines[i]!;
    for (let at = 0; at < line.length; ) {
      const { commands, end } = parseShell(line, at);
      for (const command of commands) {
        const program = command.words[0]?.split('/').pop();
        if (program !== undefined && OTHER_USER.has(program)) return program;
        lines.push(...command.substitutions);
      }
      at = Math.max(end, at + 1);
    }
  }
  return undefined;
}

async function execute(
  command: string,
  argv: readonly string[],
  env: Record<string, string>,
  cwd: string | undefined,
  context: ExecutionContext,
  killGraceMs: number | undefined,
): Promise<Execution> {
  const [program, ...args] = argv as [string, ...string[]];
  const capture = new Capture(context.outputCap + READ_SLACK, 'head-and-tail');
  const live = context.onOutput;
  const output = live
    ? {
        write(chunk: Buffer) {
          capture.write(chunk);
          live(chunk);
        },
      }
    : capture;
  if (context.signal.aborted)
    return failure(command, `${abortMessage(context.signal, context.timeoutMs)} before starting`);
  const ran = await runProcess(program, args, {
    env,
    output,
    signal: context.signal,
    killGraceMs,
    ...(cwd === undefined ? {} : { cwd }),
  });
  if (!ran.started) return failure(command, startError(program, ran.error), { exitCode: 127 });
  const shown = { output: capture.pieces() };
  if (ran.cut) {
    return failure(
      command,
      `${abortMessage(context.signal, context.timeoutMs)}; process group killed`,
      shown,
    );
  }
  const end = ran.exit;
  if (end.code === 0) return { command, status: 'ok', exitCode: 0, ...shown };
  if (end.code !== null) return failure(command, `exit code ${end.code}`, { exitCode: end.code, ...shown });
  return failure(command, `killed by ${end.signal ?? 'a signal'}`, shown);
}

function startError(program: string, error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ENOENT')
    return program.includes('/') ? `${program}: no such file` : `${program}: command not found`;
  if (code === 'EACCES') return `${program}: permission denied`;
  return `${program}: ${error instanceof Error ? error.message : String(error)}`;
}
