/**
 * The notifier registry: one notifier per channel type, typed so that a channel type without an
 * implementation does not compile. This is the only place that maps a channel type to its code.
 */
import { z } from 'zod';
import { describeError } from '../errors.ts';
import { EmailChannel, emailNotifier } from './email.ts';
import { LogChannel, logNotifier, type Writer } from './log.ts';
import type { Notification } from './message.ts';
import { failed, type Notifier, type SendResult } from './notifier.ts';
import { createPoster } from './post.ts';
import { SlackChannel, slackNotifier } from './slack.ts';
import { WebhookChannel, webhookNotifier } from './webhook.ts';

export * from './message.ts';
export type { Notifier, SendResult } from './notifier.ts';
export { type BackoffOptions, backoffDelay, RETRY_LIMIT } from './retry.ts';
export { sign, verifySignature } from './webhook.ts';
export { EmailChannel, LogChannel, SlackChannel, WebhookChannel, type Writer };

/** Channel is one configured notification channel; `type` says which notifier delivers to it. */
export const Channel = z
  .discriminatedUnion('type', [WebhookChannel, SlackChannel, EmailChannel, LogChannel])
  .describe('A notification channel: webhook, slack, email or log.');
export type Channel = z.infer<typeof Channel>;

/** ChannelType names a kind of channel. */
export type ChannelType = Channel['type'];

/** CHANNEL_TYPES lists every channel type. */
export const CHANNEL_TYPES: readonly ChannelType[] = Channel.options.map((option) => option.shape.type.value);

/** NotifiersByType holds one notifier for each channel type, each typed with its own channel. */
export type NotifiersByType = { readonly [T in ChannelType]: Notifier<Extract<Channel, { type: T }>> };

/** Notifiers is one live notifier of every channel type, sharing their pooled connections until closed. */
export interface Notifiers {
  readonly byType: NotifiersByType;
  /** send delivers a notification with the notifier of the channel's type; it never throws. */
  send(notification: Notification, channel: Channel, signal: AbortSignal): Promise<SendResult>;
  /** close releases every pooled HTTP and SMTP connection. */
  close(): Promise<void>;
}

/** NotifiersOptions are the effects the notifiers use: the clock that stamps webhooks and the log channel's writer. */
export interface NotifiersOptions {
  /** Epoch milliseconds, for X-Vigie-Timestamp; Date.now by default. */
  now?: () => number;
  /** Where the log channel writes; standard output by default. */
  write?: Writer;
}

/** createNotifiers builds the registry: one notifier of each channel type. */
export function createNotifiers(options: NotifiersOptions = {}): Notifiers {
  const poster = createPoster();
  const email = emailNotifier();
  const byType: NotifiersByType = {
    webhook: webhookNotifier(poster, options.now ?? Date.now),
    slack: slackNotifier(poster),
    email,
    log: logNotifier(options.write),
  };
  return {
    byType,
    async send(notification, channel, signal) {
      // The only place a channel meets its notifier; the cast is what the mapped type guarantees.
      const notifier = byType[channel.type] as Notifier<Channel> | undefined;
      if (!notifier) {
        return { ok: false, retryable: false, error: `unknown channel type '${String(channel.type)}'` };
      }
      try {
        return await notifier.send(notification, channel, signal);
      } catch (error) {
        // Notifiers do not throw; should one, the message is kept for another try rather than lost.
        const { type, ...settings } = channel;
        const secrets = Object.values(settings).flatMap((value) =>
          typeof value === 'string' ? [value] : [],
        );
        return failed(true, `${type}: ${describeError(error)}`, secrets);
      }
    },
    async close() {
      await Promise.allSettled([poster.close(), email.close()]);
    },
  };
}
