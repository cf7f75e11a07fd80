/**
 * The model documents itself: every field of the generated JSON Schema has a description, and the
 * committed `schema/runbook.schema.json` is the one the zod model generates today.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runbookJsonSchema } from '../../scripts/gen-schema.ts';
import { parseDuration, parsePercent, parseSize } from '../../src/runbook/units.ts';

type Node = {
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  additionalProperties?: Node;
  anyOf?: Node[];
};

describe('runbook JSON Schema', () => {
  it('is committed up to date (run `npm run schema` after changing src/runbook/schema.ts)', () => {
    const committed = readFileSync(new URL('../../schema/runbook.schema.json', import.meta.url), 'utf8');
    assert.equal(committed, runbookJsonSchema());
  });

  it('describes every field', () => {
    const missing: string[] = [];
    const walk = (node: Node | undefined, path: string): void => {
      if (!node || typeof node !== 'object') return;
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        const described = child.description ?? child.anyOf?.find((option) => option.description)?.description;
        if (!described && key !== 'source' && key !== 'original') missing.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
      walk(node.items, `${path}[]`);
      walk(node.additionalProperties, `${path}[]`);
      for (const option of node.anyOf ?? []) walk(option, path);
    };
    walk(JSON.parse(runbookJsonSchema()), '');
    assert.deepEqual(missing, []);
  });
});

describe('units', () => {
  it('parse durations, percentages and sizes once', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('2 days'), 172_800_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('soon'), undefined);
    assert.equal(parseDuration('15'), undefined, 'a bare number has no unit');
    assert.equal(parsePercent('99.5%'), 0.995);
    assert.equal(parsePercent('85 %'), 0.85);
    assert.equal(parsePercent('eighty'), undefined);
    assert.equal(parseSize('400MB'), 400e6);
    assert.equal(parseSize('1 GiB'), 1024 ** 3);
    assert.equal(parseSize('12 parsecs'), undefined);
  });
});
