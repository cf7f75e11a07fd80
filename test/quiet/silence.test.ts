import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activeSilences, type Silence, silenceState, validateSilence } from '../../src/quiet/silence.ts';

const HOUR = 3_600_000;
const now = Date.parse('2026-11-02T10:00:00Z');
const labels = { alert: 'api-down', check: 'api-ready', service: 'api', severity: 'SEV1' };

const silence = (over: Partial<Silence>): Silence => ({
  id: 's1',
  matchers: [{ name: 'service', op: '=', value: 'api' }],
  startsAt: now - HOUR,
  endsAt: now + HOUR,
  createdBy: 'alice',
  comment: 'deploy 4.2',
  ...over,
});

describe('activeSilences', () => {
  test('a silence holds from startsAt (included) to endsAt (excluded)', () => {
    const s = silence({ startsAt: now, endsAt: now + HOUR });
    assert.deepEqual(activeSilences([s], labels, now), [s]);
    assert.deepEqual(activeSilences([s], labels, now - 1), []);
    assert.deepEqual(activeSilences([s], labels, now + HOUR - 1), [s]);
    assert.deepEqual(activeSilences([s], labels, now + HOUR), []);
  });

  test('future and expired silences do not hold; expiring early ends a silence', () => {
    const future = silence({ id: 'future', startsAt: now + HOUR, endsAt: now + 2 * HOUR });
    const past = silence({ id: 'past', startsAt: now - 2 * HOUR, endsAt: now - HOUR });
    const expired = silence({ id: 'expired', expiredAt: now - 1 });
    const expiring = silence({ id: 'expiring', expiredAt: now + 1 });
    assert.deepEqual(
      activeSilences([future, past, expired, expiring], labels, now).map((s) => s.id),
      ['expiring'],
    );
    assert.equal(silenceState(future, now), 'pending');
    assert.equal(silenceState(past, now), 'expired');
    assert.equal(silenceState(expired, now), 'expired');
    assert.equal(silenceState(expiring, now), 'active');
  });

  test('only silences whose matchers all hold', () => {
    const web = silence({ id: 'web', matchers: [{ name: 'service', op: '=', value: 'web' }] });
    const both = silence({
      id: 'both',
      matchers: [
        { name: 'service', op: '=~', value: 'api|web' },
        { name: 'severity', op: '!~', value: 'SEV[34]' },
      ],
    });
    assert.deepEqual(
      activeSilences([web, both], labels, now).map((s) => s.id),
      ['both'],
    );
  });
});

describe('validateSilence', () => {
  const input = {
    matchers: ['service=api'],
    startsAt: now,
    endsAt: now + HOUR,
    createdBy: 'alice',
    comment: 'deploy 4.2',
  };

  test('a well-formed silence gives its parsed matchers', () => {
    assert.deepEqual(validateSilence(input, now), {
      ok: true,
      matchers: [{ name: 'service', op: '=', value: 'api' }],
    });
  });

  test('reports every problem with a clear message', () => {
    const result = validateSilence(
      { matchers: ['service==api'], startsAt: now, endsAt: now - 1, createdBy: ' ', comment: '' },
      now,
    );
    assert.equal(result.ok, false);
    const problems = result.ok ? [] : result.problems;
    assert.deepEqual(
      problems.map((p) => p.path),
      [['matchers', 0], ['endsAt'], ['createdBy'], ['comment']],
    );
    assert.match(problems[0]!.message, /column 8: '==' is not a matcher operator; use a single '='/);
    assert.match(problems[1]!.message, /ends before it starts/);
    assert.match(problems[2]!.message, /who/);
    assert.match(problems[3]!.message, /why/);
  });

  test('needs at least one matcher, and one that does not match every alert', () => {
    const none = validateSilence({ ...input, matchers: [] }, now);
    assert.ok(!none.ok && /at least one matcher/.test(none.problems[0]!.message));
    const everything = validateSilence({ ...input, matchers: ['service=~".*"', 'region!=eu'] }, now);
    assert.ok(!everything.ok && /select every alert/.test(everything.problems[0]!.message));
  });

  test('refuses a silence already over', () => {
    const result = validateSilence({ ...input, startsAt: now - 2 * HOUR, endsAt: now - HOUR }, now);
    assert.ok(!result.ok && /already be over/.test(result.problems[0]!.message));
  });
});
