/**
 * Bad input never crashes or hangs the importer: each odd document gets a model or a clear error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VigieError } from '../../../src/errors.ts';
import { importMarkdown, MAX_IMPORT_BYTES } from '../../../src/runbook/import/index.ts';
import { Runbook } from '../../../src/runbook/schema.ts';

const bytes = (text: string): Uint8Array => Buffer.from(text);

describe('importer robustness', () => {
  it('an empty file gives an empty model named after the file, and says no scenario was found', () => {
    const result = importMarkdown(new Uint8Array(), { file: 'docs/empty.md' });
    assert.equal(result.runbook.name, 'empty');
    assert.deepEqual(Runbook.parse(result.runbook), result.runbook);
    assert.ok(result.notes.includes('no incident scenario was recognised'));
  });

  it('a binary file is refused with a clear error', () => {
    const binary = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256);
    assert.throws(
      () => importMarkdown(binary, { file: 'logo.png' }),
      (error: unknown) =>
        error instanceof VigieError &&
        error.code === 'IMPORT_BINARY' &&
        /logo\.png: this is a binary file/.test(error.message) &&
        /Markdown/.test(error.fix),
    );
  });

  it('a file larger than the limit is refused before it is read', () => {
    const huge = new Uint8Array(MAX_IMPORT_BYTES + 1).fill(0x61);
    assert.throws(
      () => importMarkdown(huge, { file: 'huge.md' }),
      (error: unknown) =>
        error instanceof VigieError && error.code === 'IMPORT_TOO_LARGE' && /split/.test(error.fix),
    );
  });

  it('a 10 MB runbook is imported whole', () => {
    const section =
      '## Incident 1: Down\n\n**Symptoms:**\n- down\n\n**Diagnosis:**\n```bash\ncurl https://a.example.com/health\n```\n\n';
    const text = `# Big\n\n${section.repeat(Math.ceil(10_000_000 / section.length))}`;
    const result = importMarkdown(bytes(text), { file: 'big.md' });
    assert.ok(text.length >= 10_000_000);
    assert.equal(result.runbook.scenarios!.length, Math.ceil(10_000_000 / section.length));
    assert.equal(
      new Set(result.runbook.scenarios!.map((s) => s.id)).size,
      result.runbook.scenarios!.length,
      'ids stay unique',
    );
    assert.equal(result.runbook.checks!.length, 1, 'the same health check is derived once');
  });

  it('an unclosed code fence runs to the end of the document, and its commands are still classified', () => {
    const result = importMarkdown(
      bytes('# R\n\n## Incident 1: Cache down\n\n**Actions:**\n```bash\nredis-cli PING\nredis-cli FLUSHDB\n'),
    );
    const actions = result.runbook.scenarios![0]!.actions!;
    assert.deepEqual(
      actions.map((step) => [step.run, step.risk]),
      [
        ['redis-cli PING', 'read'],
        ['redis-cli FLUSHDB', 'destructive'],
      ],
    );
  });

  it('500-deep nested lists do not overflow the stack', () => {
    const text = `# Deep\n\n${Array.from({ length: 500 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n')}\n`;
    const result = importMarkdown(bytes(text));
    assert.equal(result.runbook.name, 'Deep');
  });

  it('a heading-only file gives a model with its name', () => {
    const result = importMarkdown(bytes('# Payments Runbook\n'));
    assert.equal(result.runbook.name, 'Payments');
    assert.deepEqual(Object.keys(result.runbook), ['name']);
  });

  // Odd long lines that once made a pattern backtrack or a loop go quadratic; each must simply finish.
  const ADVERSARIAL: Record<string, string> = {
    '30,000 backslash continuations': `# R\n\n## Incident 1: x\n\n**Actions:**\n\`\`\`bash\n${'echo a \\\n'.repeat(30_000)}\`\`\`\n`,
    '30,000 cd lines': `# R\n\n\`\`\`bash\n${'cd /tmp\n'.repeat(30_000)}\`\`\`\n`,
    'a 200 KB line of [': `# R\n\n${'['.repeat(200_000)}\n`,
    '100,000 digits as a resolution time': `# R\n\n## Incident 1: x\n\n**Resolution time:** ${'9'.repeat(100_000)} minutes\n`,
    '100,000 digits in a severity table': `# R\n\n| Severity | Response time |\n|---|---|\n| P0 | ${'9'.repeat(100_000)} min |\n`,
    '100,000 spaces then a word': `# R\n\n${' '.repeat(100_000)}x\n`,
    '50,000 stars': `# R\n\n${'*'.repeat(50_000)}\n`,
    'a 200 KB line of quotes in a fence': `# R\n\n\`\`\`bash\n${'"'.repeat(200_000)}\n\`\`\`\n`,
    'a 20,000-column table': `# R\n\n${'| a '.repeat(20_000)}|\n${'|---'.repeat(20_000)}|\n`,
  };
  for (const [name, text] of Object.entries(ADVERSARIAL)) {
    it(`finishes on ${name}`, { timeout: 60_000 }, () => {
      assert.doesNotThrow(() => importMarkdown(bytes(text)));
    });
  }

  it('a huge number where a duration is expected does not break the model', () => {
    const result = importMarkdown(
      bytes('# R\n\n## Incident 1: x\n\n**Resolution time:** 100000000000000000000000 minutes\n'),
    );
    assert.doesNotThrow(() => Runbook.parse(result.runbook));
  });

  it('an empty front-matter name falls back to the title', () => {
    assert.equal(importMarkdown(bytes('---\nname: ""\n---\n# Billing Runbook\n')).runbook.name, 'Billing');
  });

  it('YAML front matter names the runbook and keeps lines right', () => {
    const result = importMarkdown(
      bytes(
        '---\nname: Billing\nversion: 3\n---\n# Ops\n\n## Incident 1: Billing down\n\n**Diagnosis:**\n```bash\ncurl https://billing.example.com/healthz\n```\n',
      ),
    );
    assert.equal(result.runbook.name, 'Billing');
    assert.equal(result.runbook.version, '3');
    assert.equal(result.runbook.scenarios![0]!.source!.line, 7);
    assert.equal(result.runbook.scenarios![0]!.diagnosis![0]!.source!.line, 11);
  });

  it('CRLF line endings and a BOM read like plain text', () => {
    const text =
      '\uFEFF# Ops\r\n\r\n## Incident 1: Down\r\n\r\n**Diagnosis:**\r\n```bash\r\ncurl https://x.example.com/health\r\n```\r\n';
    const result = importMarkdown(bytes(text));
    assert.equal(result.runbook.scenarios![0]!.diagnosis![0]!.run, 'curl https://x.example.com/health');
  });
});
