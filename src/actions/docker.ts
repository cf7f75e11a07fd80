/**
 * The docker executor: docker and docker compose steps are processes like shell steps, under the
 * same rules (argv unless the shell is allowed, process group stopped at the deadline, the
 * classifier's reading of the text in read mode); they only need the docker binary and its daemon.
 */
import type { Executor } from './executor.ts';
import { type ProcessOptions, processExecutor } from './shell.ts';

/** dockerExecutor runs docker steps; without the docker binary a step fails with "docker: command not found". */
export function dockerExecutor(options: ProcessOptions = {}): Executor {
  return processExecutor('docker', options);
}
