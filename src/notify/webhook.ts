/**
 * The webhook channel: the notification as JSON in a POST, signed with HMAC-SHA256 over
 * "<timestamp>.<raw body>" when the channel has a secret, so a receiver can check both who sent it
 * and that it is not an old request replayed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { endpoint, failed, type Notifier } from './notifier.ts';
import type { Poster } from './post.ts';

/** WebhookChannel posts each notification as JSON to a URL of the user's choosing. */
export const WebhookChannel = z
  .object({
    type: z.literal('webhook').describe('A generic JSON webhook.'),
    url: endpoint(['http:', 'https:'], 'https://hooks.example.com/vigie').describe(
      'URL that receives a POST with the notification as JSON; usually an ${ENV} reference.',
    ),
    secret: z
      .string()
      .min(1)
      .optional()
      .describe(
        'HMAC-SHA256 key; when set, X-Vigie-Signature carries sha256=<hex HMAC of "<timestamp>.<body>">. Use an ${ENV} reference.',
      ),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe('Extra request headers, such as Authorization; values may be ${ENV} references.'),
  })
  .strict()
  .describe('Posts every notification as JSON to a URL, optionally signed.');
export type WebhookChannel = z.infer<typeof WebhookChannel>;

/** SIGNATURE_TOLERANCE is how far a signed timestamp may be from the receiver's clock, in milliseconds. */
export const SIGNATURE_TOLERANCE = 5 * 60_000;

/** sign computes the X-Vigie-Signature value of a body sent at `timestamp` (epoch milliseconds). */
export function sign(secret: string, timestamp: number | string, body: string | Uint8Array): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body);
  return `sha256=${mac.digest('hex')}`;
}

/**
 * verifySignature tells whether `header` is the signature of `body` sent at `timestamp` with `secret`,
 * comparing in constant time; given `now`, it also refuses a timestamp further than `tolerance`
 * (SIGNATURE_TOLERANCE by default) from it, which stops replays.
 */
export function verifySignature(
  secret: string,
  timestamp: number | string | undefined,
  body: string | Uint8Array,
  header: string | undefined,
  options: { now?: number; tolerance?: number } = {},
): boolean {
  if (timestamp === undefined || header === undefined || !/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  if (!/^\d{1,16}$/.test(String(timestamp))) return false;
  if (options.now !== undefined) {
    const drift = Math.abs(options.now - Number(timestamp));
    if (drift > (options.tolerance ?? SIGNATURE_TOLERANCE)) return false;
  }
  const expected = Buffer.from(sign(secret, timestamp, body));
  return timingSafeEqual(expected, Buffer.from(header));
}

/** webhookNotifier posts notifications through `poster`, stamping them with `now()`. */
export function webhookNotifier(poster: Poster, now: () => number): Notifier<WebhookChannel> {
  return {
    type: 'webhook',
    async send(notification, channel, signal) {
      const body = JSON.stringify(notification);
      const timestamp = now();
      const headers: Record<string, string> = { 'user-agent': 'Vigie' };
      for (const [name, value] of Object.entries(channel.headers ?? {})) headers[name.toLowerCase()] = value;
      // Set last so that configured headers cannot forge or drop them.
      headers['content-type'] = 'application/json';
      headers['x-vigie-event'] = notification.event;
      headers['x-vigie-idempotency-key'] = notification.idempotencyKey;
      headers['x-vigie-timestamp'] = String(timestamp);
      if (channel.secret) headers['x-vigie-signature'] = sign(channel.secret, timestamp, body);
      const secrets = [channel.secret, ...Object.values(channel.headers ?? {})];
      if (!URL.canParse(channel.url)) return failed(false, 'webhook: the url is not a valid URL', secrets);
      const url = new URL(channel.url);
      secrets.push(url.password, ...url.searchParams.values());
      // The origin names the endpoint; a path or query may hold a token, so neither is shown.
      const name = `webhook ${url.origin}`;
      return poster.post({ url: channel.url, name, body, headers, secrets }, signal);
    },
  };
}
