/**
 * The `vigie` command end to end: the real entry point in a child process, on real files.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = new URL('../bin/vigie.js', import.meta.url).pathname;
const FIXTURE = new URL('fixtures/runbooks/003_b5e6c50738bde8b2.txt', import.meta.url).pathname;
const EXAMPLE = new URL('../examples/vigie.yaml', import.meta.url).pathname;

/** vigie runs the CLI and gives its exit code and output, whatever the code. */
async function vigie(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('vigie CLI', () => {
  it('import --json prints the model with the design keys; -o writes YAML that lint and show read', async () => {
    const json = await vigie('import', FIXTURE, '--json');
    assert.equal(json.code, 0, json.stderr);
    const model = JSON.parse(json.stdout);
    assert.equal(model.name, 'Sylion Backend');
    assert.equal(model.scenarios.length, 7);
    assert.match(json.stderr, /repaired/);

    const dir = await mkdtemp(join(tmpdir(), 'vigie-cli-'));
    const out = join(dir, 'vigie.yaml');
    const written = await vigie('import', FIXTURE, '-o', out);
    assert.equal(written.code, 0, written.stderr);
    assert.match(await readFile(out, 'utf8'), /^# Imported by `vigie import/);

    const lint = await vigie('lint', out);
    assert.equal(lint.code, 1, 'the imported runbook has unguarded destructive steps');
    assert.match(lint.stdout, /vigie\.yaml:\d+: error destructive-unguarded: .*FLUSHDB/);
    assert.match(lint.stdout, /fix: /);

    const show = await vigie('show', out);
    assert.equal(show.code, 0);
    assert.match(show.stdout, /^Sylion Backend$/m);
    assert.match(show.stdout, /SEV1 +API complètement down/);
  });

  it('lint reads Markdown directly and points at its lines; --json gives the findings', async () => {
    const result = await vigie('lint', FIXTURE, '--json');
    assert.equal(result.code, 1);
    const { findings } = JSON.parse(result.stdout);
    const flush = findings.find(
      (f: { code: string; message: string }) =>
        f.code === 'destructive-unguarded' && /FLUSHDB/.test(f.message),
    );
    assert.equal(flush.line, 161);
    assert.ok(
      findings.some((f: { code: string }) => f.code === 'placeholder'),
      'À définir and TENANT_UUID are placeholders',
    );
    assert.ok(
      findings.some((f: { code: string }) => f.code === 'secret-in-clear'),
      'dev_password in a DSN is a secret',
    );
    assert.ok(!result.stdout.includes('dev_password'), 'the secret itself is masked');
  });

  it('lint finds a secret in prose the model does not keep (a dashboard list with admin/admin)', async () => {
    const result = await vigie(
      'lint',
      new URL('fixtures/runbooks/002_e461e3d85802dcad.txt', import.meta.url).pathname,
    );
    assert.equal(result.code, 1);
    assert.match(result.stdout, /:26: error secret-in-clear: secret written in clear: "\(admin\/\*\*\*\*\)"/);
  });

  it('the bundled example lints clean and shows', async () => {
    assert.equal((await vigie('lint', EXAMPLE)).code, 0);
    const show = await vigie('show', EXAMPLE);
    assert.match(show.stdout, /Shop API/);
  });

  it('a broken YAML runbook lists every error with file:line:column and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigie-cli-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'name: x\nchecks:\n  - id: a\n    probe: htp\n    target: t\n    evry: 30s\n');
    const result = await vigie('lint', file);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /RUNBOOK_INVALID/);
    assert.match(
      result.stderr,
      /bad\.yaml:4:\d+: checks\[0\]\.probe: 'htp' is not one of .*did you mean 'http'/,
    );
    assert.match(
      result.stderr,
      /bad\.yaml:6:\d+: checks\[0\]\.evry: unknown field 'evry'; did you mean 'every'/,
    );
  });

  it('usage errors and missing files say how to fix them', async () => {
    const unknown = await vigie('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const missing = await vigie('show', '/nonexistent/runbook.md');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /FILE_NOT_FOUND/);
    const help = await vigie('help');
    assert.match(help.stdout, /vigie <command>/);
  });
});
