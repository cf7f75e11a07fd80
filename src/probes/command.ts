/**
 * The `command` probe: runs one program from an argv and reports how it ended and what it printed.
 *
 * - No shell, ever: the argv goes to the kernel as it is, so `; rm -rf /` in an argument is just
 *   text. Pipes, globs and `$VAR` are not interpreted; a check that needs them names `sh -c` itself.
 * - The environment is Vigie's own (`process.env`): secrets reach a command through `${ENV}`
 *   references resolved when the runbook is loaded, not through anything this probe adds.
 * - stdin is closed, so a command that waits for input sees end-of-file instead of hanging.
 * - The command runs as the leader of its own process group (POSIX only), so stopping it stops
 *   everything it started: at the timeout the group gets SIGTERM, then SIGKILL after a grace; when
 *   it exits by itself, whatever it left running in its group is stopped the same way, because a
 *   probe that runs every 30 s must not leave a process behind each time.
 * - Output (stdout and stderr merged in the order they are read) keeps at most `outputCap` bytes:
 *   the first half and the last half, with `[… N bytes cut]` between, since the start says what
 *   the command is and the end usually says why it failed. Memory stays at the cap whatever the
 *   command prints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { elapsed, failure, type Observation, type Probe, type ProbeTarget } from './probe.ts';

/** OUTPUT_CAP is the default number of output bytes a command observation keeps (64 KiB). */
export const OUTPUT_CAP = 64 * 1024;

/** KILL_GRACE is the default time, in milliseconds, a process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE = 500;

/** CommandProbeOptions sets the limits of the command probe; the defaults suit production. */
export interface CommandProbeOptions {
  /** Bytes of output kept, head and tail halves; OUTPUT_CAP when absent. */
  readonly outputCap?: number;
  /** Milliseconds between SIGTERM and SIGKILL when a process group is stopped; KILL_GRACE when absent. */
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
  const grace = options.killGrace ?? KILL_GRACE;
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

      const output = new CappedOutput(cap);
      const launched = await launch(program, argv.slice(1), output);
      if (typeof launched === 'string') return failure(start, launched, none);
      const child = launched;
      const pid = child.pid!;

      const exited = new Promise<Exit>((resolve) =>
        child.once('exit', (code, sig) => resolve({ code, signal: sig })),
      );
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      let stopCut = () => {};
      const cut = new Promise<string>((resolve) => {
        const timer = validDelay(target.timeout)
          ? setTimeout(() => resolve(`timed out after ${target.timeout}ms`), target.timeout)
          : undefined;
        const onAbort = () => resolve(`aborted (${reasonText(signal.reason)})`);
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) onAbort();
        stopCut = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
        };
      });

      const first = await Promise.race([exited, cut]);
      const latency = elapsed(start);
      stopCut();
      await stopGroup(child, pid, grace);
      // A process stuck in the kernel (state D) may outlive SIGKILL for a while; report it as it is.
      const end = (await settled(exited, grace)) ?? { code: child.exitCode, signal: child.signalCode };
      await drained(closed, grace);
      child.stdout?.destroy();
      child.stderr?.destroy();

      const values = {
        value: end.code,
        exit_code: end.code,
        signal: end.signal,
        output: output.text(),
        output_bytes: output.total,
        timed_out: typeof first === 'string',
      };
      if (typeof first === 'string') {
        return { ok: false, latency, values, error: `${first}; killed process group` };
      }
      return { ok: true, latency, values };
    },
  };
}

/**
 * Starts the program in a process group of its own, its stdout and stderr feeding `output`; gives
 * the running child, or why it could not start.
 */
async function launch(program: string, args: string[], output: CappedOutput): Promise<ChildProcess | string> {
  let child: ChildProcess;
  try {
    child = spawn(program, args, {
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
      windowsHide: true,
    });
  } catch (error) {
    return startError(program, error);
  }
  // An 'error' event without a listener would crash Vigie, and run never throws.
  let lastError: unknown;
  child.on('error', (error) => {
    lastError = error;
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => output.write(chunk));
    stream?.on('error', () => {});
  }
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  return spawned && child.pid !== undefined ? child : startError(program, lastError);
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Stops everything left in the group led by `pid`: SIGTERM, then SIGKILL once `grace` has passed
 * with members still there. The leader is also signalled directly, in case it left its group and
 * would otherwise never exit.
 */
async function stopGroup(child: ChildProcess, pid: number, grace: number): Promise<void> {
  if (!signalGroup(pid, 'SIGTERM')) {
    if (!running(child)) return;
    child.kill('SIGTERM');
  }
  const deadline = performance.now() + grace;
  while (performance.now() < deadline) {
    await delay(Math.min(20, grace));
    if (!signalGroup(pid, 0) && !running(child)) return;
  }
  signalGroup(pid, 'SIGKILL');
  if (running(child)) child.kill('SIGKILL');
}

/** Sends `sig` to the process group `pgid`; false when the group has no member left. */
function signalGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Waits for `promise` at most `ms` milliseconds; undefined when it did not settle in time. */
async function settled<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits for the pipes to close, at most `wait` ms: a process that escaped the group (setsid) may
 * hold them open forever. The final setImmediate lets one more I/O poll read what is already in the
 * pipe, in case a busy event loop fired the timer before reading it.
 */
async function drained(closed: Promise<void>, wait: number): Promise<void> {
  const done = await settled(
    closed.then(() => true),
    wait,
  );
  if (done === undefined) await new Promise((resolve) => setImmediate(resolve));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Node's timers turn a non-finite or over-large delay into 1 ms; such a timeout is left to the signal. */
function validDelay(ms: number): boolean {
  return Number.isFinite(ms) && ms > 0 && ms <= 2_147_483_647;
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

/**
 * Keeps the first half and the last half of a byte stream in fixed memory: the head fills once,
 * the tail is a ring that always holds the latest bytes.
 */
class CappedOutput {
  total = 0;
  readonly #head: Buffer;
  #headLength = 0;
  readonly #tailCap: number;
  #tail: Buffer | undefined;
  #tailEnd = 0;
  #tailLength = 0;

  constructor(cap: number) {
    this.#head = Buffer.allocUnsafe(Math.ceil(cap / 2));
    this.#tailCap = Math.floor(cap / 2);
  }

  write(chunk: Buffer): void {
    this.total += chunk.length;
    const taken = chunk.copy(this.#head, this.#headLength);
    this.#headLength += taken;
    let rest = chunk.subarray(taken);
    if (rest.length === 0) return;
    // Allocated only for output longer than the head: most commands never need it.
    this.#tail ??= Buffer.allocUnsafe(this.#tailCap);
    if (rest.length >= this.#tailCap) {
      rest = rest.subarray(rest.length - this.#tailCap);
      rest.copy(this.#tail, 0);
      this.#tailEnd = 0;
      this.#tailLength = this.#tailCap;
      return;
    }
    const first = rest.copy(this.#tail, this.#tailEnd);
    rest.copy(this.#tail, 0, first);
    this.#tailEnd = (this.#tailEnd + rest.length) % this.#tailCap;
    this.#tailLength = Math.min(this.#tailCap, this.#tailLength + rest.length);
  }

  text(): string {
    const head = this.#head.subarray(0, this.#headLength);
    const tail =
      this.#tail === undefined
        ? Buffer.alloc(0)
        : this.#tailLength < this.#tailCap
          ? this.#tail.subarray(0, this.#tailLength)
          : Buffer.concat([this.#tail.subarray(this.#tailEnd), this.#tail.subarray(0, this.#tailEnd)]);
    const cut = this.total - head.length - tail.length;
    // Decoded together when nothing was cut, so a character split across the halves stays whole.
    if (cut === 0) return Buffer.concat([head, tail]).toString('utf8');
    return `${head.toString('utf8')}\n[… ${cut} bytes cut]\n${tail.toString('utf8')}`;
  }
}
