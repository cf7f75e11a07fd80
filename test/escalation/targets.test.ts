/** Who a level reaches: contacts by id, name or role, whoever a rotation has on call, channels, nobody. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy, dueAt, nextPosition } from '../../src/escalation/policy.ts';
import { type Directory, resolveTargets } from '../../src/escalation/targets.ts';

const directory: Directory = {
  contacts: [
    { id: 'alice', name: 'Alice', email: 'alice@example.com', channels: ['mail'] },
    { id: 'bob', name: 'Bob', role: 'Tech Lead', email: 'bob@example.com' },
    { id: 'noemail', name: 'No Mail', role: 'CTO' },
  ],
  rotations: {
    primary: { people: ['alice', 'bob'], every: '7d', start: '2026-11-02T09:00:00Z' },
  },
  channels: { mail: { type: 'email' }, hook: { type: 'webhook' } },
};
const at = (iso: string) => Date.parse(iso);

describe('escalation targets', () => {
  it('pages whoever the rotation has on call at that moment', () => {
    const first = resolveTargets(['primary'], directory, at('2026-11-05T12:00:00Z'));
    assert.deepEqual(first.deliveries, [
      { channel: 'mail', recipient: { id: 'alice', name: 'Alice', email: 'alice@example.com' } },
    ]);
    assert.deepEqual(first.reached, ['Alice (on call in primary)']);
    const second = resolveTargets(['primary'], directory, at('2026-11-10T12:00:00Z'));
    assert.deepEqual(
      second.deliveries.map((delivery) => `${delivery.channel}:${delivery.recipient?.id}`),
      ['mail:bob', 'hook:bob'],
      'a contact without channels is reached on every channel',
    );
  });

  it('finds contacts by role, skips email for someone without an address, and names the unknown', () => {
    const targets = resolveTargets(['tech-lead', 'CTO', 'hook', 'secondary-on-call'], directory, 0);
    assert.deepEqual(
      targets.deliveries.map((delivery) => `${delivery.channel}:${delivery.recipient?.id ?? '-'}`),
      ['mail:bob', 'hook:bob', 'hook:noemail', 'hook:-'],
    );
    assert.deepEqual(targets.unresolved, ['secondary-on-call']);
  });

  it('repeats a policy after its last level, then stops', () => {
    const policy = compilePolicy('default', {
      levels: [
        { after: '0m', notify: ['alice'] },
        { after: '10m', notify: ['bob'] },
      ],
      repeat: 1,
      repeat_after: '5m',
    });
    const positions = [{ level: 0, cycle: 0 }];
    for (let next = nextPosition(policy, positions[0]!); next; next = nextPosition(policy, next))
      positions.push(next);
    assert.deepEqual(
      positions.map((position) => dueAt(policy, position, 0) / 60_000),
      [0, 10, 15, 25],
    );
  });
});
