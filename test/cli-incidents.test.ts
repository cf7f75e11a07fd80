/**
 * `vigie token`, `vigie silence` and `vigie incidents` against a running Vigie on loopback: a token
 * created in the store file works on the API; silences are added, listed and expired; incidents are
 * listed, shown and resolved; a viewer token may read but not act.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../src/cli/main.ts';
import { startVigie } from '../src/engine/runtime.ts';
import { Runbook } from '../src/runbook/schema.ts';
import { scratchDir } from './store/support.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) }, out, err };
}

describe('vigie incidents, silence and token', () => {
  it('works end to end through the API', async (t) => {
    const storePath = join(scratchDir(), 'vigie.sqlite');
    const vigie = await startVigie({
      runbook: Runbook.parse({
        name: 'CLI shop',
        scenarios: [{ id: 'disk-full', title: 'Disk full', severity: 'SEV3' }],
      }),
      env: {},
      storePath,
      port: 0,
    });
    t.after(() => vigie.stop());
    const made = capture();
    assert.equal(
      await main(['token', 'create', '--role', 'responder', '--name', 'ops', '--store', storePath], made.io),
      0,
    );
    const token = made.out[0]!;
    assert.match(token, /^vgt_/);
    const viewerRun = capture();
    await main(['token', 'create', '--role', 'viewer', '--store', storePath], viewerRun.io);
    const viewer = viewerRun.out[0]!;
    const connection = ['--url', vigie.url, '--token', token];

    const silence = capture();
    assert.equal(
      await main(
        [
          'silence',
          'add',
          'alertname=DiskFull',
          '--duration',
          '2h',
          '--comment',
          'volume resize',
          ...connection,
        ],
        silence.io,
      ),
      0,
      silence.err.join('\n'),
    );
    const id = silence.out[0]!.split(' ')[0]!;
    assert.match(id, /^sil_/);
    const listed = capture();
    await main(['silence', 'list', ...connection], listed.io);
    assert.match(listed.out.join('\n'), /alertname=DiskFull.*volume resize/);
    const refused = capture();
    assert.equal(
      await main(['silence', 'add', 'alertname=DiskFull', ...connection], refused.io),
      2,
      'a silence needs a comment',
    );
    assert.equal(await main(['silence', 'expire', id, ...connection], capture().io), 0);

    vigie.pipeline.ingest({
      alerts: [
        {
          source: 'webhook',
          fingerprint: 'f1',
          status: 'firing',
          name: 'DiskFull',
          labels: { scenario: 'disk-full' },
          annotations: {},
          startsAt: Date.now(),
          scenario: 'disk-full',
        },
      ],
      truncatedAlerts: 0,
    });
    const list = capture();
    assert.equal(await main(['incidents', 'list', ...connection], list.io), 0);
    assert.match(list.out.join('\n'), /INC-1\s+SEV3\s+triggered/);

    const forbidden = capture();
    assert.equal(
      await main(['incidents', 'resolve', 'INC-1', '--url', vigie.url, '--token', viewer], forbidden.io),
      2,
    );
    assert.match(forbidden.err.join('\n'), /API_FORBIDDEN/);

    const resolved = capture();
    assert.equal(
      await main(['incidents', 'resolve', 'INC-1', '--note', 'grew the volume', ...connection], resolved.io),
      0,
    );
    assert.match(resolved.out.join('\n'), /resolved\s+ops\s+grew the volume/);
    const missing = capture();
    assert.equal(await main(['incidents', 'show', 'INC-99', ...connection], missing.io), 2);
    assert.match(missing.err.join('\n'), /no incident INC-99/);
  });
});
