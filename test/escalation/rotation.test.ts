import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextHandoff, onCall, Rotation, validateRotation } from '../../src/escalation/rotation.ts';

const at = (iso: string): number => Date.parse(iso);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const weekly: Rotation = {
  people: ['alice', 'bob', 'carol'],
  every: '7d',
  start: '2026-11-02T09:00:00Z',
};

describe('Rotation schema', () => {
  test('accepts a rotation written in the runbook', () => {
    assert.equal(Rotation.safeParse(weekly).success, true);
  });

  test('refuses a shift length that is not a duration, with the way to write one', () => {
    const parsed = Rotation.safeParse({ ...weekly, every: 'weekly' });
    assert.equal(parsed.success, false);
    assert.match(parsed.error!.issues[0]!.message, /write it like 7d, 1d or 12h/);
    assert.equal(Rotation.safeParse({ ...weekly, every: '0' }).success, false);
  });

  test('refuses a start without a time zone, since it would mean a different instant on every server', () => {
    const parsed = Rotation.safeParse({ ...weekly, start: '2026-11-02T09:00:00' });
    assert.equal(parsed.success, false);
    assert.match(parsed.error!.issues[0]!.message, /2026-11-02T09:00:00Z/);
    assert.equal(Rotation.safeParse({ ...weekly, start: '2026-11-02T10:00:00+01:00' }).success, true);
  });

  test('refuses an empty rotation and unknown fields', () => {
    assert.equal(Rotation.safeParse({ ...weekly, people: [] }).success, false);
    assert.equal(Rotation.safeParse({ ...weekly, length: '7d' }).success, false);
  });

  test('describes every field for the generated JSON Schema', () => {
    for (const field of Object.values(Rotation.shape))
      assert.ok(field.description, 'a field lacks .describe()');
  });
});

describe('onCall', () => {
  test('hands off exactly at the boundary: the new shift owns its first instant', () => {
    assert.equal(onCall(weekly, at('2026-11-09T08:59:59.999Z')).contact, 'alice');
    assert.deepEqual(onCall(weekly, at('2026-11-09T09:00:00Z')), {
      contact: 'bob',
      shiftStart: at('2026-11-09T09:00:00Z'),
      shiftEnd: at('2026-11-16T09:00:00Z'),
    });
    assert.equal(onCall(weekly, at('2026-11-16T09:00:00Z')).contact, 'carol');
  });

  test('wraps around to the first person after the last', () => {
    assert.equal(onCall(weekly, at('2026-11-23T09:00:00Z')).contact, 'alice');
    assert.equal(onCall(weekly, at('2027-01-11T09:00:00Z')).contact, 'bob'); // 10 weeks on
  });

  test('before the first hand-off the first person answers, and the first shift is reported', () => {
    assert.deepEqual(onCall(weekly, at('2026-10-01T00:00:00Z')), {
      contact: 'alice',
      shiftStart: at('2026-11-02T09:00:00Z'),
      shiftEnd: at('2026-11-09T09:00:00Z'),
    });
  });

  test('an override wins over the rotation for the half-open span [from, to)', () => {
    const rotation: Rotation = {
      ...weekly,
      overrides: [
        { contact: 'dave', from: '2026-11-04T00:00:00Z', to: '2026-11-05T00:00:00Z', reason: 'swap' },
      ],
    };
    assert.equal(onCall(rotation, at('2026-11-03T23:59:59.999Z')).contact, 'alice');
    const covered = onCall(rotation, at('2026-11-04T00:00:00Z'));
    assert.equal(covered.contact, 'dave');
    assert.equal(covered.override?.reason, 'swap');
    assert.equal(covered.shiftEnd, at('2026-11-05T00:00:00Z'));
    assert.equal(onCall(rotation, at('2026-11-05T00:00:00Z')).contact, 'alice');
  });

  test('where overrides overlap, the one declared last wins', () => {
    const rotation: Rotation = {
      ...weekly,
      overrides: [
        { contact: 'dave', from: '2026-11-04T00:00:00Z', to: '2026-11-08T00:00:00Z' },
        { contact: 'erin', from: '2026-11-05T00:00:00Z', to: '2026-11-06T00:00:00Z' },
      ],
    };
    assert.equal(onCall(rotation, at('2026-11-04T12:00:00Z')).contact, 'dave');
    assert.equal(onCall(rotation, at('2026-11-05T12:00:00Z')).contact, 'erin');
    assert.equal(onCall(rotation, at('2026-11-06T12:00:00Z')).contact, 'dave');
  });

  test('shifts of 12h alternate twice a day', () => {
    const rotation: Rotation = { people: ['day', 'night'], every: '12h', start: '2026-01-01T08:00:00Z' };
    assert.equal(onCall(rotation, at('2026-01-05T07:59:00Z')).contact, 'night');
    assert.equal(onCall(rotation, at('2026-01-05T08:00:00Z')).contact, 'day');
    assert.equal(onCall(rotation, at('2026-01-05T20:00:00Z')).contact, 'night');
  });
});

describe('nextHandoff', () => {
  test('is the end of the current shift, with who takes over', () => {
    assert.deepEqual(nextHandoff(weekly, at('2026-11-03T00:00:00Z')), {
      at: at('2026-11-09T09:00:00Z'),
      contact: 'bob',
    });
    assert.deepEqual(nextHandoff(weekly, at('2026-11-09T09:00:00Z')), {
      at: at('2026-11-16T09:00:00Z'),
      contact: 'carol',
    });
  });

  test('before the first hand-off, the first person keeps the first shift', () => {
    assert.deepEqual(nextHandoff(weekly, at('2026-01-01T00:00:00Z')), {
      at: at('2026-11-09T09:00:00Z'),
      contact: 'bob',
    });
  });

  test('an override starting or ending is a hand-off', () => {
    const rotation: Rotation = {
      ...weekly,
      overrides: [{ contact: 'dave', from: '2026-11-04T00:00:00Z', to: '2026-11-05T00:00:00Z' }],
    };
    assert.deepEqual(nextHandoff(rotation, at('2026-11-03T00:00:00Z')), {
      at: at('2026-11-04T00:00:00Z'),
      contact: 'dave',
    });
    assert.deepEqual(nextHandoff(rotation, at('2026-11-04T06:00:00Z')), {
      at: at('2026-11-05T00:00:00Z'),
      contact: 'alice',
    });
  });

  test('an override given to the person already on call is no hand-off; a long one spans shifts', () => {
    const rotation: Rotation = {
      ...weekly,
      overrides: [{ contact: 'alice', from: '2026-11-08T00:00:00Z', to: '2026-11-20T00:00:00Z' }],
    };
    assert.deepEqual(nextHandoff(rotation, at('2026-11-03T00:00:00Z')), {
      at: at('2026-11-20T00:00:00Z'),
      contact: 'carol',
    });
  });

  test('skips a shift held again by the same person, and is undefined when nobody else is ever on call', () => {
    const rotation: Rotation = {
      people: ['alice', 'alice', 'bob'],
      every: '1d',
      start: '2026-01-01T00:00:00Z',
    };
    assert.deepEqual(nextHandoff(rotation, at('2026-01-01T12:00:00Z')), {
      at: at('2026-01-01T00:00:00Z') + 2 * DAY,
      contact: 'bob',
    });
    assert.equal(nextHandoff({ people: ['solo'], every: '1d', start: '2026-01-01T00:00:00Z' }, 0), undefined);
  });

  test('a single person with an override far ahead hands off at the override', () => {
    const rotation: Rotation = {
      people: ['solo'],
      every: '1h',
      start: '2026-01-01T00:00:00Z',
      overrides: [{ contact: 'backup', from: '2027-01-01T00:00:00Z', to: '2027-01-02T00:00:00Z' }],
    };
    assert.deepEqual(nextHandoff(rotation, at('2026-01-01T00:00:00Z')), {
      at: at('2027-01-01T00:00:00Z'),
      contact: 'backup',
    });
  });
});

describe('validateRotation', () => {
  const contacts = ['alice', 'bob', 'carol', 'dave'];

  test('a rotation of known contacts has no problem', () => {
    assert.deepEqual(validateRotation(weekly, contacts), []);
  });

  test('names unknown contacts with a suggestion, and overrides that end before they start', () => {
    const rotation: Rotation = {
      ...weekly,
      people: ['alice', 'bobb', 'mallory-ops'],
      overrides: [{ contact: 'dav', from: '2026-11-05T00:00:00Z', to: '2026-11-05T00:00:00Z' }],
    };
    assert.deepEqual(validateRotation(rotation, contacts), [
      { path: ['people', 1], message: "unknown contact 'bobb'; did you mean 'bob'?" },
      { path: ['people', 2], message: "unknown contact 'mallory-ops'; declare it under contacts" },
      { path: ['overrides', 0, 'contact'], message: "unknown contact 'dav'; did you mean 'dave'?" },
      {
        path: ['overrides', 0, 'to'],
        message:
          "the override ends (2026-11-05T00:00:00Z) before it starts (2026-11-05T00:00:00Z); 'to' must come after 'from'",
      },
    ]);
  });
});
