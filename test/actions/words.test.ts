/**
 * Shell words without a shell: what runs as an argv, and what only a shell could run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayWords, expand, simpleCommand } from '../../src/actions/words.ts';

describe('simpleCommand', () => {
  const vars = { HOME: '/home/ops', NAME: 'sylion-backend', SPACED: 'a  b', EMPTY: '' };

  it('removes quotes and joins continued lines', () => {
    assert.deepEqual(simpleCommand(`docker inspect sylion --format='{{.State.Status}}' \\\n  --size`, vars), {
      argv: ['docker', 'inspect', 'sylion', '--format={{.State.Status}}', '--size'],
      used: [],
      missing: [],
    });
  });

  it('expands references, splitting unquoted ones into words as sh does', () => {
    const read = simpleCommand('docker logs "$NAME" $SPACED ${UNSET:-fallback} $EMPTY ~/x', vars);
    assert.ok('argv' in read);
    assert.deepEqual(read.argv, ['docker', 'logs', 'sylion-backend', 'a', 'b', 'fallback', '/home/ops/x']);
    assert.deepEqual(simpleCommand('echo $NOPE', vars), {
      argv: ['echo'],
      used: ['NOPE'],
      missing: ['NOPE'],
    });
  });

  it('names what only a shell can run', () => {
    const feature = (text: string) => {
      const read = simpleCommand(text, vars);
      return 'feature' in read ? read.feature : undefined;
    };
    assert.equal(feature('du -sh /var 2>/dev/null'), 'a redirection');
    assert.equal(feature('ps aux | grep ffmpeg'), 'a pipe');
    assert.equal(feature('cd /srv && make logs'), '`&` or `&&`');
    assert.equal(feature('echo $(whoami)'), 'a command substitution');
    assert.equal(feature('ls /var/log/*.log'), 'a glob (*)');
    assert.equal(feature('PGPASSWORD=x psql'), 'a variable assignment');
    assert.equal(feature('uptime\nfree -h'), 'a second command line');
    assert.equal(feature("find / -name '*.log'"), undefined);
  });
});

describe('words', () => {
  it('quotes for display, leaving references readable', () => {
    assert.equal(
      displayWords(['psql', '$DATABASE_URL', '-c', "SELECT 'x'"]),
      `psql $DATABASE_URL -c 'SELECT '\\''x'\\'''`,
    );
  });

  it('expands ${NAME:-default} only when unset or empty', () => {
    assert.equal(expand('${A:-d}/${B-d}', { A: '', B: '' }).text, 'd/');
  });
});
