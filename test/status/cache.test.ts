/** The status model cache: reuse within the TTL, one build for concurrent calls, failures not kept. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachedFor } from '../../src/status/cache.ts';

describe('cachedFor', () => {
  it('builds once per TTL and shares a running build', async () => {
    let time = 1000;
    let builds = 0;
    const get = cachedFor(
      async () => ++builds,
      5000,
      () => time,
    );
    assert.deepEqual(await Promise.all([get(), get(), get()]), [1, 1, 1]);
    time += 4999;
    assert.equal(await get(), 1);
    time += 1;
    assert.equal(await get(), 2);
  });

  it('does not keep a failure', async () => {
    let fail = true;
    const get = cachedFor(
      async () => {
        if (fail) throw new Error('busy');
        return 'ok';
      },
      5000,
      () => 0,
    );
    await assert.rejects(get(), /busy/);
    fail = false;
    assert.equal(await get(), 'ok');
  });
});
