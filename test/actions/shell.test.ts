/**
 * The shell and docker executors running real programs on this machine.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createExecutors,
  type Executors,
  SHELL_GATE_REASON,
  type StepInput,
  type StepRequest,
} from '../../src/actions/index.ts';
import { shellExecutor } from '../../src/actions/shell.ts';

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

describe('shell executor', () => {
  let executors: Executors;
  let dir = '';

  before(() => {
    executors = createExecutors();
    dir = mkdtempSync(join(tmpdir(), 'vigie-actions-'));
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'logs', 'a.log'), 'x'.repeat(3000));
    writeFileSync(join(dir, 'small.txt'), 'y');
    // 1 MiB of numbered lines: the start and the end are recognisable.
    const lines = Array.from({ length: 65_536 }, (_, index) => `line ${String(index).padStart(9, '0')}`);
    writeFileSync(join(dir, 'big.txt'), `${lines.join('\n')}\n`);
  });
  after(async () => {
    await executors.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (text: string, extra: Partial<StepRequest> = {}, step: Partial<StepInput> = {}) =>
    executors.runStep(
      {
        step: { run: text, kind: 'shell', risk: 'read', ...step },
        services: {},
        env: {},
        secrets: [],
        timeoutMs: 5000,
        allowShell: true,
        ...extra,
      },
      new AbortController().signal,
    );

  it('runs uptime and df -h as argv', async () => {
    const uptime = await run('uptime');
    assert.equal(uptime.status, 'ok', uptime.error);
    assert.equal(uptime.exitCode, 0);
    assert.match(uptime.output, /load average/);
    const df = await run('df -h');
    assert.equal(df.status, 'ok', df.error);
    assert.match(df.output, /^Filesystem/);
  });

  it('refuses every shell step unless the runbook allows diagnosis_shell', async () => {
    const outcome = await run('uptime', { allowShell: false });
    assert.equal(outcome.status, 'refused');
    assert.equal(outcome.reason, SHELL_GATE_REASON);
  });

  it('runs a pipeline through /bin/sh only when the shell is allowed', async () => {
    const text = `du -sh ${dir}/* 2>/dev/null | sort -hr | head -10`;
    const gated = await run(text, { allowShell: false });
    assert.equal(gated.status, 'refused');
    const ran = await run(text);
    assert.equal(ran.status, 'ok', ran.error);
    assert.match(ran.output, /logs\n/);
    // The executor on its own: an argv run cannot do a pipe, and says so.
    const direct = await shellExecutor().run(
      {
        step: { run: text, kind: 'shell', risk: 'read' },
        services: {},
        env: {},
        secrets: [],
        allowShell: false,
      },
      {
        mode: 'read',
        dryRun: false,
        signal: new AbortController().signal,
        timeoutMs: 5000,
        outputCap: 65536,
      },
    );
    assert.equal(direct.status, 'refused');
    assert.match(
      direct.reason ?? '',
      /^pipeline: run by hand or split into steps \(a glob \(\*\) needs a shell\)$/,
    );
  });

  it('cuts sleep 5 at the timeout', async () => {
    const outcome = await run('sleep 5', { timeoutMs: 200 });
    assert.equal(outcome.status, 'timeout');
    assert.match(outcome.error ?? '', /timed out after 200ms; process group killed/);
    assert.ok(outcome.durationMs < 4000, `${outcome.durationMs} ms`);
  });

  it('kills the whole process group at the timeout', async () => {
    const outcome = await run('sleep 30 & echo $!; wait', { timeoutMs: 300 });
    assert.equal(outcome.status, 'timeout');
    const pid = Number(outcome.output.trim());
    assert.ok(pid > 0, outcome.output);
    assert.equal(dead(pid), true);
  });

  it('caps 1 MiB of output, keeping its start and its end', async () => {
    const outcome = await run(`cat ${join(dir, 'big.txt')}`, { outputCap: 4096 });
    assert.equal(outcome.status, 'ok', outcome.error);
    assert.equal(outcome.truncated, true);
    assert.ok(Buffer.byteLength(outcome.output) < 4200, `${Buffer.byteLength(outcome.output)} bytes`);
    assert.match(outcome.output, /^line 000000000\n/);
    assert.match(outcome.output, /\n\[… \d+ bytes cut\]\n/);
    assert.match(outcome.output, /line 000065535\n$/);
  });

  it('expands $VAR from the request`s environment, without a shell', async () => {
    const outcome = await run('echo "$GREETING" $HOME_DIR', {
      env: { GREETING: 'hello  there', HOME_DIR: dir },
    });
    assert.equal(outcome.output, `hello  there ${dir}\n`);
    assert.equal(outcome.command, 'echo "$GREETING" $HOME_DIR');
  });

  it('masks secret values a command prints', async () => {
    const outcome = await run('printenv VIGIE_API_TOKEN', {
      env: { VIGIE_API_TOKEN: 'zz-very-secret-1' },
      secrets: ['zz-very-secret-1'],
    });
    assert.equal(outcome.output, '****\n');
  });

  it('refuses sudo, in argv and in a pipeline', async () => {
    for (const text of [
      'sudo systemctl status nginx',
      'ss -tlnp | sudo grep 8000',
      'sudo tail -50 /var/log/nginx/error.log',
    ]) {
      const outcome = await run(text);
      assert.equal(outcome.status, 'refused', text);
      assert.match(outcome.reason ?? '', /^sudo: Vigie runs commands as its own user/);
    }
  });

  it('refuses a mislabelled read step the classifier reads as destructive', async () => {
    const outcome = await run(`rm -rf ${join(dir, 'small.txt')}`);
    assert.equal(outcome.status, 'refused');
    assert.match(outcome.reason ?? '', /labelled read, but Vigie reads it as destructive/);
    assert.equal(existsSync(join(dir, 'small.txt')), true);
  });

  it('fails with the exit code of a failing command', async () => {
    const outcome = await run(`ls ${join(dir, 'nothing-here')}`);
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.exitCode, 2);
    assert.match(outcome.output, /No such file/);
  });

  it('fails a docker step when docker is not installed', async () => {
    const empty = join(dir, 'empty-bin');
    mkdirSync(empty, { recursive: true });
    const outcome = await run('docker ps -a', { env: { PATH: empty } }, { kind: 'docker' });
    assert.equal(outcome.kind, 'docker');
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error, 'docker: command not found');
    assert.equal(outcome.exitCode, 127);
  });
});
