import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createNotifiers } from '../../src/notify/index.ts';
import { logNotifier } from '../../src/notify/log.ts';
import { exampleNotification } from '../support/receivers.ts';

const never = new AbortController().signal;

describe('log channel', () => {
  it('writes one JSON line per notification: the subject, then the payload', async () => {
    const lines: string[] = [];
    const notifiers = createNotifiers({ write: (line) => lines.push(line) });
    const notification = exampleNotification({ summary: 'line one\nline two' });
    assert.deepEqual(await notifiers.send(notification, { type: 'log' }, never), { ok: true });
    await notifiers.close();
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.ok(line?.endsWith('\n'));
    assert.equal(line?.trimEnd().includes('\n'), false);
    assert.deepEqual(JSON.parse(line ?? ''), { subject: '[SEV1] API down — triggered', ...notification });
  });

  it('reports a writer that fails as retryable', async () => {
    const notifier = logNotifier(() => {
      throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    });
    assert.deepEqual(await notifier.send(exampleNotification(), { type: 'log' }, never), {
      ok: false,
      retryable: true,
      error: 'log: write EPIPE',
    });
  });
});
