/**
 * Shell steps as a responder runs them through a running Vigie: in the step's working directory, with
 * its own variables from `${ENV}` references (a secret one masked even when the program prints its
 * whole environment), and with the output streamed on the live event stream while the step runs.
 */
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { createToken } from '../../src/api/tokens.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { scratchDir } from '../store/support.ts';
import { openEvents } from '../support/api.ts';
import { waitFor } from '../support/receivers.ts';

const SECRET = 'pg-pass-7d1f0c2e';

describe('shell steps', () => {
  it('run in their workdir with their own variables, secrets masked, output streamed live', async (t) => {
    const dir = scratchDir();
    const vigie = await startVigie({
      runbook: Runbook.parse({
        name: 'Shell steps',
        scenarios: [
          {
            id: 'backup',
            title: 'Backup by hand',
            actions: [
              { id: 'where', run: 'pwd', kind: 'shell', risk: 'write', workdir: dir },
              {
                id: 'environment',
                run: 'env',
                kind: 'shell',
                risk: 'write',
                env: { GREETING: '${GREETING_TEXT}', PGPASSWORD: '${BACKUP_PASSWORD}' },
              },
              {
                id: 'slow',
                run: "sh -c 'echo first; sleep 1; echo second'",
                kind: 'shell',
                risk: 'write',
              },
              { id: 'nowhere', run: 'pwd', kind: 'shell', risk: 'write', workdir: join(dir, 'missing') },
            ],
          },
        ],
      }),
      env: { GREETING_TEXT: 'bonjour', BACKUP_PASSWORD: SECRET },
      storePath: join(dir, 'vigie.sqlite'),
      port: 0,
    });
    t.after(() => vigie.stop());
    const token = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    const run = async (step: string) => {
      const response = await request(`${vigie.url}/api/v1/actions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ scenario: 'backup', step }),
      });
      const body = (await response.body.json()) as {
        run: { status: string; outcome: { output: string; error?: string } };
      };
      return body.run;
    };

    const where = await run('where');
    assert.equal(where.status, 'ok', JSON.stringify(where));
    assert.equal(where.outcome.output.trim(), realpathSync(dir));

    const environment = await run('environment');
    assert.equal(environment.status, 'ok', JSON.stringify(environment));
    assert.match(environment.outcome.output, /^GREETING=bonjour$/m);
    assert.match(environment.outcome.output, /^PGPASSWORD=\*+$/m, 'the secret variable is masked');
    assert.ok(!JSON.stringify(environment).includes(SECRET));

    const nowhere = await run('nowhere');
    assert.equal(nowhere.status, 'failed');
    assert.match(nowhere.outcome.error ?? '', /workdir .*missing is not a directory here/);

    // The live stream, as the incident page reads it.
    const live = await openEvents(vigie.url, token);
    t.after(() => live.close());
    const outputs = () =>
      live.events
        .filter((event) => event.name === 'output')
        .map((event) => event.data as { scenario: string; stepIndex: number; text: string });
    let answered = false;
    const slow = run('slow').then((answer) => {
      answered = true;
      return answer;
    });
    await waitFor(() => outputs().some((output) => output.text === 'first\n'), 5000);
    assert.equal(answered, false, 'the first line arrived while the step still ran');
    const done = await slow;
    assert.equal(done.status, 'ok');
    assert.equal(done.outcome.output, 'first\nsecond\n');
    await waitFor(() => outputs().some((output) => output.text === 'second\n'), 5000);
    const [first] = outputs();
    assert.deepEqual(
      { scenario: first!.scenario, stepIndex: first!.stepIndex },
      { scenario: 'backup', stepIndex: 3 },
    );
  });
});
