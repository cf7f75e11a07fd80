import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ERROR_CAP_CHARS,
  serializeError,
  serializeValues,
  TRUNCATED_KEY,
  VALUES_CAP_BYTES,
} from '../../src/store/serialize.ts';

describe('serializeValues', () => {
  it('keeps values under the cap as they are', () => {
    assert.equal(serializeValues({ status: 200, body: { ok: true } }), '{"status":200,"body":{"ok":true}}');
    assert.equal(serializeValues({}), null);
    assert.equal(serializeValues(undefined), null);
  });

  it('drops the largest entries of values over 16 KB and says so, keeping the small ones', () => {
    const body = { items: Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `item ${i}` })) };
    const headers = { 'content-type': 'application/json', server: 'x'.repeat(500) };
    const text = serializeValues({ status: 200, headers, body })!;
    assert.ok(Buffer.byteLength(text) <= VALUES_CAP_BYTES);
    const stored = JSON.parse(text);
    assert.equal(stored.status, 200);
    assert.deepEqual(stored.headers, headers);
    assert.equal(stored.body, undefined);
    assert.deepEqual(stored[TRUNCATED_KEY].dropped, ['body']);
    assert.ok(stored[TRUNCATED_KEY].bytes > VALUES_CAP_BYTES);
  });

  it('stays under the cap even when every entry is large', () => {
    const values = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'.repeat(1000)]));
    const text = serializeValues(values)!;
    assert.ok(Buffer.byteLength(text) <= VALUES_CAP_BYTES);
    assert.ok(JSON.parse(text)[TRUNCATED_KEY].dropped.length > 0);
  });

  it('stores what JSON cannot carry as text rather than failing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const stored = JSON.parse(serializeValues({ count: 12n, cyclic })!);
    assert.equal(stored.count, '12');
    assert.match(stored.cyclic.$unserializable, /circular/i);
  });
});

describe('serializeError', () => {
  it('cuts long errors', () => {
    assert.equal(serializeError('connect ECONNREFUSED'), 'connect ECONNREFUSED');
    assert.equal(serializeError('e'.repeat(10_000))!.length, ERROR_CAP_CHARS);
    assert.equal(serializeError(undefined), null);
  });
});
