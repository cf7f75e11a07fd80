import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createNotifiers } from '../../src/notify/index.ts';
import { type SlackChannel, slackMessage } from '../../src/notify/slack.ts';
import { exampleNotification, startWebhookReceiver } from '../support/receivers.ts';

const never = new AbortController().signal;

describe('slackMessage', () => {
  it('renders the headline, the facts, the summary, the first steps as code and the link', () => {
    const message = slackMessage(exampleNotification());
    assert.equal(message.text, '[SEV1] API down — triggered');
    assert.deepEqual(message.blocks[0], {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: ':red_circle: *<https://vigie.example.com/incidents/inc-42|[SEV1] API down>* — triggered',
      },
    });
    const facts = message.blocks[1];
    assert.ok(facts && 'fields' in facts && facts.fields);
    assert.deepEqual(
      facts.fields.map((field) => field.text),
      [
        '*Incident*\ninc-42',
        '*Severity*\nSEV1',
        '*Status*\ntriggered',
        '*Opened*\n<!date^1700000000^{date_short_pretty} {time}|2023-11-14T22:13:20.000Z>',
        '*Scenario*\nAPI completely down (HTTP 503)',
        '*Level*\n1',
        '*For*\nAlice Martin',
      ],
    );
    assert.deepEqual(message.blocks[2], {
      type: 'section',
      text: { type: 'mrkdwn', text: 'api-ready failed 3 times: status 503' },
    });
    assert.deepEqual(message.blocks[3], {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [
          '*First steps*',
          '1. *[read]* _http_',
          '```curl -sS https://api.example.com/health/ready```',
          '2. *[read]* _shell_ Look for an OOM kill.',
          '```docker logs --tail 200 api```',
          '3. *[DANGEROUS]* _shell_',
          '```docker restart api```',
        ].join('\n'),
      },
    });
    assert.deepEqual(message.blocks[4], {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: '<https://vigie.example.com/incidents/inc-42|Open incident inc-42>' },
      ],
    });
    assert.equal(message.blocks.length, 5);
  });

  it('escapes what Slack would read as mentions or links, and shows no more than three steps', () => {
    const base = exampleNotification();
    const step = { run: 'redis-cli FLUSHDB', kind: 'redis', risk: 'destructive' };
    const message = slackMessage({
      ...base,
      event: 'resolved',
      incident: {
        ...base.incident,
        status: 'resolved',
        title: '<!channel> <http://evil.example|click> & co',
      },
      firstSteps: [step, step, step, step],
      summary: undefined,
      link: undefined,
    });
    const headline = message.blocks[0] && 'text' in message.blocks[0] ? message.blocks[0].text.text : '';
    assert.equal(
      headline,
      ':white_check_mark: *[SEV1] &lt;!channel&gt; &lt;http://evil.example|click&gt; &amp; co* — resolved',
    );
    const steps = JSON.stringify(message.blocks);
    assert.equal(steps.match(/FLUSHDB/g)?.length, 3);
    assert.ok(steps.includes('*[DESTRUCTIVE]*'));
    assert.ok(!message.blocks.some((block) => block.type === 'context'), 'no link, no link block');
  });
});

describe('slack channel', () => {
  const notifiers = createNotifiers();
  after(() => notifiers.close());

  it('posts { text, blocks } as JSON to the incoming webhook', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const notification = exampleNotification();
      const channel: SlackChannel = { type: 'slack', url: receiver.url };
      assert.deepEqual(await notifiers.byType.slack.send(notification, channel, never), {
        ok: true,
        detail: 'HTTP 200',
      });
      const [request] = receiver.received;
      assert.equal(request?.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(request?.body, slackMessage(notification));
    } finally {
      await receiver.close();
    }
  });

  it("names only the host in errors: the webhook's path is its credential", async () => {
    const receiver = await startWebhookReceiver({
      failWith: () => ({ status: 404, body: 'no_service for /services/T0001/B0002/XyZsecret123' }),
    });
    try {
      const url = `${receiver.url.replace('/hook', '')}/services/T0001/B0002/XyZsecret123`;
      const result = await notifiers.byType.slack.send(exampleNotification(), { type: 'slack', url }, never);
      assert.deepEqual(result, {
        ok: false,
        retryable: false,
        error: `slack ${new URL(url).host}: HTTP 404: no_service for ****`,
      });
      receiver.setDown(true);
      const down = await notifiers.byType.slack.send(exampleNotification(), { type: 'slack', url }, never);
      assert.ok(!down.ok && down.retryable);
    } finally {
      await receiver.close();
    }
  });
});
