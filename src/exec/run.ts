/**
 * Running one program as a process, for the command probe and the shell and docker executors.
 *
 * - No shell: the argv goes to the kernel as it is, so `; rm -rf /` in an argument is just text; a
 *   caller that wants a shell names `/bin/sh -c` itself.
 * - stdin is closed, so a program that waits for input sees end-of-file instead of hanging.
 * - The program leads its own process group (POSIX only), so stopping it stops everything it
 *   started: when the run is cut (its signal aborts or its timeout passes) the group gets SIGTERM,
 *   then SIGKILL after a grace; when it exits by itself, whatever it left running in its group is
 *   stopped the same way, because a check that runs every 30 s must not leave a process behind.
 * - stdout and stderr are merged, in the order they are read, into the caller's output (a Capture,
 *   which keeps memory fixed whatever the program prints).
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** KILL_GRACE_MS is the default time, in milliseconds, a process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 500;

/** RunOptions says what a process runs with, where its output goes and when it is stopped. */
export interface RunOptions {
  /** The whole environment of the process. */
  readonly env: NodeJS.ProcessEnv;
  /** Receives stdout and stderr, merged. */
  readonly output: { write(chunk: Buffer): void };
  /** Cuts the run when it aborts. */
  readonly signal: AbortSignal;
  /** Cuts the run after this many milliseconds; when absent (or not a delay a timer can hold), only the signal does. */
  readonly timeoutMs?: number;
  /** Directory the process starts in; the current one when absent. */
  readonly cwd?: string;
  /** Milliseconds between SIGTERM and SIGKILL; KILL_GRACE_MS when absent. */
  readonly killGraceMs?: number;
}

/** Exit is how a process ended: its exit code, or the signal that killed it. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Ran is what runProcess saw: the program could not start (and the error why), or it ended, perhaps cut. */
export type Ran =
  | { readonly started: false; readonly error: unknown }
  | {
      readonly started: true;
      readonly exit: Exit;
      /** Why the run was cut before the program exited by itself; undefined when it was not. */
      readonly cut: 'timeout' | 'aborted' | undefined;
      /** The `performance.now()` reading when the program exited or was cut, before its group was stopped. */
      readonly endedAt: number;
    };

/**
 * runProcess runs `program` with `args` in a process group of its own until it exits or is cut,
 * then stops what is left of the group and waits (a grace at most) for the output to drain. It
 * never throws; the caller checks `signal` before, so a run aborted earlier does not start.
 */
export async function runProcess(
  program: string,
  args: readonly string[],
  options: RunOptions,
): Promise<Ran> {
  const grace = options.killGraceMs ?? KILL_GRACE_MS;
  const launched = await launch(program, args, options);
  if ('error' in launched) return { started: false, error: launched.error };
  const { child, pid } = launched;

  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const { signal, timeoutMs } = options;
  let stopCut = () => {};
  const cut = new Promise<'timeout' | 'aborted'>((resolve) => {
    const timer =
      timeoutMs !== undefined && validDelay(timeoutMs)
        ? setTimeout(() => resolve('timeout'), timeoutMs)
        : undefined;
    const onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    stopCut = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
  });

  const first = await Promise.race([exited, cut]);
  const endedAt = performance.now();
  stopCut();
  await stopGroup(child, pid, grace);
  // A process stuck in the kernel (state D) may outlive SIGKILL for a while; report it as it is.
  const exit = (await settled(exited, grace)) ?? { code: child.exitCode, signal: child.signalCode };
  await drained(closed, grace);
  child.stdout?.destroy();
  child.stderr?.destroy();
  return { started: true, exit, cut: typeof first === 'string' ? first : undefined, endedAt };
}

/** Starts the program in a process group of its own, its stdout and stderr feeding `output`. */
async function launch(
  program: string,
  args: readonly string[],
  options: RunOptions,
): Promise<{ child: ChildProcess; pid: number } | { error: unknown }> {
  let child: ChildProcess;
  try {
    child = spawn(program, args, {
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      windowsHide: true,
    });
  } catch (error) {
    return { error };
  }
  // An 'error' event without a listener would crash Vigie, and a run never throws.
  let lastError: unknown;
  child.on('error', (error) => {
    lastError = error;
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => options.output.write(chunk));
    stream?.on('error', () => {});
  }
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  return spawned && child.pid !== undefined ? { child, pid: child.pid } : { error: lastError };
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
    await new Promise((resolve) => setTimeout(resolve, Math.min(20, grace)));
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

/** Node's timers turn a non-finite or over-large delay into 1 ms; such a timeout is left to the signal. */
function validDelay(ms: number): boolean {
  return Number.isFinite(ms) && ms > 0 && ms <= 2_147_483_647;
}
