/**
 * The `command` probe: runs one program from an argv and reports how it ended and what it printed.
 *
 * - It runs through `src/exec/run.ts`: no shell, ever (pipes, globs and `$VAR` are not interpreted;
 *   a check that needs them names `sh -c` itself), stdin closed, and the command leads its own
 *   process group, stopped whole at the timeout and after a normal exit.
 * - The environment is Vigie's own (`process.env`): secrets reach a command through `${ENV}`
 *   references resolved when the runbook is loaded, not through anything this probe adds.
 * - Output (stdout and stderr merged in the order they are read) keeps at most `outputCap` bytes:
 *   the first half and the last half, with `[… N bytes cut]` between, since the start says what
 *   the command is and the end usually says why it failed. Memory stays at the cap whatever the
 *   command prints.
 */
import { Capture } from '../exec/capture.ts';
import { runProcess } from '../exec/run.ts';
import { elapsed, failure, type Observation, type Probe, type ProbeTarget } from './probe.ts';

/** OUTPUT_CAP is the default number of output bytes a command observation keeps (64 KiB). */
export const OUTPUT_CAP = 64 * 1024;

/** CommandProbeOptions sets the limits of the command probe; the defaults suit production. */
export interface CommandProbeOptions {
  /** Bytes of output kept, head and tail halves; OUTPUT_CAP when absent. */
  readonly outputCap?: number;
  /** Milliseconds between SIGTERM and SIGKILL when a process group is stopped; KILL_GRACE_MS (`src/exec/run.ts`) when absent. */
  readonly killGrace?: number;
}

/**
 * commandProbe runs `target.command` (an argv; when absent, `target.target` split on whitespace,
 * quotes not interpreted) and reports `exit_code` (also `value`; null when killed by a signal),
 * `signal`, `output`, `output_bytes` and `timed_out`; it is ok whenever the program ran to an end,
 * whatever its code, and not ok when it could not start or was cut at its timeout.
 */
export function commandProbe(options: CommandProbeOptions = {}): Probe {
  const cap = Math.max(2, options.outputCap ?? OUTPUT_CAP);
  return {
    kind: 'command',
    async run(target: ProbeTarget, signal: AbortSignal): Promise<Observation> {
      const start = performance.now();
      const argv = target.command ?? target.target.trim().split(/\s+/).filter(Boolean);
      const program = argv[0];
      const none = {
        value: null,
        exit_code: null,
        signal: null,
        output: '',
        output_bytes: 0,
        timed_out: false,
      };
      if (program === undefined || program === '') {
        return failure(
          start,
          'command probe has no argv: set `command: [program, arg, …]` on the check',
          none,
        );
      }
      if (signal.aborted) return failure(start, `aborted before starting ${program}`, none);

      const output = new Capture(cap, 'head-and-tail');
      const ran = await runProcess(program, argv.slice(1), {
        env: process.env,
        output,
        signal,
        timeoutMs: target.timeout,
        killGraceMs: options.killGrace,
      });
      if (!ran.started) return failure(start, startError(program, ran.error), none);
      const latency = elapsed(start, ran.endedAt);
      const values = {
        value: ran.exit.code,
        exit_code: ran.exit.code,
        signal: ran.exit.signal,
        output: output.text(),
        output_bytes: output.total,
        timed_out: ran.cut !== undefined,
      };
      if (ran.cut !== undefined) {
        const why =
          ran.cut === 'timeout'
            ? `timed out after ${target.timeout}ms`
            : `aborted (${reasonText(signal.reason)})`;
        return { ok: false, latency, values, error: `${why}; killed process group` };
      }
      return { ok: true, latency, values };
    },
  };
}

function startError(program: string, error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ENOENT') {
    const where = program.includes('/') ? 'no such file' : 'not found in PATH';
    return `cannot start ${program}: ${where} (ENOENT)`;
  }
  if (code === 'EACCES') return `cannot start ${program}: permission denied; is it executable? (EACCES)`;
  const message = error instanceof Error ? error.message : String(error);
  return `cannot start ${program}: ${message}`;
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
