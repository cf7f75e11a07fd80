import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { english } from '../../src/runbook/import/lexicon/en.ts';
import type { Lexicon } from '../../src/runbook/import/lexicon/index.ts';
import { isCron, parseSchedule } from '../../src/runbook/import/schedule.ts';

describe('parseSchedule: literal cron', () => {
  test('reads a bare cron line', () => {
    assert.deepEqual(parseSchedule('0 2 * * *'), { cron: '0 2 * * *' });
  });

  test('finds a cron line inside text', () => {
    assert.deepEqual(
      parseSchedule('Automated daily backup (cron) 0 2 * * * cd /path/to/app && make db-backup'),
      { cron: '0 2 * * *' },
    );
  });

  test('rejects out-of-range fields and then reads the prose instead', () => {
    assert.equal(parseSchedule('61 2 * * *'), undefined);
    assert.deepEqual(parseSchedule('daily 0 25 * * *'), { cron: '0 0 * * *', frequency: 'daily' });
  });

  test('ignores five bare numbers inside prose', () => {
    assert.equal(parseSchedule('ports 80 443 8080 9090 5432 open'), undefined);
  });
});

describe('parseSchedule: French', () => {
  test('Quotidien 02:00 UTC', () => {
    assert.deepEqual(parseSchedule('Quotidien 02:00 UTC'), {
      cron: '0 2 * * *',
      timezone: 'UTC',
      frequency: 'daily',
    });
  });

  test('Quotidienne (Auto) - 02:00 UTC: Backup DB', () => {
    assert.deepEqual(parseSchedule('Quotidienne (Auto) - 02:00 UTC: Backup DB'), {
      cron: '0 2 * * *',
      timezone: 'UTC',
      frequency: 'daily',
    });
  });

  test('a time alone is daily', () => {
    assert.deepEqual(parseSchedule('03:00 UTC'), { cron: '0 3 * * *', timezone: 'UTC', frequency: 'daily' });
  });

  test('a weekday alone is weekly at midnight, with a time at that time', () => {
    assert.deepEqual(parseSchedule('Dimanche'), { cron: '0 0 * * 0', frequency: 'weekly' });
    assert.deepEqual(parseSchedule('Dimanche 04:30'), { cron: '30 4 * * 0', frequency: 'weekly' });
    assert.deepEqual(parseSchedule('Lundi: Revue alertes'), { cron: '0 0 * * 1', frequency: 'weekly' });
  });

  test('Hebdomadaire without a day is Sunday, like @weekly', () => {
    assert.deepEqual(parseSchedule('Hebdomadaire'), { cron: '0 0 * * 0', frequency: 'weekly' });
  });

  test('Mensuel and Trimestriel start on the first of the period', () => {
    assert.deepEqual(parseSchedule('Mensuel'), { cron: '0 0 1 * *', frequency: 'monthly' });
    assert.deepEqual(parseSchedule('Mensuelle'), { cron: '0 0 1 * *', frequency: 'monthly' });
    assert.deepEqual(parseSchedule('Trimestriel'), { cron: '0 0 1 */3 *', frequency: 'quarterly' });
  });

  test('a window gives the start and its length', () => {
    assert.deepEqual(parseSchedule('Samedi 02:00-04:00 UTC'), {
      cron: '0 2 * * 6',
      timezone: 'UTC',
      duration: '2h',
      frequency: 'weekly',
    });
  });

  test('monthly with a weekday window is the first such day of the month', () => {
    assert.deepEqual(parseSchedule('Mensuel; Samedi 02:00-04:00 UTC (faible trafic)'), {
      cron: '0 2 * * 6#1',
      timezone: 'UTC',
      duration: '2h',
      frequency: 'monthly',
    });
    assert.equal(parseSchedule('Trimestriel samedi 01:00')?.cron, '0 1 * */3 6#1');
  });

  test('a window across midnight', () => {
    assert.deepEqual(parseSchedule('Samedi 22:00-02:00'), {
      cron: '0 22 * * 6',
      duration: '4h',
      frequency: 'weekly',
    });
    assert.equal(parseSchedule('Samedi 22h30-00h00')?.duration, '1h30m');
  });

  test('h-style times', () => {
    assert.equal(parseSchedule('Quotidien 02h00')?.cron, '0 2 * * *');
    assert.equal(parseSchedule('tous les jours à 2h30')?.cron, '30 2 * * *');
    assert.equal(parseSchedule('chaque nuit 2h')?.cron, '0 2 * * *');
  });

  test('an h-style time alone reads as a duration, not a schedule', () => {
    assert.equal(parseSchedule('Temps estimé: 2h'), undefined);
    assert.equal(parseSchedule('Durée 2h30'), undefined);
  });

  test('a dash between weekdays is a range', () => {
    assert.equal(parseSchedule('lundi-vendredi 08:00')?.cron, '0 8 * * 1,2,3,4,5');
    assert.equal(parseSchedule('samedi - dimanche')?.cron, '0 0 * * 0,6');
  });

  test('intervals', () => {
    assert.deepEqual(parseSchedule('toutes les 15 minutes'), { cron: '*/15 * * * *' });
    assert.deepEqual(parseSchedule('tous les 2 jours à 03:00'), { cron: '0 3 */2 * *' });
  });

  test('text with no schedule', () => {
    assert.equal(parseSchedule('Revue des accès'), undefined);
    assert.equal(parseSchedule('Test de restore'), undefined);
    assert.equal(parseSchedule(''), undefined);
  });
});

describe('parseSchedule: English', () => {
  test('every day at 3am', () => {
    assert.deepEqual(parseSchedule('every day at 3am'), { cron: '0 3 * * *', frequency: 'daily' });
    assert.equal(parseSchedule('every day at 3 pm')?.cron, '0 15 * * *');
    assert.equal(parseSchedule('daily at 12am')?.cron, '0 0 * * *');
    assert.equal(parseSchedule('daily at 12:15pm')?.cron, '15 12 * * *');
  });

  test('daily at 14:30', () => {
    assert.deepEqual(parseSchedule('daily at 14:30'), { cron: '30 14 * * *', frequency: 'daily' });
  });

  test('weekly on Monday at 09:00', () => {
    assert.deepEqual(parseSchedule('weekly on Monday at 09:00'), { cron: '0 9 * * 1', frequency: 'weekly' });
    assert.equal(parseSchedule('Mondays and Thursdays at 09:00')?.cron, '0 9 * * 1,4');
  });

  test('Monthly and Quarterly', () => {
    assert.deepEqual(parseSchedule('Monthly'), { cron: '0 0 1 * *', frequency: 'monthly' });
    assert.deepEqual(parseSchedule('Quarterly'), { cron: '0 0 1 */3 *', frequency: 'quarterly' });
    assert.deepEqual(parseSchedule('yearly'), { cron: '0 0 1 1 *', frequency: 'yearly' });
  });

  test('hourly', () => {
    assert.deepEqual(parseSchedule('hourly'), { cron: '0 * * * *', frequency: 'hourly' });
    assert.equal(parseSchedule('every hour')?.cron, '0 * * * *');
  });

  test('every N units', () => {
    assert.deepEqual(parseSchedule('every 15 minutes'), { cron: '*/15 * * * *' });
    assert.deepEqual(parseSchedule('every 2h'), { cron: '0 */2 * * *' });
    assert.deepEqual(parseSchedule('every 1 minute'), { cron: '* * * * *' });
  });

  test('intervals cron cannot express', () => {
    assert.equal(parseSchedule('every 30 seconds'), undefined);
    assert.equal(parseSchedule('every 2 weeks on Monday'), undefined);
    assert.equal(parseSchedule('every 90 minutes'), undefined);
  });

  test('time zones', () => {
    assert.equal(parseSchedule('daily 09:00 GMT')?.timezone, 'UTC');
    assert.equal(parseSchedule('daily 09:00 Europe/Paris')?.timezone, 'Europe/Paris');
    assert.equal(parseSchedule('daily 09:00 via Docker/Compose')?.timezone, undefined);
  });
});

describe('parseSchedule: lexicons', () => {
  const spanish: Lexicon = {
    ...english,
    lang: 'es',
    weekdays: { lunes: 1, sabado: 6 },
    frequencies: { 'cada hora': 'hourly', diario: 'daily', mensual: 'monthly' },
    timeUnits: { minutos: 'm', hora: 'h', horas: 'h' },
  };

  test('a new language is a new table, no code', () => {
    assert.deepEqual(parseSchedule('Mensual; sábado 02:00-04:00 UTC', [spanish]), {
      cron: '0 2 * * 6#1',
      timezone: 'UTC',
      duration: '2h',
      frequency: 'monthly',
    });
    assert.deepEqual(parseSchedule('cada 15 minutos', [spanish]), { cron: '*/15 * * * *' });
  });

  test('only the given lexicons are read', () => {
    assert.equal(parseSchedule('Monthly', [spanish]), undefined);
  });
});

describe('isCron', () => {
  test('accepts five in-range fields, including croner nth weekday', () => {
    for (const cron of [
      '0 2 * * *',
      '*/15 * * * *',
      '0 0 1 */3 *',
      '0 2 * * 6#1',
      '0 9 * * 1-5',
      '0,30 8-18/2 * * 1,3',
    ]) {
      assert.equal(isCron(cron), true, cron);
    }
  });

  test('rejects the rest', () => {
    for (const cron of [
      '0 2 * *',
      '0 2 * * * *',
      '60 * * * *',
      '0 24 * * *',
      '0 0 0 * *',
      '0 0 * 13 *',
      '0 0 * * 8',
      '0 0 * * 6#6',
      '5-1 * * * *',
      '*/0 * * * *',
      '** * * * *',
    ]) {
      assert.equal(isCron(cron), false, cron);
    }
  });
});
