/**
 * The notifier contract. A notifier delivers one notification over one channel and says only whether
 * it worked and, when it did not, whether trying again is worthwhile; the dispatcher owns retries,
 * backoff and the outbox. One file per channel type implements it; `index.ts` holds the registry.
 */
import { z } from 'zod';
import { maskSecrets } from '../runbook/secrets.ts';
import type { Notification } from './message.ts';

/** SendResult is the outcome of one delivery attempt. */
export type SendResult =
  | { readonly ok: true; readonly detail?: string }
  | {
      readonly ok: false;
      /** True when the same message may go through later (network, timeout, 429, 5xx, SMTP 4xx). */
      readonly retryable: boolean;
      /** What failed, naming the channel's endpoint but never its secrets. */
      readonly error: string;
    };

/** Notifier delivers notifications over one channel type. `send` never throws. */
export interface Notifier<C extends { readonly type: string }> {
  readonly type: C['type'];
  /** send delivers one notification to the channel `channel` describes; it gives up when `signal` aborts. */
  send(notification: Notification, channel: C, signal: AbortSignal): Promise<SendResult>;
  /** close releases pooled connections; notifiers without any may omit it. */
  close?(): Promise<void>;
}

/** failed builds a failure whose message has every secret of the channel masked. */
export function failed(
  retryable: boolean,
  error: string,
  secrets: readonly (string | undefined)[],
): SendResult {
  const known = secrets.filter((secret): secret is string => typeof secret === 'string' && secret !== '');
  return { ok: false, retryable, error: maskSecrets(error, known) };
}

/** abortWords says why `signal` stopped a send: a timeout, or the caller giving up (shutdown). */
export function abortWords(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return 'timed out';
  if (reason instanceof Error && reason.name !== 'AbortError' && reason.message) return reason.message;
  return 'aborted';
}

/** isRetryableStatus tells the HTTP statuses worth retrying: 408, 425, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * endpoint is a channel address (a URL or an `${ENV}` reference to one), checked for its scheme
 * unless it is a reference, since references are resolved after the runbook is validated.
 */
export function endpoint(schemes: readonly string[], example: string): z.ZodString {
  return z
    .string()
    .refine(
      (text) => text.includes('${') || (URL.canParse(text) && schemes.includes(new URL(text).protocol)),
      {
        message: `not a ${schemes.map((s) => s.replace(':', '://')).join(' or ')} URL; write it like ${example}`,
      },
    );
}
