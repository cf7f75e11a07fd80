/**
 * Captured output and its redaction: bounded memory, masking before the final cut, and secrets
 * split by a cut made while capturing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capture, joinPieces, redact } from '../../src/actions/output.ts';
import { Capture } from '../../src/exec/capture.ts';

describe('Capture', () => {
  it('keeps everything under its limit', () => {
    const kept = new Capture(16, 'head-and-tail');
    kept.write('hello ');
    kept.write(Buffer.from('world'));
    assert.deepEqual(kept.pieces(), ['hello world']);
  });

  it('keeps the first and the last halves of a long stream', () => {
    const kept = new Capture(8, 'head-and-tail');
    for (const part of ['abcd', 'efgh', 'ijkl', 'mnop']) kept.write(part);
    assert.deepEqual(kept.pieces(), ['abcd', { omitted: 8 }, 'mnop']);
  });

  it('keeps the head only, and tells a reader it may stop', () => {
    const kept = new Capture(4, 'head');
    kept.write('abcdef');
    assert.equal(kept.full, true);
    assert.deepEqual(kept.pieces(true), ['abcd', { omitted: undefined }]);
  });
});

describe('redact', () => {
  it('masks secrets, then cuts to the cap', () => {
    const pieces = capture(`token=${'s'.repeat(20)} then ${'x'.repeat(100)}`, 10_000, 'head');
    const shown = redact(pieces, ['s'.repeat(20)], 40, 'head');
    assert.equal(shown.truncated, true);
    assert.match(shown.text, /^token=\*\*\*\* then x+\n\[… \d+ bytes cut\]\n$/);
  });

  it('masks the visible part of a secret a capture cut split', () => {
    const secret = 'correct-horse-battery';
    const shown = redact(
      ['log: correct-hor', { omitted: 100 }, 'se-battery done'],
      [secret],
      1000,
      'head-and-tail',
    );
    assert.equal(shown.text, 'log: ****\n[… 100 bytes cut]\n**** done');
    assert.doesNotMatch(shown.text, /correct|battery/);
  });

  it('cuts on a character boundary', () => {
    const shown = redact(['ééééé'], [], 5, 'head');
    assert.match(shown.text, /^éé\n\[… 6 bytes cut\]\n$/);
  });

  it('joins pieces, merging neighbouring texts', () => {
    assert.deepEqual(joinPieces('a', ['b', { omitted: 1 }, 'c'], 'd'), ['ab', { omitted: 1 }, 'cd']);
  });
});
