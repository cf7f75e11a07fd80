import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseShell, skipOptions, splitCommands, splitSql, sqlEnd } from '../../src/runbook/import/shell.ts';

/** words gives each command's words of the first logical line of `text`. */
const words = (text: string): string[][] => parseShell(text, 0).commands.map((c) => c.words);

describe('parseShell', () => {
  it('cuts a line into commands and words, unquoting them', () => {
    assert.deepEqual(words(`psql -c "SELECT 'a b'" && echo 'x y'\\ z; ls`), [
      ['psql', '-c', "SELECT 'a b'"],
      ['echo', 'x y z'],
      ['ls'],
    ]);
    assert.deepEqual(words('\\rm -rf /tmp/x'), [['rm', '-rf', '/tmp/x']]);
    assert.deepEqual(words('echo "a \\"b\\" \\$c"'), [['echo', 'a "b" $c']]);
  });

  it('keeps redirects apart, and drops file descriptors', () => {
    const [command] = parseShell('pg_dump app > backup.sql 2>&1', 0).commands;
    assert.deepEqual(command!.words, ['pg_dump', 'app']);
    assert.deepEqual(command!.redirects, [{ op: '>', target: 'backup.sql' }]);
  });

  it('reads a placeholder in angle brackets as part of a word', () => {
    assert.deepEqual(words('kill -9 <PID>'), [['kill', '-9', '<PID>']]);
    assert.deepEqual(words('curl https://<api-url>/health'), [['curl', 'https://<api-url>/health']]);
  });

  it('links a piped command to the command it reads from', () => {
    const [echo, redis] = parseShell('echo FLUSHDB | redis-cli -h cache', 0).commands;
    assert.equal(echo!.piped, false);
    assert.equal(redis!.piped, true);
    assert.equal(redis!.source, echo);
  });

  it('continues a pipe on the next line, but ends a command at a new line after its first word', () => {
    assert.deepEqual(words('ls |\n  wc -l'), [['ls'], ['wc', '-l']]);
    const parsed = parseShell('ls | wc\nrm -rf /x', 0);
    assert.deepEqual(
      parsed.commands.map((c) => c.words),
      [['ls'], ['wc']],
    );
    assert.equal(parsed.end, 'ls | wc\n'.length);
  });

  it('reads here-documents and here-strings', () => {
    const parsed = parseShell('psql <<-EOF\n\tSELECT 1;\n\tEOF\nls', 0);
    assert.equal(parsed.commands[0]!.heredoc, '\tSELECT 1;');
    assert.equal(parsed.end, 'psql <<-EOF\n\tSELECT 1;\n\tEOF\n'.length);
    assert.equal(parseShell('redis-cli <<< "PING"', 0).commands[0]!.heredoc, 'PING');
    const [cat, redis] = parseShell('cat <<EOF | redis-cli\nFLUSHALL\nEOF', 0).commands;
    assert.equal(cat!.heredoc, 'FLUSHALL');
    assert.equal(redis!.source, cat);
  });

  it('collects command substitutions, in and out of double quotes', () => {
    const [command] = parseShell('echo "$(date +%s)" `hostname` $(cat "a)b")', 0).commands;
    assert.deepEqual(command!.substitutions, ['date +%s', 'hostname', 'cat "a)b"']);
  });

  it('skips comments', () => {
    assert.deepEqual(words('ls # rm -rf /'), [['ls']]);
  });

  it('starts where it is told to', () => {
    const text = 'ls\ndf -h\n';
    assert.deepEqual(parseShell(text, 3).commands[0]!.words, ['df', '-h']);
  });
});

describe('skipOptions', () => {
  const values = new Set(['-n', '--interval']);
  it('steps over flags and the values of the options that take one', () => {
    assert.equal(skipOptions(['watch', '-n', '5', '-d', 'ls'], 1, values), 4);
    assert.equal(skipOptions(['watch', '--', '-x'], 1, values), 2);
    assert.equal(skipOptions(['cat', '-'], 1, values), 1);
    assert.equal(skipOptions(['watch', '-n'], 1, values), 3);
  });
});

describe('splitSql', () => {
  it('splits on semicolons outside quotes, dollar-quotes and comments', () => {
    assert.deepEqual(splitSql("SELECT ';'; -- DROP TABLE x;\nSELECT $$a;b$$ /* ; */ ;"), [
      "SELECT ';'",
      'SELECT $$a;b$$',
    ]);
  });

  it('normalises white space', () => {
    assert.deepEqual(splitSql('SELECT\n  a,\n  b\nFROM t'), ['SELECT a, b FROM t']);
  });

  it('ends a psql meta-command at the end of its line', () => {
    assert.deepEqual(splitSql('\\dt\nVACUUM FULL;\n\\! rm -rf /data\nSELECT 1 \\gset'), [
      '\\dt',
      'VACUUM FULL',
      '\\! rm -rf /data',
      'SELECT 1 \\gset',
    ]);
  });
});

describe('sqlEnd', () => {
  it('ends a bare statement after its semicolon, or at a blank line or a comment', () => {
    const text = 'SELECT 1\nFROM t;\nls';
    assert.equal(sqlEnd(text, 0), 'SELECT 1\nFROM t;\n'.length);
    assert.equal(sqlEnd('SELECT 1\n\nls', 0), 'SELECT 1\n'.length);
    assert.equal(sqlEnd('SELECT 1\n# note', 0), 'SELECT 1\n'.length);
    assert.equal(sqlEnd('SELECT 1; -- done\nls', 0), 'SELECT 1; -- done\n'.length);
  });
});

describe('splitCommands', () => {
  it('cuts at separators outside quotes and says which separator ended each command', () => {
    assert.deepEqual(splitCommands('grep "a|b" x | xargs rm && ls; df'), [
      { text: 'grep "a|b" x ', separator: '|' },
      { text: ' xargs rm ', separator: '&&' },
      { text: ' ls', separator: ';' },
      { text: ' df', separator: '' },
    ]);
  });

  it('never lets a quote span lines', () => {
    assert.deepEqual(
      splitCommands('grep "x\nrm -rf /').map((s) => s.text),
      ['grep "x', 'rm -rf /'],
    );
  });
});

/** Inputs made to find a loop that is not linear; there is no time bound (see classify.test.ts). */
describe('tokenizers on adversarial inputs end', () => {
  const K = 200_000;
  const inputs = {
    quotes: '"'.repeat(K),
    backslashes: '\\'.repeat(K),
    substitutions: '$('.repeat(K / 2),
    singleQuoted: "'a' ".repeat(K / 4),
    backticks: '`'.repeat(K),
    parentheses: `${'('.repeat(50_000)}${')'.repeat(50_000)}`,
    heredocOperators: '<<A;'.repeat(K / 4),
    heredoc: `cat <<EOF\n${'x\n'.repeat(500_000)}EOF`,
  };
  for (const [name, text] of Object.entries(inputs)) {
    it(name, () => {
      let i = 0;
      let lines = 0;
      while (i < text.length) {
        const { end } = parseShell(text, i);
        assert.ok(end > i, 'parseShell moves forward');
        i = end;
        lines++;
      }
      assert.ok(lines >= 1);
      assert.ok(Array.isArray(splitSql(text)));
      assert.ok(splitCommands(text).length >= 1);
      assert.ok(sqlEnd(text, 0) <= text.length);
    });
  }
});
