import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  activeWindow,
  activeWindows,
  covers,
  MAX_OCCURRENCES,
  type OneOffWindow,
  type RecurringWindow,
  upcoming,
  validateMaintenance,
  validateWindow,
  windowsFromMaintenance,
} from '../../src/quiet/window.ts';

const at = (iso: string): number => Date.parse(iso);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const nightly: RecurringWindow = {
  id: 'db-backup',
  title: 'Database backup',
  schedule: '0 2 * * *',
  duration: 30 * MINUTE,
};

describe('activeWindow: one-off', () => {
  const release: OneOffWindow = {
    id: 'release',
    title: 'Release 5.0',
    startsAt: at('2026-11-02T20:00:00Z'),
    endsAt: at('2026-11-02T22:00:00Z'),
  };

  test('holds from startsAt (included) to endsAt (excluded)', () => {
    assert.equal(activeWindow(release, at('2026-11-02T19:59:59Z')), undefined);
    assert.deepEqual(activeWindow(release, at('2026-11-02T20:00:00Z')), {
      start: at('2026-11-02T20:00:00Z'),
      end: at('2026-11-02T22:00:00Z'),
    });
    assert.equal(activeWindow(release, at('2026-11-02T22:00:00Z')), undefined);
  });
});

describe('activeWindow: recurring', () => {
  test('0 2 * * * for 30m is open at 02:10 and closed at 02:40', () => {
    assert.deepEqual(activeWindow(nightly, at('2026-11-02T02:10:00Z')), {
      start: at('2026-11-02T02:00:00Z'),
      end: at('2026-11-02T02:30:00Z'),
    });
    assert.equal(activeWindow(nightly, at('2026-11-02T02:40:00Z')), undefined);
    assert.equal(activeWindow(nightly, at('2026-11-02T01:59:59.999Z')), undefined);
  });

  test('is half-open: open at the run itself, closed once the duration has passed', () => {
    assert.equal(activeWindow(nightly, at('2026-11-02T02:00:00Z'))?.start, at('2026-11-02T02:00:00Z'));
    assert.equal(activeWindow(nightly, at('2026-11-02T02:29:59.999Z'))?.start, at('2026-11-02T02:00:00Z'));
    assert.equal(activeWindow(nightly, at('2026-11-02T02:30:00Z')), undefined);
  });

  test('0 2 * * 6#1 opens on the first Saturday of the month only', () => {
    const monthly: RecurringWindow = { ...nightly, schedule: '0 2 * * 6#1', duration: 2 * HOUR };
    // November 2026 begins on a Sunday: its first Saturday is the 7th.
    assert.deepEqual(activeWindow(monthly, at('2026-11-07T03:00:00Z')), {
      start: at('2026-11-07T02:00:00Z'),
      end: at('2026-11-07T04:00:00Z'),
    });
    assert.equal(activeWindow(monthly, at('2026-11-14T03:00:00Z')), undefined);
    assert.equal(activeWindow(monthly, at('2026-11-08T03:00:00Z')), undefined);
    assert.equal(activeWindow(monthly, at('2026-12-05T02:30:00Z'))?.start, at('2026-12-05T02:00:00Z'));
  });

  test('reads the schedule in its time zone, following the offset through the DST changes', () => {
    const paris: RecurringWindow = { ...nightly, timezone: 'Europe/Paris' };
    const open = (iso: string) => activeWindow(paris, at(iso))?.start;
    // Winter (UTC+1): 02:00 in Paris is 01:00Z.
    assert.equal(open('2026-03-28T01:10:00Z'), at('2026-03-28T01:00:00Z'));
    assert.equal(open('2026-03-28T00:10:00Z'), undefined);
    // 2026-03-29: clocks jump from 02:00 to 03:00, so the 02:00 run happens at 03:00 CEST (01:00Z).
    assert.equal(open('2026-03-29T01:10:00Z'), at('2026-03-29T01:00:00Z'));
    assert.equal(open('2026-03-29T00:10:00Z'), undefined);
    // Summer (UTC+2): 02:00 in Paris is 00:00Z.
    assert.equal(open('2026-03-30T00:10:00Z'), at('2026-03-30T00:00:00Z'));
    assert.equal(open('2026-03-30T01:10:00Z'), undefined);
    // 2026-10-25: 02:00-03:00 happens twice; the run happens once, on the first pass (00:00Z).
    assert.equal(open('2026-10-25T00:10:00Z'), at('2026-10-25T00:00:00Z'));
    assert.equal(open('2026-10-25T01:10:00Z'), undefined);
    // Winter again.
    assert.equal(open('2026-10-26T01:10:00Z'), at('2026-10-26T01:00:00Z'));
    assert.equal(open('2026-10-26T00:10:00Z'), undefined);
  });

  test('a window longer than the interval stays open from the latest run', () => {
    const hourly: RecurringWindow = { ...nightly, schedule: '0 * * * *', duration: 90 * MINUTE };
    assert.equal(activeWindow(hourly, at('2026-11-02T05:45:00Z'))?.start, at('2026-11-02T05:00:00Z'));
  });
});

describe('covers and activeWindows', () => {
  const labels = { alert: 'api-down', check: 'api-ready', service: 'api' };

  test('affects names alerts or checks; absent, a window covers every alert', () => {
    assert.equal(covers(nightly, labels), true);
    assert.equal(covers({ ...nightly, affects: ['api-down'] }, labels), true);
    assert.equal(covers({ ...nightly, affects: ['api-ready'] }, labels), true);
    assert.equal(covers({ ...nightly, affects: ['db-up'] }, labels), false);
  });

  test('matchers must hold too', () => {
    const web = { ...nightly, matchers: [{ name: 'service', op: '=' as const, value: 'web' }] };
    assert.equal(covers(web, labels), false);
    assert.equal(
      covers({ ...web, matchers: [{ name: 'service', op: '=~', value: 'api|web' }] }, labels),
      true,
    );
  });

  test('activeWindows lists open windows that cover the alert, with their openings', () => {
    const other = { ...nightly, id: 'other', affects: ['db-up'] };
    const now = at('2026-11-02T02:10:00Z');
    assert.deepEqual(activeWindows([other, nightly], labels, now), [
      { window: nightly, start: at('2026-11-02T02:00:00Z'), end: at('2026-11-02T02:30:00Z') },
    ]);
  });
});

describe('upcoming', () => {
  test('lists openings under way or starting within the horizon, earliest first', () => {
    const release: OneOffWindow = {
      id: 'release',
      title: 'Release',
      startsAt: at('2026-11-03T01:00:00Z'),
      endsAt: at('2026-11-03T01:30:00Z'),
    };
    const later: OneOffWindow = {
      ...release,
      id: 'later',
      startsAt: at('2026-11-10T00:00:00Z'),
      endsAt: at('2026-11-10T01:00:00Z'),
    };
    const found = upcoming([later, nightly, release], at('2026-11-02T02:10:00Z'), 36 * HOUR);
    assert.deepEqual(
      found.map((o) => [o.window.id, new Date(o.start).toISOString()]),
      [
        ['db-backup', '2026-11-02T02:00:00.000Z'],
        ['release', '2026-11-03T01:00:00.000Z'],
        ['db-backup', '2026-11-03T02:00:00.000Z'],
      ],
    );
  });

  test('bounds the openings of a frequent window', () => {
    const everyMinute: RecurringWindow = { ...nightly, schedule: '* * * * *', duration: 10_000 };
    assert.equal(upcoming([everyMinute], 0, 30 * 24 * HOUR).length, MAX_OCCURRENCES);
  });
});

describe('windowsFromMaintenance', () => {
  test('tasks with a schedule and a duration open recurring windows; others open none', () => {
    const windows = windowsFromMaintenance([
      { id: 'db-backup', title: 'Database backup', schedule: '0 2 * * *', duration: '30m' },
      {
        id: 'vacuum',
        title: 'Weekly VACUUM',
        schedule: '0 3 * * 0',
        timezone: 'Europe/Paris',
        duration: '1h',
        affects: ['db-up', 'api-down'],
      },
      { id: 'restore-test', title: 'Restore test', schedule: '0 4 1 * *' },
      { id: 'manual', title: 'Manual clean-up', duration: '1h' },
    ]);
    assert.deepEqual(windows, [
      { id: 'db-backup', title: 'Database backup', schedule: '0 2 * * *', duration: 30 * MINUTE },
      {
        id: 'vacuum',
        title: 'Weekly VACUUM',
        schedule: '0 3 * * 0',
        timezone: 'Europe/Paris',
        duration: HOUR,
        affects: ['db-up', 'api-down'],
      },
    ]);
  });
});

describe('validateMaintenance and validateWindow', () => {
  test('name bad schedules, time zones and unknown ids; a task without a duration opens no window', () => {
    const problems = validateMaintenance(
      [
        { id: 'a', title: 'A', schedule: '0 2 * *', duration: '1h' },
        { id: 'b', title: 'B', schedule: '0 25 * * *', duration: '1h' },
        { id: 'c', title: 'C', schedule: '0 2 * * *', timezone: 'Europe/Pariss', duration: '1h' },
        { id: 'd', title: 'D', schedule: '0 2 * * *' },
        { id: 'e', title: 'E', schedule: '0 2 * * *', duration: '1h', affects: ['api-dwn', 'api-ready'] },
      ],
      ['api-down', 'api-ready'],
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      [
        ['maintenance', 0, 'schedule'],
        ['maintenance', 1, 'schedule'],
        ['maintenance', 2, 'timezone'],
        ['maintenance', 4, 'affects', 0],
      ],
    );
    assert.match(problems[0]!.message, /has 4 fields; write 5-field cron/);
    assert.match(problems[1]!.message, /is not a cron schedule/);
    assert.match(problems[2]!.message, /unknown time zone 'Europe\/Pariss'/);
    assert.match(problems[3]!.message, /did you mean 'api-down'\?/);
  });

  test('a window made at run time is checked the same way', () => {
    assert.deepEqual(validateWindow(nightly), []);
    assert.equal(validateWindow({ ...nightly, schedule: '0 0 2 * * *' })[0]?.path[0], 'schedule');
    assert.equal(validateWindow({ ...nightly, duration: 0 })[0]?.path[0], 'duration');
    assert.equal(validateWindow({ id: 'x', title: 'X', startsAt: 10, endsAt: 10 })[0]?.path[0], 'endsAt');
  });
});
