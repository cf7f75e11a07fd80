/**
 * A running step's output as it is printed: whole lines, masked even when a secret arrives in two
 * chunks, and no more than the budget.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveOutput } from '../../src/actions/live.ts';
import { maskSecrets } from '../../src/runbook/secrets.ts';

const SECRET = 's3cr3t-hunter2';

function collect(budget = 1024): { live: LiveOutput; sent: string[] } {
  const sent: string[] = [];
  const live = new LiveOutput(
    (text) => sent.push(text),
    (text) => maskSecrets(text, [SECRET]),
    budget,
  );
  return { live, sent };
}

describe('live output', () => {
  it('sends whole lines, masking a secret split across chunks', () => {
    const { live, sent } = collect();
    live.write(Buffer.from('connecting with s3cr'));
    assert.deepEqual(sent, [], 'nothing before the line ends');
    live.write(Buffer.from('3t-hunter2\nok\npartial'));
    assert.deepEqual(sent, ['connecting with ****\nok\n']);
    live.end();
    assert.deepEqual(sent, ['connecting with ****\nok\n', 'partial']);
    assert.ok(!sent.join('').includes(SECRET));
  });

  it('sends a line that never ends in parts, holding back enough to mask a secret whole', () => {
    const { live, sent } = collect(100_000);
    live.write(Buffer.from(`${'x'.repeat(9000)}${SECRET.slice(0, 6)}`));
    live.write(Buffer.from(`${SECRET.slice(6)}${'y'.repeat(10)}`));
    live.end();
    const text = sent.join('');
    assert.ok(!text.includes(SECRET), 'the secret never went out whole or in halves');
    assert.ok(text.endsWith(`****${'y'.repeat(10)}`), text.slice(-40));
    assert.ok(sent.length >= 2, 'the long line went out before it ended');
  });

  it('stops at the budget and says so', () => {
    const { live, sent } = collect(20);
    live.write(Buffer.from('0123456789\n0123456789\n0123456789\n'));
    live.write(Buffer.from('more\n'));
    live.end();
    assert.equal(sent.length, 1);
    assert.match(sent[0]!, /^0123456789\n012345678\n… \(live output stops here/);
  });
});
