/**
 * The Slack channel: an incoming-webhook message with a plain `text` fallback (what notifications
 * and screen readers show) and Block Kit blocks in mrkdwn. Every piece of the notification is escaped,
 * so a title holding `<!channel>` or `<http://evil|here>` shows as typed instead of pinging or linking.
 */
import { z } from 'zod';
import {
  eventWords,
  facts,
  firstSteps,
  type Notification,
  oneLine,
  riskBadge,
  safeLink,
  subjectLine,
} from './message.ts';
import { endpoint, failed, type Notifier } from './notifier.ts';
import type { Poster } from './post.ts';

/** SlackChannel posts to a Slack incoming webhook. */
export const SlackChannel = z
  .object({
    type: z.literal('slack').describe('A Slack incoming webhook.'),
    url: endpoint(['https:', 'http:'], 'https://hooks.slack.com/services/T000/B000/XXXX').describe(
      'The incoming-webhook URL; it is a secret, so write it as an ${ENV} reference such as ${SLACK_WEBHOOK_URL}.',
    ),
  })
  .strict()
  .describe('Posts every notification to the Slack channel of an incoming webhook.');
export type SlackChannel = z.infer<typeof SlackChannel>;

/** SlackBlock is one Block Kit block of the layouts used here (section, context). */
export type SlackBlock =
  | { type: 'section'; text: SlackText; fields?: SlackText[] }
  | { type: 'section'; fields: SlackText[] }
  | { type: 'context'; elements: SlackText[] };

/** SlackText is a Block Kit text object in mrkdwn. */
export interface SlackText {
  type: 'mrkdwn';
  text: string;
}

/** SlackMessage is the JSON body of an incoming-webhook post. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

// Slack refuses a section text over 3000 characters, and a field over 2000.
const SECTION_MAX = 2900;
const STEP_MAX = 600;

const MARKERS: Record<Notification['incident']['severity'], string> = {
  SEV1: ':red_circle:',
  SEV2: ':large_orange_circle:',
  SEV3: ':large_yellow_circle:',
  SEV4: ':large_blue_circle:',
};

/** slackMessage renders a notification as an incoming-webhook message: headline, facts, summary, first steps, link. */
export function slackMessage(notification: Notification): SlackMessage {
  const { incident } = notification;
  const marker = incident.status === 'resolved' ? ':white_check_mark:' : MARKERS[incident.severity];
  const link = safeLink(notification.link);
  const title = escapeMrkdwn(`[${incident.severity}] ${oneLine(incident.title, 200)}`);
  const headline = `${marker} *${link ? `<${linkTarget(link)}|${title}>` : title}* — ${escapeMrkdwn(eventWords(notification))}`;
  const blocks: SlackBlock[] = [
    { type: 'section', text: mrkdwn(headline) },
    {
      type: 'section',
      fields: facts(notification).map((fact) =>
        mrkdwn(
          `*${fact.label}*\n${fact.label === 'Opened' ? slackDate(incident.openedAt, fact.value) : escapeMrkdwn(fact.value)}`,
        ),
      ),
    },
  ];
  if (notification.summary)
    blocks.push({ type: 'section', text: mrkdwn(cut(escapeMrkdwn(notification.summary))) });
  const steps = firstSteps(notification);
  if (steps.length > 0) {
    const lines = steps.map((step, index) => {
      const about = step.description ? ` ${escapeMrkdwn(oneLine(step.description, 300))}` : '';
      // A run holding ``` would close the code block early; a look-alike keeps it readable.
      const run = escapeMrkdwn(oneLine(step.run, STEP_MAX)).replaceAll('```', "'''");
      return `${index + 1}. *${escapeMrkdwn(riskBadge(step.risk))}* _${escapeMrkdwn(step.kind)}_${about}\n\`\`\`${run}\`\`\``;
    });
    blocks.push({ type: 'section', text: mrkdwn(cut(`*First steps*\n${lines.join('\n')}`)) });
  }
  if (link) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`<${linkTarget(link)}|Open incident ${escapeMrkdwn(incident.id)}>`)],
    });
  }
  return { text: subjectLine(notification), blocks };
}

/** slackNotifier posts notifications to Slack incoming webhooks through `poster`. */
export function slackNotifier(poster: Poster): Notifier<SlackChannel> {
  return {
    type: 'slack',
    async send(notification, channel, signal) {
      const secrets: string[] = [];
      if (!URL.canParse(channel.url)) return failed(false, 'slack: the url is not a valid URL', secrets);
      const url = new URL(channel.url);
      // The path of an incoming webhook is its credential: only the host is ever named.
      secrets.push(url.pathname, url.search);
      return poster.post(
        {
          url: channel.url,
          name: `slack ${url.host}`,
          body: JSON.stringify(slackMessage(notification)),
          headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Vigie' },
          secrets,
        },
        signal,
      );
    },
  };
}

function mrkdwn(text: string): SlackText {
  return { type: 'mrkdwn', text };
}

/** escapeMrkdwn makes text literal in mrkdwn: Slack reads &, < and > as the start of entities, links and mentions. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** linkTarget keeps a URL from ending the <url|label> form early. */
function linkTarget(url: string): string {
  return url.replaceAll('|', '%7C').replaceAll('>', '%3E').replaceAll('<', '%3C');
}

/** slackDate shows a time in each reader's own time zone, with the UTC text as the fallback. */
function slackDate(ms: number, fallback: string): string {
  if (!Number.isFinite(ms)) return escapeMrkdwn(fallback);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${escapeMrkdwn(fallback)}>`;
}

function cut(text: string): string {
  return text.length > SECTION_MAX ? `${text.slice(0, SECTION_MAX - 1)}…` : text;
}
