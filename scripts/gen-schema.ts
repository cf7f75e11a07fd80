/**
 * Writes `schema/runbook.schema.json` from the zod model, so editors complete `vigie.yaml` and
 * reviews show every change to the model as a diff. `--check` fails when the file is out of date.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { Runbook } from '../src/runbook/schema.ts';

const target = new URL('../schema/runbook.schema.json', import.meta.url);

/** runbookJsonSchema is the JSON Schema of a runbook file as written (input form). */
export function runbookJsonSchema(): string {
  const schema = z.toJSONSchema(Runbook, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Vigie runbook' }, null, 2)}\n`;
}

if (import.meta.main) {
  const text = runbookJsonSchema();
  if (process.argv.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) {
      console.error('schema/runbook.schema.json is out of date: run `npm run schema` and commit it');
      process.exit(1);
    }
  } else {
    await writeFile(target, text);
    console.log(`wrote ${target.pathname}`);
  }
}
