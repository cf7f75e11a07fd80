import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHANNEL_TYPES, Channel, createNotifiers } from '../../src/notify/index.ts';
import { renderText, subjectLine } from '../../src/notify/message.ts';
import { exampleNotification } from '../support/receivers.ts';

const never = new AbortController().signal;

describe('Channel', () => {
  it('accepts each channel type, with ${ENV} references where secrets go', () => {
    const channels = [
      {
        type: 'webhook',
        url: 'https://hooks.example.com/vigie',
        secret: '${HOOK_SECRET}',
        headers: { 'X-Team': 'ops' },
      },
      { type: 'slack', url: '${SLACK_WEBHOOK_URL}' },
      {
        type: 'email',
        smtp: 'smtps://vigie:${SMTP_PASSWORD}@smtp.example.com:465',
        from: 'vigie@example.com',
        to: ['oncall@example.com'],
      },
      { type: 'log' },
    ];
    for (const channel of channels) assert.deepEqual(Channel.parse(channel), channel);
    assert.deepEqual(CHANNEL_TYPES, ['webhook', 'slack', 'email', 'log']);
  });

  it('refuses unknown types, wrong schemes and unknown fields, saying how to write them', () => {
    const problems = (value: unknown) => {
      const parsed = Channel.safeParse(value);
      return parsed.success
        ? []
        : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    };
    assert.equal(problems({ type: 'pager', url: 'x' }).length, 1);
    assert.deepEqual(problems({ type: 'email', smtp: 'http://smtp.example.com', from: 'a@b.c' }), [
      'smtp: not a smtp:// or smtps:// URL; write it like smtps://vigie:${SMTP_PASSWORD}@smtp.example.com:465',
    ]);
    assert.deepEqual(problems({ type: 'webhook', url: 'ftp://files.example.com' }), [
      'url: not a http:// or https:// URL; write it like https://hooks.example.com/vigie',
    ]);
    assert.match(problems({ type: 'log', level: 'info' })[0] ?? '', /level/);
  });

  it('describes every field, since the schema is the documentation', () => {
    for (const option of Channel.options) {
      assert.ok(option.description, `${option.shape.type.value} has a description`);
      for (const [key, field] of Object.entries(option.shape)) {
        assert.ok((field as { description?: string }).description, `${option.shape.type.value}.${key}`);
      }
    }
  });
});

describe('createNotifiers', () => {
  it('holds one notifier per channel type, and sends through the one the channel names', async () => {
    const lines: string[] = [];
    const notifiers = createNotifiers({ write: (line) => lines.push(line) });
    try {
      assert.deepEqual(Object.keys(notifiers.byType).sort(), [...CHANNEL_TYPES].sort());
      for (const type of CHANNEL_TYPES) assert.equal(notifiers.byType[type].type, type);
      assert.deepEqual(await notifiers.send(exampleNotification(), { type: 'log' }, never), { ok: true });
      assert.equal(lines.length, 1);
      // A channel read back from storage may name a type this version no longer has.
      const stale = { type: 'pager' } as unknown as Channel;
      assert.deepEqual(await notifiers.send(exampleNotification(), stale, never), {
        ok: false,
        retryable: false,
        error: "unknown channel type 'pager'",
      });
    } finally {
      await notifiers.close();
    }
  });

  it('turns a notifier that throws into a retryable failure with the channel secrets masked', async () => {
    const notifiers = createNotifiers();
    const notifier = notifiers.byType.webhook as { send: unknown };
    notifier.send = async () => {
      throw new Error('exploded with s3cret-value-81');
    };
    const channel: Channel = { type: 'webhook', url: 'http://127.0.0.1:1/', secret: 's3cret-value-81' };
    assert.deepEqual(await notifiers.send(exampleNotification(), channel, never), {
      ok: false,
      retryable: true,
      error: 'webhook: exploded with ****',
    });
    await notifiers.close();
  });
});

describe('renderText', () => {
  it('words the headline, the details, the link and the first steps with risk badges', () => {
    assert.equal(
      renderText(exampleNotification()),
      [
        '[SEV1] API down — triggered',
        '',
        'Incident: inc-42',
        'Severity: SEV1',
        'Status: triggered',
        'Opened: 2023-11-14T22:13:20.000Z',
        'Scenario: API completely down (HTTP 503)',
        'Level: 1',
        'For: Alice Martin',
        '',
        'api-ready failed 3 times: status 503',
        '',
        'Open: https://vigie.example.com/incidents/inc-42',
        '',
        'First steps:',
        '1. [read] (http) curl -sS https://api.example.com/health/ready',
        '2. [read] (shell) docker logs --tail 200 api',
        '   Look for an OOM kill.',
        '3. [DANGEROUS] (shell) docker restart api',
        '',
      ].join('\n'),
    );
  });

  it('keeps the subject on one line and says what happened', () => {
    const base = exampleNotification();
    const subject = (changes: Partial<typeof base>) => subjectLine({ ...base, ...changes });
    assert.equal(subject({ event: 'escalated', level: 2 }), '[SEV1] API down — escalated to level 2');
    assert.equal(subject({ event: 'ack-timeout' }), '[SEV1] API down — not acknowledged in time');
    assert.equal(
      subject({
        incident: { ...base.incident, severity: 'SEV3', title: 'Disk\nfull  on db-1' },
        event: 'resolved',
      }),
      '[SEV3] Disk full on db-1 — resolved',
    );
  });
});
