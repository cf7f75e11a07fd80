/**
 * What every benchmark that starts child processes needs: a scratch folder, the children killed and
 * the folder removed on the way out whatever happens, a hard bound on the whole run, and a timeout
 * for each wait.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Harness is a benchmark's scratch folder and the children it must stop. */
export interface Harness {
  readonly work: string;
  readonly children: Set<ChildProcess>;
  /** cleanUp stops the children and removes the folder now (it also runs at exit). */
  cleanUp(): void;
}

/** startHarness makes the scratch folder, arranges the clean-up and arms the hard bound. */
export function startHarness(name: string, hardBoundMs: number, killSignal: NodeJS.Signals): Harness {
  const children = new Set<ChildProcess>();
  const work = mkdtempSync(join(tmpdir(), `vigie-bench-${name}-`));
  let cleaned = false;
  const cleanUp = (): void => {
    if (cleaned) return;
    cleaned = true;
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill(killSignal);
    rmSync(work, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
  setTimeout(() => {
    console.error(`bench/${name}: still running after ${hardBoundMs / 1000} s, giving up`);
    process.exit(2);
  }, hardBoundMs).unref();
  return { work, children, cleanUp };
}

/** withTimeout rejects when `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** nextMessage waits for the first message of `child` that `wanted` takes; it fails if the child exits first. */
export function nextMessage<T>(
  child: ChildProcess,
  wanted: (message: unknown) => boolean,
  ms: number,
  what: string,
): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: unknown): void => {
        if (!wanted(message)) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as T);
      };
      const onExit = (code: number | null, signal: string | null): void => {
        child.off('message', onMessage);
        reject(new Error(`${what}: the process exited (${code ?? signal})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    }),
    ms,
    what,
  );
}

/** isType accepts a message object whose `type` is `type`. */
export const isType =
  (type: string) =>
  (message: unknown): boolean =>
    typeof message === 'object' && message !== null && (message as { type?: string }).type === type;
