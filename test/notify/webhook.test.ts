import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createNotifiers } from '../../src/notify/index.ts';
import { sign, verifySignature, type WebhookChannel } from '../../src/notify/webhook.ts';
import { exampleNotification, startWebhookReceiver } from '../support/receivers.ts';

const NOW = 1_700_000_123_456;
const never = new AbortController().signal;

describe('webhook channel', () => {
  const notifiers = createNotifiers({ now: () => NOW });
  const webhook = notifiers.byType.webhook;
  after(() => notifiers.close());

  it('posts the notification as JSON, signed so that the receiver can verify it', async () => {
    const receiver = await startWebhookReceiver({ secret: 'hook-secret-1' });
    try {
      const notification = exampleNotification();
      const channel: WebhookChannel = { type: 'webhook', url: receiver.url, secret: 'hook-secret-1' };
      const result = await webhook.send(notification, channel, never);
      assert.deepEqual(result, { ok: true, detail: 'HTTP 200' });
      assert.equal(receiver.received.length, 1);
      const [request] = receiver.received;
      assert.ok(request);
      assert.deepEqual(request.body, notification);
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['x-vigie-event'], 'triggered');
      assert.equal(request.headers['x-vigie-idempotency-key'], notification.idempotencyKey);
      assert.equal(request.headers['x-vigie-timestamp'], String(NOW));
      const signature = request.headers['x-vigie-signature'] as string;
      assert.equal(signature, sign('hook-secret-1', NOW, request.raw));
      assert.ok(verifySignature('hook-secret-1', NOW, request.raw, signature));
      assert.ok(
        verifySignature('hook-secret-1', String(NOW), Buffer.from(request.raw), signature, {
          now: NOW + 1000,
        }),
      );
      // Wrong key, altered body, other timestamp, replay long after, malformed header: all refused.
      assert.equal(verifySignature('wrong-secret', NOW, request.raw, signature), false);
      assert.equal(verifySignature('hook-secret-1', NOW, `${request.raw} `, signature), false);
      assert.equal(verifySignature('hook-secret-1', NOW + 1, request.raw, signature), false);
      assert.equal(
        verifySignature('hook-secret-1', NOW, request.raw, signature, { now: NOW + 600_000 }),
        false,
      );
      assert.equal(verifySignature('hook-secret-1', NOW, request.raw, 'sha256=abc'), false);
      assert.equal(verifySignature('hook-secret-1', NOW, request.raw, undefined), false);
    } finally {
      await receiver.close();
    }
  });

  it('is refused by a receiver holding another secret, and that is not worth retrying', async () => {
    const receiver = await startWebhookReceiver({ secret: 'the-right-secret' });
    try {
      const channel: WebhookChannel = { type: 'webhook', url: receiver.url, secret: 'a-wrong-secret' };
      const result = await webhook.send(exampleNotification(), channel, never);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && !result.retryable);
      assert.match(result.ok ? '' : result.error, /HTTP 401/);
      assert.equal(receiver.rejected.length, 1);
    } finally {
      await receiver.close();
    }
  });

  it('sends no signature without a secret, and configured headers cannot replace the Vigie ones', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const channel: WebhookChannel = {
        type: 'webhook',
        url: receiver.url,
        headers: { 'X-Team': 'payments', 'X-Vigie-Event': 'forged' },
      };
      assert.equal((await webhook.send(exampleNotification(), channel, never)).ok, true);
      const headers = receiver.received[0]?.headers ?? {};
      assert.equal(headers['x-team'], 'payments');
      assert.equal(headers['x-vigie-event'], 'triggered');
      assert.equal(headers['x-vigie-signature'], undefined);
    } finally {
      await receiver.close();
    }
  });

  it('classifies answers: 503 and 429 retryable, 400 and 404 final', async () => {
    let status: number | undefined;
    const receiver = await startWebhookReceiver({ failWith: () => status });
    try {
      const channel: WebhookChannel = { type: 'webhook', url: receiver.url };
      const attempt = async (answer: number | undefined) => {
        status = answer;
        return webhook.send(exampleNotification(), channel, never);
      };
      for (const [answer, retryable] of [
        [503, true],
        [500, true],
        [429, true],
        [408, true],
        [400, false],
        [404, false],
        [410, false],
      ] as const) {
        const result = await attempt(answer);
        assert.deepEqual(
          result,
          {
            ok: false,
            retryable,
            error: `webhook ${new URL(receiver.url).origin}: HTTP ${answer}: refused with ${answer}`,
          },
          `HTTP ${answer}`,
        );
      }
      receiver.setDown(true);
      const down = await attempt(undefined);
      assert.ok(!down.ok && down.retryable);
      receiver.setDown(false);
      assert.equal((await attempt(undefined)).ok, true);
    } finally {
      await receiver.close();
    }
  });

  it('reports a refused connection as retryable', async () => {
    const receiver = await startWebhookReceiver();
    await receiver.close();
    const result = await webhook.send(exampleNotification(), { type: 'webhook', url: receiver.url }, never);
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.retryable);
    assert.match(result.ok ? '' : result.error, /ECONNREFUSED/);
  });

  it('gives up when the signal aborts, and the timeout is retryable', async () => {
    const server = createServer(() => {
      // never answers
    });
    const controller = new AbortController();
    server.on('request', () => controller.abort(new DOMException('The operation timed out', 'TimeoutError')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hang`;
      const result = await webhook.send(exampleNotification(), { type: 'webhook', url }, controller.signal);
      assert.deepEqual(result, {
        ok: false,
        retryable: true,
        error: `webhook ${new URL(url).origin}: timed out`,
      });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('never shows the channel secrets in an error, even when the receiver echoes them', async () => {
    const receiver = await startWebhookReceiver({
      failWith: ({ headers }) => ({
        status: 400,
        body: `bad request, you sent ${headers.authorization} and ${headers['x-api-key']}`,
      }),
    });
    try {
      const channel: WebhookChannel = {
        type: 'webhook',
        url: `${receiver.url}?token=query-token-7781`,
        secret: 'hmac-key-5521',
        headers: { authorization: 'Bearer header-token-9932', 'x-api-key': 'key-value-3310' },
      };
      const result = await webhook.send(exampleNotification(), channel, never);
      assert.equal(result.ok, false);
      const error = result.ok ? '' : result.error;
      assert.match(error, /HTTP 400: bad request, you sent \*\*\*\* and \*\*\*\*$/);
      for (const secret of ['query-token-7781', 'hmac-key-5521', 'header-token-9932', 'key-value-3310']) {
        assert.ok(!error.includes(secret), `${secret} leaked in: ${error}`);
      }
      await receiver.close();
      const refused = await webhook.send(exampleNotification(), channel, never);
      assert.ok(!refused.ok && !refused.error.includes('query-token-7781'));
    } finally {
      await receiver.close().catch(() => {});
    }
  });

  it('refuses a URL that does not parse, for good', async () => {
    const result = await webhook.send(exampleNotification(), { type: 'webhook', url: 'not a url' }, never);
    assert.deepEqual(result, { ok: false, retryable: false, error: 'webhook: the url is not a valid URL' });
  });
});
