/**
 * The command probe running real programs: Node itself (process.execPath) and coreutils' `sleep`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { commandProbe, OUTPUT_CAP } from '../../src/probes/command.ts';
import type { ProbeTarget } from '../../src/probes/probe.ts';

const NODE = process.execPath;

function observe(target: Partial<ProbeTarget>, signal = new AbortController().signal) {
  return commandProbe().run({ target: '', timeout: 10_000, ...target }, signal);
}

/** node builds the argv that runs `script` in a fresh Node, followed by `args`. */
function node(script: string, ...args: string[]): string[] {
  return [NODE, '-e', script, ...args];
}

/** dead tells whether `pid` is gone: no such process, or a zombie nobody has reaped yet. */
function dead(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
  } catch {
    return true;
  }
}

async function eventuallyDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && !dead(pid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return dead(pid);
}

/** Starts a grandchild that ignores SIGTERM, so only a SIGKILL to the whole group ends it. */
const STUBBORN_GRANDCHILD = `
  const { spawn } = require('node:child_process');
  const g = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
  g.unref();
  console.log('grandchild ' + g.pid);
`;

describe('command probe', () => {
  it('is ok with exit code 0', async () => {
    const seen = await observe({ command: node('process.exit(0)') });
    assert.equal(seen.ok, true, seen.error);
    assert.deepEqual(
      { ...seen.values },
      { value: 0, exit_code: 0, signal: null, output: '', output_bytes: 0, timed_out: false },
    );
  });

  it('is still ok with exit code 3: the check`s `exit_code == 0` judges, not the probe', async () => {
    const seen = await observe({ command: node('process.exit(3)') });
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.exit_code, 3);
    assert.equal(seen.values.value, 3);
  });

  it('captures stdout and stderr in the order they were written', async () => {
    const script = `
      process.stdout.write('out 1\\n');
      setTimeout(() => process.stderr.write('err 1\\n'), 50);
      setTimeout(() => process.stdout.write('out 2\\n'), 100);`;
    const seen = await observe({ command: node(script) });
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.output, 'out 1\nerr 1\nout 2\n');
  });

  it('passes `; rm -rf /` and `$(…)` as literal arguments, with no shell', async () => {
    const args = ['; rm -rf /', '$(touch /tmp/vigie-pwned)', '`id`', '*', 'a b'];
    const seen = await observe({
      command: node('console.log(JSON.stringify(process.argv.slice(1)))', ...args),
    });
    assert.equal(seen.ok, true, seen.error);
    assert.deepEqual(JSON.parse(String(seen.values.output)), args);
  });

  it('splits `target` on whitespace when `command` is absent', async () => {
    const seen = await observe({ target: `  ${NODE}   -e   process.exit(4) ` });
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.exit_code, 4);
  });

  it('keeps head and tail of 50 MB of output within the cap, streaming rather than buffering', async () => {
    const script = `
      process.stdout.write('START\\n');
      const block = Buffer.alloc(65536, 'x');
      let left = 800;
      (function write() {
        while (left-- > 0) if (!process.stdout.write(block)) return process.stdout.once('drain', write);
        process.stdout.write('THE END\\n');
      })();`;
    const before = process.memoryUsage().rss;
    const seen = await observe({ command: node(script) });
    const grown = process.memoryUsage().rss - before;
    assert.equal(seen.ok, true, seen.error);
    const output = String(seen.values.output);
    const total = 6 + 800 * 65536 + 8;
    assert.equal(seen.values.output_bytes, total);
    assert.ok(output.length <= OUTPUT_CAP + 100, `output is ${output.length} characters`);
    assert.ok(output.startsWith('START\nxxx'));
    assert.ok(output.endsWith('xxxTHE END\n'));
    assert.ok(output.includes(`\n[… ${total - OUTPUT_CAP} bytes cut]\n`));
    // Streaming still allocates 52 MB of pipe chunks that the collector may not have reclaimed yet;
    // buffering the output would hold those chunks and a 52 MB string besides (over 100 MB).
    assert.ok(grown < 80 * 1024 * 1024, `resident memory grew by ${grown} bytes`);
  });

  it('keeps short output whole, multi-byte characters included', async () => {
    const seen = await commandProbe({ outputCap: 8 }).run(
      { target: '', timeout: 5000, command: node("process.stdout.write('héllo')") },
      new AbortController().signal,
    );
    assert.equal(seen.values.output, 'héllo');
    const cut = await commandProbe({ outputCap: 8 }).run(
      { target: '', timeout: 5000, command: node("process.stdout.write('0123456789abcdef')") },
      new AbortController().signal,
    );
    assert.equal(cut.values.output, '0123\n[… 8 bytes cut]\ncdef');
  });

  it('kills `sleep 30` at a 300 ms timeout', async () => {
    const started = performance.now();
    const seen = await observe({ command: ['sleep', '30'], timeout: 300 });
    assert.equal(seen.ok, false);
    assert.equal(seen.error, 'timed out after 300ms; killed process group');
    assert.equal(seen.values.timed_out, true);
    assert.equal(seen.values.exit_code, null);
    assert.equal(seen.values.signal, 'SIGTERM');
    assert.ok(seen.latency >= 290 && seen.latency < 1000, `latency ${seen.latency}`);
    assert.ok(performance.now() - started < 2000);
  });

  it('kills the whole process group at the timeout, grandchildren that ignore SIGTERM included', async () => {
    const started = performance.now();
    // Long enough for two Node start-ups on a loaded machine, so the grandchild exists when the cut comes.
    const command = node(`${STUBBORN_GRANDCHILD}; setTimeout(() => {}, 30_000)`);
    const seen = await observe({ command, timeout: 2000 });
    assert.equal(seen.ok, false);
    assert.equal(seen.error, 'timed out after 2000ms; killed process group');
    const pid = Number(/grandchild (\d+)/.exec(String(seen.values.output))?.[1]);
    assert.ok(pid > 0, `no grandchild pid in ${seen.values.output}`);
    assert.ok(await eventuallyDead(pid), `grandchild ${pid} still runs`);
    // SIGTERM, a 500 ms grace, then SIGKILL: done well before the command's own 30 s.
    assert.ok(performance.now() - started < 5000);
  });

  it('stops what a command left running in its group when it exits by itself', async () => {
    const seen = await observe({ command: node(`${STUBBORN_GRANDCHILD}; process.exitCode = 0`) });
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.exit_code, 0);
    const pid = Number(/grandchild (\d+)/.exec(String(seen.values.output))?.[1]);
    assert.ok(pid > 0);
    assert.ok(await eventuallyDead(pid), `grandchild ${pid} still runs`);
  });

  it('stops the command when the scheduler`s signal aborts', async () => {
    const seen = await observe({ command: ['sleep', '30'] }, AbortSignal.timeout(200));
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /^aborted \(.*\); killed process group$/);
    assert.equal(seen.values.timed_out, true);
  });

  it('names a program it cannot find', async () => {
    const seen = await observe({ command: ['vigie-no-such-program', '--version'] });
    assert.equal(seen.ok, false);
    assert.equal(seen.error, 'cannot start vigie-no-such-program: not found in PATH (ENOENT)');
    assert.equal(seen.values.exit_code, null);
  });

  it('names a program that is not executable', async () => {
    const seen = await observe({ command: [import.meta.filename] });
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /^cannot start .*command\.test\.ts: permission denied/);
  });

  it('refuses an empty argv', async () => {
    const seen = await observe({ command: [] });
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /no argv/);
  });
});
