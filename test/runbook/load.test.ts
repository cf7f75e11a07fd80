/**
 * Loading `vigie.yaml`: every error of a file at once, each placed and explained; references
 * resolved from the environment; and the importer's output surviving a trip through YAML.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { importMarkdown } from '../../src/runbook/import/index.ts';
import { formatLoadErrors, loadRunbook, resolveRunbook } from '../../src/runbook/load.ts';
import { toYaml } from '../../src/runbook/write.ts';

const EXAMPLE = readFileSync(new URL('../../examples/vigie.yaml', import.meta.url), 'utf8');

describe('loadRunbook', () => {
  it('loads the bundled example', () => {
    const loaded = loadRunbook(EXAMPLE);
    assert.ok(loaded.ok, loaded.ok ? '' : formatLoadErrors('example', loaded.errors));
    assert.equal(loaded.runbook.name, 'Shop API');
    assert.equal(loaded.runbook.checks?.length, 4);
    // The locator finds the line of any path, for the linter.
    assert.equal(
      loaded.locate(['checks', 1]),
      EXAMPLE.split('\n').findIndex((line) => line.includes('id: db-ready')) + 1,
    );
  });

  it('reports every error in the file at once, each with its path, line and a suggestion', () => {
    const text = [
      'name: Broken',
      'checks:',
      '  - id: api',
      '    probe: htp',
      '    target: http://x/health',
      '    every: soon',
      '    expct: ["status == 200"]',
      'alerts:',
      '  - { id: Bad Id, when: "fails 3 times", severity: SEV9 }',
    ].join('\n');
    const loaded = loadRunbook(text);
    assert.equal(loaded.ok, false);
    if (loaded.ok) return;
    const byPath = new Map(loaded.errors.map((error) => [error.path, error]));
    assert.match(byPath.get('checks[0].probe')!.message, /'htp' is not one of .*did you mean 'http'\?/);
    assert.equal(byPath.get('checks[0].probe')!.line, 4);
    assert.match(byPath.get('checks[0].every')!.message, /not a duration; write it like 30s/);
    assert.equal(byPath.get('checks[0].every')!.line, 6);
    assert.match(byPath.get('checks[0].expct')!.message, /unknown field 'expct'; did you mean 'expect'\?/);
    assert.equal(byPath.get('checks[0].expct')!.line, 7);
    assert.match(byPath.get('alerts[0].id')!.message, /lower-case/);
    assert.ok(byPath.has('alerts[0].severity'));
    assert.ok(loaded.errors.length >= 5);
    const printed = formatLoadErrors('vigie.yaml', loaded.errors);
    assert.match(printed, /^vigie\.yaml:4:\d+: checks\[0\]\.probe: /m);
  });

  it('places a condition error at its line and column in the file', () => {
    const loaded = loadRunbook(
      'name: t\nchecks:\n  - id: a\n    probe: http\n    target: http://x\n    expect: ["status == 200", "status === 200"]\n',
    );
    assert.equal(loaded.ok, false);
    if (loaded.ok) return;
    assert.deepEqual(
      loaded.errors.map((error) => [error.path, error.line, error.column]),
      [['checks[0].expect[1]', 6, 39]],
    );
    assert.match(loaded.errors[0]!.message, /did you mean '=='/);
  });

  it('refuses a checklist item naming a check the runbook lacks, at its line', () => {
    const loaded = loadRunbook(
      'name: t\nchecks:\n  - { id: api, probe: http, target: "http://x/health" }\nchecklists:\n  post-deploy:\n    - Dashboards normal\n    - { text: Health OK, check: apii }\n',
    );
    assert.equal(loaded.ok, false);
    if (loaded.ok) return;
    assert.deepEqual(
      loaded.errors.map((error) => [error.path, error.line, error.message]),
      [['checklists.post-deploy[1].check', 7, "no check 'apii'; did you mean 'api'?"]],
    );
  });

  it('says where YAML syntax breaks', () => {
    const loaded = loadRunbook('name: x\nchecks:\n  - id: a\n   probe: http\n');
    assert.equal(loaded.ok, false);
    if (!loaded.ok) {
      assert.equal(loaded.errors[0]!.line, 4);
      assert.match(loaded.errors[0]!.message, /fix the YAML syntax/);
    }
  });

  it('refuses an empty file and a missing name clearly', () => {
    const empty = loadRunbook('');
    assert.equal(empty.ok, false);
    if (!empty.ok) assert.match(empty.errors[0]!.message, /empty/);
    const nameless = loadRunbook('checks: []\n');
    assert.equal(nameless.ok, false);
    if (!nameless.ok) assert.match(nameless.errors[0]!.message, /missing required field 'name'/);
  });
});

describe('resolveRunbook', () => {
  it('fills ${ENV}, ${ENV:-default} and ${services.x.y}, and remembers which values are secrets', () => {
    const loaded = loadRunbook(EXAMPLE);
    assert.ok(loaded.ok);
    const env = {
      DATABASE_URL: 'postgres://app:s3cret-pw@db:5432/shop',
      SHOP_API_URL: 'https://shop.example',
    };
    const { runbook, secrets, errors } = resolveRunbook(loaded.runbook, env);
    assert.deepEqual(errors, []);
    assert.equal(runbook.checks![0]!.target, 'https://shop.example/health/ready');
    assert.equal(runbook.checks![1]!.target, 'postgres://app:s3cret-pw@db:5432/shop');
    assert.equal(runbook.services!.cache!.redis, 'redis://127.0.0.1:6379', 'the default applies');
    assert.deepEqual(
      secrets,
      ['postgres://app:s3cret-pw@db:5432/shop'],
      'a URL carrying a password is a secret',
    );
  });

  it('reports a missing variable and a misspelt service by path', () => {
    const loaded = loadRunbook(
      'name: x\nservices:\n  api: { url: "${API_URL}" }\nchecks:\n  - { id: a, probe: http, target: "${services.apj.url}/x" }\n',
    );
    assert.ok(loaded.ok);
    const { errors } = resolveRunbook(loaded.runbook, {});
    assert.deepEqual(
      errors.map((error) => error.path),
      ['services.api.url', 'checks[0].target'],
    );
    assert.match(errors[0]!.message, /API_URL is not set/);
    assert.match(errors[1]!.message, /did you mean 'services\.api'\?/);
  });
});

describe('import → YAML → load', () => {
  const dir = new URL('../fixtures/runbooks/', import.meta.url);
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.txt'))) {
    it(`gives back an equal model for ${file}`, () => {
      const { runbook } = importMarkdown(readFileSync(new URL(file, dir)), { file });
      const loaded = loadRunbook(toYaml(runbook, ' a header comment'));
      assert.ok(loaded.ok, loaded.ok ? '' : formatLoadErrors(file, loaded.errors));
      assert.deepEqual(loaded.runbook, runbook);
    });
  }
});
