/**
 * The disk probe against the real file systems of this machine, checked against `df -P`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { diskProbe } from '../../src/probes/disk.ts';

const run = promisify(execFile);

/** df reads `df -P` for a path: sizes in bytes and the Capacity percentage. */
async function df(
  path: string,
): Promise<{ total: number; used: number; available: number; percent: number }> {
  const { stdout } = await run('df', ['-P', path]);
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const match = /\s(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%\s/.exec(line);
  assert.ok(match, `unexpected df output: ${stdout}`);
  const [, total, used, available, percent] = match.map(Number) as [number, number, number, number, number];
  return { total: total * 1024, used: used * 1024, available: available * 1024, percent };
}

function observe(path: string) {
  return diskProbe().run({ target: path, timeout: 1000 }, new AbortController().signal);
}

describe('disk probe', () => {
  for (const path of ['/', tmpdir(), import.meta.filename]) {
    it(`reports the used percentage of ${path} as df does`, async () => {
      const [seen, expected] = await Promise.all([observe(path), df(path)]);
      assert.equal(seen.ok, true, seen.error);
      const v = seen.values as Record<string, number>;
      // df rounds the percentage up; the probe keeps two decimals.
      assert.ok(
        Math.abs(v.used_percent! - expected.percent) <= 1,
        `${v.used_percent} vs df ${expected.percent}%`,
      );
      assert.equal(v.value, v.used_percent);
      assert.ok(v.used_percent! >= 0 && v.used_percent! <= 100);
      assert.ok(
        Math.abs(v.total_bytes! - expected.total) < 1024,
        `total ${v.total_bytes} vs df ${expected.total}`,
      );
      // Others write to this disk while the test runs: allow 1% of it to move.
      const slack = expected.total / 100;
      assert.ok(
        Math.abs(v.used_bytes! - expected.used) <= slack,
        `used ${v.used_bytes} vs df ${expected.used}`,
      );
      assert.ok(
        Math.abs(v.free_bytes! - expected.available) <= slack,
        `free ${v.free_bytes} vs ${expected.available}`,
      );
      assert.ok(seen.latency >= 0);
    });
  }

  it('names a missing path in its error', async () => {
    const missing = join(tmpdir(), 'vigie-no-such-dir', 'nothing');
    const seen = await observe(missing);
    assert.equal(seen.ok, false);
    assert.ok(seen.error?.includes(missing), seen.error);
    assert.match(seen.error ?? '', /ENOENT/);
  });

  it('refuses an empty target', async () => {
    const seen = await observe('  ');
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /no path/);
  });

  it('reports a pseudo file system without blocks as 0%, not NaN', {
    skip: process.platform !== 'linux',
  }, async () => {
    const seen = await observe('/proc');
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.used_percent, 0);
  });
});
