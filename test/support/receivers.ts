/**
 * Real loopback receivers for the notification channels: an HTTP server that records webhooks (and
 * Slack posts) and an SMTP server that records mail. Tests drive failures through them (answer 503,
 * refuse with a chosen SMTP code) instead of mocking the transports.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import type { Notification } from '../../src/notify/message.ts';
import { verifySignature } from '../../src/notify/webhook.ts';

/** exampleNotification is a realistic notification for channel tests, with `changes` applied on top. */
export function exampleNotification(changes: Partial<Notification> = {}): Notification {
  return {
    idempotencyKey: 'inc-42.triggered.1.alice',
    event: 'triggered',
    incident: {
      id: 'inc-42',
      title: 'API down',
      severity: 'SEV1',
      status: 'triggered',
      openedAt: 1_700_000_000_000,
      scenario: { id: 'api-down', title: 'API completely down (HTTP 503)' },
    },
    level: 1,
    recipient: { id: 'alice', name: 'Alice Martin', email: 'alice@example.com' },
    firstSteps: [
      { run: 'curl -sS https://api.example.com/health/ready', kind: 'http', risk: 'read' },
      {
        run: 'docker logs --tail 200 api',
        kind: 'shell',
        risk: 'read',
        description: 'Look for an OOM kill.',
      },
      { run: 'docker restart api', kind: 'shell', risk: 'dangerous' },
    ],
    summary: 'api-ready failed 3 times: status 503',
    link: 'https://vigie.example.com/incidents/inc-42',
    at: 1_700_000_060_000,
    ...changes,
  };
}

/** WebhookRequest is one request a webhook receiver got. */
export interface WebhookRequest {
  readonly headers: IncomingHttpHeaders;
  /** The body parsed as JSON, or the text when it is not JSON. */
  readonly body: unknown;
  readonly raw: string;
  /** The status the receiver answered. */
  readonly status: number;
}

/** Failure is how a receiver is told to refuse: a status alone, or a status and a body. */
export type Failure = number | { readonly status: number; readonly body: string } | undefined;

/** WebhookReceiver is a running HTTP receiver. */
export interface WebhookReceiver {
  readonly url: string;
  /** Requests answered 2xx, in arrival order. */
  readonly received: WebhookRequest[];
  /** Requests refused (down, failWith, bad signature), in arrival order. */
  readonly rejected: WebhookRequest[];
  /** setDown makes the receiver answer 503 to everything while `down` is true. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/**
 * startWebhookReceiver starts an HTTP server on a free loopback port. With `secret`, a request whose
 * X-Vigie-Signature does not verify is answered 401; `failWith` picks a refusal per request.
 */
export async function startWebhookReceiver(
  options: {
    secret?: string;
    failWith?: (request: { headers: IncomingHttpHeaders; raw: string }) => Failure;
  } = {},
): Promise<WebhookReceiver> {
  const received: WebhookRequest[] = [];
  const rejected: WebhookRequest[] = [];
  let down = false;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const { headers } = request;
      let answer: { status: number; body: string } = { status: 200, body: 'ok' };
      const failure = down ? 503 : options.failWith?.({ headers, raw });
      if (typeof failure === 'number') answer = { status: failure, body: `refused with ${failure}` };
      else if (failure) answer = failure;
      else if (options.secret !== undefined) {
        const timestamp = header(headers, 'x-vigie-timestamp');
        const signature = header(headers, 'x-vigie-signature');
        if (!verifySignature(options.secret, timestamp, raw, signature)) {
          answer = { status: 401, body: 'bad signature' };
        }
      }
      const entry = { headers, body: parse(raw), raw, status: answer.status };
      (answer.status < 300 ? received : rejected).push(entry);
      response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    rejected,
    setDown(value) {
      down = value;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Mail is one message an SMTP receiver got, its MIME parts decoded. */
export interface Mail {
  /** Envelope sender (MAIL FROM). */
  readonly from: string;
  /** Envelope recipients (RCPT TO). */
  readonly to: string[];
  /** The Subject header, encoded words decoded. */
  readonly subject: string;
  /** The text/plain part. */
  readonly text: string;
  /** The text/html part, or '' when there is none. */
  readonly html: string;
  /** Top-level headers, names lower-cased, encoded words decoded. */
  readonly headers: Readonly<Record<string, string>>;
  readonly raw: string;
}

/** SmtpReceiver is a running SMTP server. */
export interface SmtpReceiver {
  /** smtp://127.0.0.1:PORT */
  readonly url: string;
  readonly messages: Mail[];
  /** connections tells how many SMTP sessions clients have opened so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * startSmtpReceiver starts an SMTP server on a free loopback port, without TLS or login. `failWith`
 * may return an SMTP reply code (451, 550…) with which to refuse a message at the end of DATA.
 */
export async function startSmtpReceiver(
  options: { failWith?: () => number | undefined } = {},
): Promise<SmtpReceiver> {
  const messages: Mail[] = [];
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    logger: false,
    // Clients still connected at close are cut off at once rather than waited for.
    closeTimeout: 50,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const code = options.failWith?.();
        if (code !== undefined) {
          const error = new Error(`refused with ${code}`) as Error & { responseCode: number };
          error.responseCode = code;
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const mailFrom = session.envelope.mailFrom;
        messages.push({
          ...parseMail(raw),
          from: mailFrom ? mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw,
        });
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** waitFor polls `predicate` on each turn of the event loop until it holds, failing after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs}ms`);
    await delay(5);
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

// ---------------------------------------------------------------------------------------------
// A minimal MIME reader: enough for what nodemailer writes (multipart/alternative, quoted-printable
// or base64 parts in UTF-8, RFC 2047 encoded words in headers).

interface Part {
  readonly headers: Record<string, string>;
  readonly body: string;
}

function parseMail(raw: string): Omit<Mail, 'from' | 'to' | 'raw'> {
  const top = splitPart(raw);
  const leaves = flatten(top);
  const pick = (type: string) =>
    leaves.find((part) => (part.headers['content-type'] ?? 'text/plain').toLowerCase().startsWith(type));
  const text = pick('text/plain');
  const html = pick('text/html');
  return {
    subject: top.headers.subject ?? '',
    headers: top.headers,
    text: text ? decodeBody(text) : '',
    html: html ? decodeBody(html) : '',
  };
}

function splitPart(raw: string): Part {
  const normal = raw.replace(/\r\n/g, '\n');
  const end = normal.indexOf('\n\n');
  const head = end < 0 ? normal : normal.slice(0, end);
  const body = end < 0 ? '' : normal.slice(end + 2);
  const headers: Record<string, string> = {};
  // Folded header lines continue with whitespace.
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function flatten(part: Part): Part[] {
  const type = part.headers['content-type'] ?? '';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || !boundary) return [part];
  const pieces = part.body.split(`--${boundary}`);
  // Drop the preamble and everything from the closing delimiter on.
  return (
    pieces
      .slice(1)
      .filter((piece) => !piece.startsWith('--'))
      // The line breaks around a delimiter belong to it, not to the parts.
      .flatMap((piece) => flatten(splitPart(piece.replace(/^\n/, '').replace(/\n$/, ''))))
  );
}

function decodeBody(part: Part): string {
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** decodeWords decodes RFC 2047 encoded words (=?UTF-8?Q?…?= and =?UTF-8?B?…?=), joining adjacent ones. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, kind: string, data: string) => {
      if (kind.toUpperCase() === 'B') return Buffer.from(data, 'base64').toString('utf8');
      return decodeQuotedPrintable(data.replace(/_/g, ' '));
    });
}
