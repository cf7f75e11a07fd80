/**
 * Import speed: the five real runbooks and a generated 1 MB runbook through `importMarkdown`.
 * Targets (issue "[1 of 5]"): under 20 ms for each real runbook, under 1 s for 1 MB. No peer tool
 * imports prose runbooks, so this prints absolute times and throughput in MB/s.
 * Run: npm run bench:import  (writes bench/results/import.txt too)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { importMarkdown } from '../src/runbook/import/index.ts';
import { repairText } from '../src/runbook/import/text-repair.ts';

const FIXTURES = new URL('../test/fixtures/runbooks/', import.meta.url);
const files = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.txt'))
  .sort();

function measure(bytes: Uint8Array, runs: number): { median: number; p95: number; max: number } {
  for (let i = 0; i < Math.min(runs, 10); i++) importMarkdown(bytes);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    importMarkdown(bytes);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { median: at(0.5), p95: at(0.95), max: times[times.length - 1]! };
}

/** A 1 MB runbook made of the real ones' sections, renumbered so every scenario and task is distinct. */
function generated(size: number): Uint8Array {
  const bodies = files.map((name) => repairText(readFileSync(new URL(name, FIXTURES))).text);
  const parts: string[] = ['# Generated Platform Runbook\n\n'];
  let length = parts[0]!.length;
  for (let round = 0; length < size; round++) {
    for (const body of bodies) {
      const renamed = body
        .replace(/^# .*$/m, '')
        .replace(/^(#{2,4} .*)$/gm, (heading) => `${heading} (${round})`);
      parts.push(`\n## Part ${round}\n\n${renamed}\n`);
      length += Buffer.byteLength(renamed) + 20;
      if (length >= size) break;
    }
  }
  return Buffer.from(parts.join('').slice(0, size));
}

const lines: string[] = [];
const print = (line: string): void => {
  console.log(line);
  lines.push(line);
};

print(
  `vigie import benchmark — ${new Date().toISOString()} — Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}`,
);
print('');
print('document                         size      median    p95       MB/s    target   verdict');
for (const name of files) {
  const bytes = readFileSync(new URL(name, FIXTURES));
  const { median, p95 } = measure(bytes, 200);
  const mbs = bytes.byteLength / 1e6 / (median / 1000);
  print(
    `${name.padEnd(32)} ${`${(bytes.byteLength / 1024).toFixed(1)} KB`.padEnd(9)} ${`${median.toFixed(2)} ms`.padEnd(9)} ${`${p95.toFixed(2)} ms`.padEnd(9)} ${mbs.toFixed(2).padEnd(7)} < 20 ms  ${p95 < 20 ? 'ok' : 'MISSED'}`,
  );
}
const big = generated(1_000_000);
const { median, p95 } = measure(big, 15);
const result = importMarkdown(big).runbook;
print(
  `${'generated 1 MB runbook'.padEnd(32)} ${`${(big.byteLength / 1e6).toFixed(2)} MB`.padEnd(9)} ${`${median.toFixed(0)} ms`.padEnd(9)} ${`${p95.toFixed(0)} ms`.padEnd(9)} ${(big.byteLength / 1e6 / (median / 1000)).toFixed(2).padEnd(7)} < 1 s    ${p95 < 1000 ? 'ok' : 'MISSED'}`,
);
print(
  `  (it holds ${result.scenarios?.length ?? 0} scenarios, ${result.procedures?.length ?? 0} procedures, ${result.maintenance?.length ?? 0} maintenance tasks, ${result.checks?.length ?? 0} checks)`,
);
print('');
print(
  'Times are warm (after 10 runs); p95 is the verdict. No peer imports prose runbooks; figures are absolute.',
);
writeFileSync(new URL('results/import.txt', import.meta.url), `${lines.join('\n')}\n`);
