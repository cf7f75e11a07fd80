/**
 * The email channel: one message over SMTP through nodemailer, with a plain-text part and a simple
 * HTML part in which every piece of the notification is escaped. One pooled transport per SMTP URL
 * keeps connections open between messages. The Message-ID is derived from the idempotency key, so a
 * retried message keeps its identity and mail clients and archives can drop the duplicate.
 */
import { createHash } from 'node:crypto';
import nodemailer, { type NodemailerError, type Transporter } from 'nodemailer';
import { z } from 'zod';
import { describeError } from '../errors.ts';
import { maskSecrets } from '../runbook/secrets.ts';
import {
  eventWords,
  facts,
  firstSteps,
  type Notification,
  oneLine,
  renderText,
  riskBadge,
  safeLink,
  subjectLine,
} from './message.ts';
import { abortWords, endpoint, failed, type Notifier } from './notifier.ts';

/** EmailChannel sends mail through an SMTP server. */
export const EmailChannel = z
  .object({
    type: z.literal('email').describe('Email over SMTP.'),
    smtp: endpoint(['smtp:', 'smtps:'], 'smtps://vigie:${SMTP_PASSWORD}@smtp.example.com:465').describe(
      'SMTP server URL: smtp:// (STARTTLS when offered) or smtps:// (TLS from the start), with user:password when the server needs a login; write the password as an ${ENV} reference.',
    ),
    from: z.string().min(1).describe('Sender address, e.g. "Vigie <vigie@example.com>".'),
    to: z
      .array(z.string().min(1))
      .optional()
      .describe('Addresses that receive the message when the notified person has no email address.'),
  })
  .strict()
  .describe('Sends every notification by email.');
export type EmailChannel = z.infer<typeof EmailChannel>;

/** EmailNotifier is the email notifier; `close` ends the pooled SMTP connections. */
export interface EmailNotifier extends Notifier<EmailChannel> {
  close(): Promise<void>;
}

// Error codes of nodemailer that mean the connection failed, not that the message was refused.
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ESOCKET',
  'ETIMEDOUT',
  'EDNS',
  'ETLS',
  'EPROXY',
  'EABORT',
  'EMAXLIMIT',
  'ECONNREFUSED',
  'ECONNRESET',
]);

/** emailNotifier sends notifications by SMTP, keeping one pooled transport per SMTP URL until closed. */
export function emailNotifier(): EmailNotifier {
  const transports = new Map<string, Transporter>();
  const transportFor = (smtp: string): Transporter => {
    let transport = transports.get(smtp);
    if (!transport) {
      transport = nodemailer.createTransport({
        url: smtp,
        pool: true,
        maxConnections: 2,
        // Bounds for the stages the caller's signal does not see (the pool's own reconnects).
        connectionTimeout: 15_000,
        greetingTimeout: 15_000,
        socketTimeout: 60_000,
        idleTimeout: 60_000,
        // A notification is text only: never let content pull in a local file or a URL.
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      transports.set(smtp, transport);
    }
    return transport;
  };
  return {
    type: 'email',
    async send(notification, channel, signal) {
      const secrets = smtpSecrets(channel.smtp);
      if (!URL.canParse(channel.smtp))
        return failed(false, 'email: the smtp URL is not a valid URL', secrets);
      const server = new URL(channel.smtp);
      const name = `email ${server.protocol}//${server.host}`;
      const email = notification.recipient?.email;
      const to = email ? [email] : (channel.to ?? []);
      if (to.length === 0) {
        const who = notification.recipient ? ` ${notification.recipient.name} has no email address and` : '';
        return failed(false, `${name}: no recipient:${who} the channel has no 'to' addresses`, secrets);
      }
      try {
        const info = await transportFor(channel.smtp).sendMail({
          from: channel.from,
          to,
          subject: subjectLine(notification),
          text: renderText(notification),
          html: renderHtml(notification),
          messageId: messageId(notification.idempotencyKey, channel.from),
          headers: {
            'X-Vigie-Idempotency-Key': notification.idempotencyKey,
            'X-Vigie-Event': notification.event,
          },
          signal,
        });
        const refused = info.rejected?.length ? `; refused: ${info.rejected.join(', ')}` : '';
        return { ok: true, detail: maskSecrets(`${info.response ?? 'sent'}${refused}`, secrets) };
      } catch (error) {
        const why = signal.aborted ? abortWords(signal) : describeError(error);
        return failed(signal.aborted || isTransient(error as NodemailerError), `${name}: ${why}`, secrets);
      }
    },
    async close() {
      for (const transport of transports.values()) transport.close({ force: true });
      transports.clear();
    },
  };
}

/**
 * isTransient tells whether SMTP may take the message later: a 4xx reply or a failed connection.
 * A 5xx reply is final, except 503 which nodemailer marks as a session out of step, not a refusal.
 */
function isTransient(error: NodemailerError): boolean {
  if (typeof error.permanent === 'boolean') return !error.permanent;
  if (typeof error.responseCode === 'number') return error.responseCode < 500;
  return TRANSIENT_CODES.has(error.code ?? '') || TRANSIENT_CODES.has(error.originalCode ?? '');
}

/** smtpSecrets lists what of an SMTP URL must never appear in a message: its password, as written and decoded. */
function smtpSecrets(smtp: string): string[] {
  const secrets: string[] = [];
  if (URL.canParse(smtp)) {
    const password = new URL(smtp).password;
    secrets.push(password);
    try {
      secrets.push(decodeURIComponent(password));
    } catch {
      // A password with a stray % is masked in its written form only.
    }
  }
  return secrets;
}

/**
 * messageId makes the Message-ID of a notification from its idempotency key, at the sender's domain;
 * a key with characters a Message-ID may not hold is replaced by its hash.
 */
export function messageId(idempotencyKey: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'vigie.invalid';
  const safe =
    /^[A-Za-z0-9_+=-]+(?:\.[A-Za-z0-9_+=-]+)*$/.test(idempotencyKey) && idempotencyKey.length <= 128;
  const local = safe
    ? idempotencyKey
    : `vigie.${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
  return `<${local}@${domain}>`;
}

/** renderHtml renders a notification as a small HTML document; every value is escaped. */
export function renderHtml(notification: Notification): string {
  const { incident } = notification;
  const link = safeLink(notification.link);
  const title = escapeHtml(`[${incident.severity}] ${oneLine(incident.title, 200)}`);
  const parts = [
    '<!doctype html>',
    '<html><body style="font-family: sans-serif; line-height: 1.4">',
    `<h2>${link ? `<a href="${escapeHtml(link)}">${title}</a>` : title} — ${escapeHtml(eventWords(notification))}</h2>`,
    '<table>',
    ...facts(notification).map(
      (fact) => `<tr><th align="left">${escapeHtml(fact.label)}</th><td>${escapeHtml(fact.value)}</td></tr>`,
    ),
    '</table>',
  ];
  if (notification.summary) parts.push(`<p>${escapeHtml(notification.summary)}</p>`);
  if (link) parts.push(`<p><a href="${escapeHtml(link)}">Open incident ${escapeHtml(incident.id)}</a></p>`);
  const steps = firstSteps(notification);
  if (steps.length > 0) {
    parts.push('<h3>First steps</h3>', '<ol>');
    for (const step of steps) {
      const about = step.description ? `<br>${escapeHtml(step.description)}` : '';
      parts.push(
        `<li><b>${escapeHtml(riskBadge(step.risk))}</b> <i>${escapeHtml(step.kind)}</i> <code>${escapeHtml(step.run)}</code>${about}</li>`,
      );
    }
    parts.push('</ol>');
  }
  parts.push('</body></html>');
  return `${parts.join('\n')}\n`;
}

/** escapeHtml makes text literal in HTML content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
