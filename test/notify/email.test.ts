import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { type EmailChannel, messageId, renderHtml } from '../../src/notify/email.ts';
import { createNotifiers } from '../../src/notify/index.ts';
import { renderText, subjectLine } from '../../src/notify/message.ts';
import { exampleNotification, startSmtpReceiver } from '../support/receivers.ts';

const never = new AbortController().signal;

describe('email channel', () => {
  const notifiers = createNotifiers();
  const email = notifiers.byType.email;
  after(() => notifiers.close());

  it('delivers a message to the recipient with the subject, both parts and the idempotency key', async () => {
    const receiver = await startSmtpReceiver();
    try {
      const notification = exampleNotification();
      const channel: EmailChannel = {
        type: 'email',
        smtp: receiver.url,
        from: 'Vigie <vigie@ops.example.com>',
      };
      const result = await email.send(notification, channel, never);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.match(result.ok ? (result.detail ?? '') : '', /^250 /);
      assert.equal(receiver.messages.length, 1);
      const [mail] = receiver.messages;
      assert.ok(mail);
      assert.equal(mail.from, 'vigie@ops.example.com');
      assert.deepEqual(mail.to, ['alice@example.com']);
      assert.equal(mail.subject, '[SEV1] API down — triggered');
      assert.equal(mail.subject, subjectLine(notification));
      assert.equal(mail.headers['x-vigie-idempotency-key'], notification.idempotencyKey);
      assert.equal(mail.headers['x-vigie-event'], 'triggered');
      assert.equal(mail.headers['message-id'], '<inc-42.triggered.1.alice@ops.example.com>');
      assert.equal(mail.text, renderText(notification));
      assert.match(mail.text, /1\. \[read\] \(http\) curl -sS https:\/\/api\.example\.com\/health\/ready/);
      assert.match(mail.text, /3\. \[DANGEROUS\] \(shell\) docker restart api/);
      assert.match(
        mail.html,
        /<a href="https:\/\/vigie\.example\.com\/incidents\/inc-42">Open incident inc-42<\/a>/,
      );
    } finally {
      await receiver.close();
    }
  });

  it('sends to the channel addresses when the recipient has none, and reuses the connection', async () => {
    const receiver = await startSmtpReceiver();
    try {
      const channel: EmailChannel = {
        type: 'email',
        smtp: receiver.url,
        from: 'vigie@ops.example.com',
        to: ['oncall@example.com', 'lead@example.com'],
      };
      const first = exampleNotification({ recipient: { id: 'bob', name: 'Bob' } });
      const second = exampleNotification({ recipient: undefined, idempotencyKey: 'inc-42:escalated:2' });
      assert.equal((await email.send(first, channel, never)).ok, true);
      assert.equal((await email.send(second, channel, never)).ok, true);
      assert.equal(receiver.connections(), 1, 'the pooled transport keeps its connection');
      assert.deepEqual(
        receiver.messages.map((mail) => mail.to),
        [
          ['oncall@example.com', 'lead@example.com'],
          ['oncall@example.com', 'lead@example.com'],
        ],
      );
      // A key with characters a Message-ID cannot hold becomes a hash, still stable across retries.
      const id = receiver.messages[1]?.headers['message-id'];
      assert.match(id ?? '', /^<vigie\.[0-9a-f]{40}@ops\.example\.com>$/);
      assert.equal(id, messageId('inc-42:escalated:2', 'vigie@ops.example.com'));
      assert.equal(receiver.messages[1]?.headers['x-vigie-idempotency-key'], 'inc-42:escalated:2');
    } finally {
      await receiver.close();
    }
  });

  it('escapes the HTML part: a title holding a script never appears raw', async () => {
    const receiver = await startSmtpReceiver();
    try {
      const title = '<script>alert(1)</script>';
      const notification = exampleNotification({
        incident: { ...exampleNotification().incident, title },
        summary: 'a "quoted" <b>summary</b> & more',
        firstSteps: [{ run: 'echo "<img src=x onerror=alert(1)>"', kind: 'shell', risk: 'read' }],
        link: 'javascript:alert(1)',
      });
      const channel: EmailChannel = { type: 'email', smtp: receiver.url, from: 'vigie@ops.example.com' };
      assert.equal((await email.send(notification, channel, never)).ok, true);
      const html = receiver.messages[0]?.html ?? '';
      assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), html);
      assert.ok(!html.includes('<script'), html);
      assert.ok(!html.includes('<img'), html);
      assert.ok(!html.includes('<b>summary'), html);
      // Only http(s) links become links.
      assert.ok(!html.includes('javascript:'), html);
      assert.equal(html, renderHtml(notification));
    } finally {
      await receiver.close();
    }
  });

  it('reports a server that is down as retryable', async () => {
    const receiver = await startSmtpReceiver();
    await receiver.close();
    const channel: EmailChannel = { type: 'email', smtp: receiver.url, from: 'vigie@ops.example.com' };
    const result = await email.send(exampleNotification(), channel, never);
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.retryable, JSON.stringify(result));
    assert.match(result.ok ? '' : result.error, /^email smtp:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it('retries an SMTP 4xx refusal and gives up on a 5xx one', async () => {
    let code: number | undefined;
    const receiver = await startSmtpReceiver({ failWith: () => code });
    try {
      const channel: EmailChannel = { type: 'email', smtp: receiver.url, from: 'vigie@ops.example.com' };
      for (const [reply, retryable] of [
        [451, true],
        [452, true],
        [550, false],
        [554, false],
      ] as const) {
        code = reply;
        const result = await email.send(exampleNotification(), channel, never);
        assert.equal(result.ok, false, `${reply}`);
        assert.equal(!result.ok && result.retryable, retryable, `${reply}: ${JSON.stringify(result)}`);
        assert.match(result.ok ? '' : result.error, new RegExp(`${reply}`));
      }
      code = undefined;
      assert.equal((await email.send(exampleNotification(), channel, never)).ok, true);
    } finally {
      await receiver.close();
    }
  });

  it('gives up when the signal aborts, retryable, on a server that never greets', async () => {
    const controller = new AbortController();
    const server = createTcpServer(() =>
      controller.abort(new DOMException('The operation timed out', 'TimeoutError')),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const local = createNotifiers();
    try {
      const { port } = server.address() as AddressInfo;
      const channel: EmailChannel = {
        type: 'email',
        smtp: `smtp://127.0.0.1:${port}`,
        from: 'vigie@ops.example.com',
      };
      const result = await local.byType.email.send(exampleNotification(), channel, controller.signal);
      assert.deepEqual(result, {
        ok: false,
        retryable: true,
        error: `email smtp://127.0.0.1:${port}: timed out`,
      });
    } finally {
      await local.close();
      server.close();
    }
  });

  it('never shows the SMTP password in an error, even when the server echoes it', async () => {
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      closeTimeout: 50,
      onAuth(auth, _session, callback) {
        const error = new Error(`login refused for ${auth.username} with ${auth.password}`) as Error & {
          responseCode: number;
        };
        error.responseCode = 535;
        callback(error);
      },
    });
    server.listen(0, '127.0.0.1');
    await once(server.server, 'listening');
    try {
      const { port } = server.server.address() as AddressInfo;
      const channel: EmailChannel = {
        type: 'email',
        smtp: `smtp://vigie:p%40ss-7731-secret@127.0.0.1:${port}`,
        from: 'vigie@ops.example.com',
      };
      const result = await email.send(exampleNotification(), channel, never);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && !result.retryable, JSON.stringify(result));
      const error = result.ok ? '' : result.error;
      assert.match(error, /535 login refused for vigie with \*\*\*\*/);
      assert.ok(!error.includes('7731'), error);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses, for good, a message nobody can receive', async () => {
    const channel: EmailChannel = {
      type: 'email',
      smtp: 'smtp://127.0.0.1:1',
      from: 'vigie@ops.example.com',
    };
    const result = await email.send(
      exampleNotification({ recipient: { id: 'bob', name: 'Bob' } }),
      channel,
      never,
    );
    assert.deepEqual(result, {
      ok: false,
      retryable: false,
      error:
        "email smtp://127.0.0.1:1: no recipient: Bob has no email address and the channel has no 'to' addresses",
    });
  });
});
