/**
 * Units of the runbook language: durations (`30s`, `15m`, `1h30m`, `2 days`), percentages (`85%`)
 * and sizes (`400MB`). Every value is parsed here once; the rest of Vigie handles plain numbers.
 */

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  heure: 3_600_000,
  heures: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  j: 86_400_000,
  jour: 86_400_000,
  jours: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

const DURATION_PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/giy;

/** parseDuration reads `30s`, `15m`, `1h30m`, `2 days`, `250ms` as milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const input = text.trim();
  if (input === '' || input === '0') return input === '0' ? 0 : undefined;
  let total = 0;
  let at = 0;
  DURATION_PART.lastIndex = 0;
  while (at < input.length) {
    DURATION_PART.lastIndex = at;
    const match = DURATION_PART.exec(input);
    if (!match) return undefined;
    const unit = DURATION_UNITS[match[2]!.toLowerCase()];
    if (unit === undefined) return undefined;
    total += Number(match[1]) * unit;
    at = DURATION_PART.lastIndex;
    while (input[at] === ' ') at++;
  }
  return Math.round(total);
}

/** formatDuration writes milliseconds in the shortest canonical form (`90000` → `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      const count = Math.floor(rest / size);
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  return parts.join('');
}

/** parsePercent reads `85%`, `99.5 %` or `0.995` as a fraction of one; undefined otherwise. */
export function parsePercent(text: string): number | undefined {
  const match = /^\s*(\d+(?:[.,]\d+)?)\s*(%)?\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]!.replace(',', '.'));
  if (match[2]) return value / 100;
  return value <= 1 ? value : undefined;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  ko: 1e3,
  mo: 1e6,
  go: 1e9,
  to: 1e12,
};

/** parseSize reads `400MB`, `1 GiB`, `512 Mo` as bytes; undefined otherwise. */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = SIZE_UNITS[match[2]!.toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(match[1]) * unit);
}
