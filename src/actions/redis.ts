/**
 * The redis executor: a `redis-cli [options] COMMAND args` line (or the command alone) sent to the
 * Redis of the step's service, the reply shown as redis-cli shows it in a terminal (`(integer) 3`,
 * `1) "a"`, `(nil)`). In read mode only commands on an allowlist of readers go out, checked on the
 * command and, for container commands, on the subcommand (CONFIG GET yes, CONFIG SET no), so a
 * FLUSHDB labelled `read` by mistake is refused here whatever the label says.
 *
 * In write mode any command goes out. `redis-cli --scan --pattern P | xargs redis-cli del` (or `KEYS
 * P | xargs … del`) is read as one step and run here without a shell: SCAN, then DEL or UNLINK in
 * batches, so key names are never split by xargs. Parameters become whole arguments, never split. A
 * dry run sends nothing that changes data: it counts what a deletion would remove (blast.ts).
 */
import type { Redis } from 'ioredis';
import { describeError } from '../errors.ts';
import { Capture } from '../exec/capture.ts';
import { redisClients } from '../probes/redis.ts';
import { type Command, parseShell } from '../runbook/import/shell.ts';
import { fillArgv, fillWord, hasParams } from './bind.ts';
import { type RedisDeletion, redisBlast } from './blast.ts';
import { type Executor, failure, refusal, type Unreadable } from './executor.ts';
import { endpointOf, passwordForms } from './services.ts';
import type { StepRequest } from './step.ts';
import { displayWords, expand, quoteWord, type Vars, variables } from './words.ts';

/** READ_COMMANDS are the commands a read step may send; a list names the subcommands allowed. */
const READ_COMMANDS: Readonly<Record<string, true | readonly string[]>> = {
  PING: true,
  ECHO: true,
  INFO: true,
  DBSIZE: true,
  TIME: true,
  LASTSAVE: true,
  ROLE: true,
  TYPE: true,
  EXISTS: true,
  TTL: true,
  PTTL: true,
  EXPIRETIME: true,
  GET: true,
  MGET: true,
  STRLEN: true,
  GETRANGE: true,
  KEYS: true,
  SCAN: true,
  SSCAN: true,
  HSCAN: true,
  ZSCAN: true,
  LLEN: true,
  LRANGE: true,
  LINDEX: true,
  LPOS: true,
  HGET: true,
  HMGET: true,
  HGETALL: true,
  HLEN: true,
  HKEYS: true,
  HVALS: true,
  HEXISTS: true,
  SCARD: true,
  SMEMBERS: true,
  SISMEMBER: true,
  ZCARD: true,
  ZCOUNT: true,
  ZSCORE: true,
  ZRANK: true,
  ZRANGE: true,
  ZREVRANGE: true,
  ZRANGEBYSCORE: true,
  XLEN: true,
  XRANGE: true,
  XREVRANGE: true,
  XPENDING: true,
  XINFO: ['STREAM', 'GROUPS', 'CONSUMERS'],
  MEMORY: ['USAGE', 'STATS', 'DOCTOR', 'MALLOC-STATS'],
  CLIENT: ['LIST', 'INFO', 'GETNAME', 'ID'],
  SLOWLOG: ['GET', 'LEN'],
  CONFIG: ['GET'],
  LATENCY: ['LATEST', 'HISTORY', 'DOCTOR'],
  OBJECT: ['ENCODING', 'FREQ', 'IDLETIME', 'REFCOUNT'],
  CLUSTER: ['INFO', 'NODES', 'SLOTS', 'SHARDS'],
  PUBSUB: ['CHANNELS', 'NUMSUB', 'NUMPAT'],
  COMMAND: ['COUNT', 'INFO', 'DOCS'],
};

// Replies of these commands are status lines, shown bare (PONG, list), not quoted like strings.
const STATUS_REPLIES = new Set(['PING', 'TYPE']);
// CONFIG GET of these shows a password.
const SECRET_CONFIG = /pass|auth|secret|key/i;
const READ_SLACK = 4096;
const SCAN_COUNT = 1000;

/** RedisStep is a step read into its command and its server. */
export interface RedisStep {
  readonly command: string;
  readonly url: string;
  /** The command and its arguments; empty with `scan` for `redis-cli --scan`. */
  readonly argv: readonly string[];
  readonly scan?: { readonly pattern?: string };
  /** `… --scan --pattern P | xargs redis-cli del`: the keys matching `pattern` are removed with `command`. */
  readonly deleteMatches?: { readonly pattern: string; readonly command: 'DEL' | 'UNLINK' };
  readonly secrets: readonly string[];
}

/** redisExecutor sends redis steps over one pooled client per server. */
export function redisExecutor(): Executor {
  const clients = redisClients();
  return {
    kind: 'redis',
    async run(request, context) {
      const written = readRedis(request, variables(request.env));
      if ('refused' in written) return refusal(written.command, written.refused);
      if ('failed' in written) return failure(written.command, written.failed);
      const read = withParams(written, request.params);
      const extra = { target: read.url, secrets: read.secrets };
      const name = (read.argv[0] ?? '').toUpperCase();
      if (context.mode === 'read' && read.scan === undefined) {
        const why = readProblem(read.argv);
        if (why) return refusal(read.command, why, extra);
      }
      const output = new Capture(context.outputCap + READ_SLACK, 'head');
      if (context.dryRun) {
        const deletion: RedisDeletion = read.deleteMatches ?? { argv: read.argv };
        try {
          const blast = await clients.use(read.url, context.timeoutMs, context.signal, (client) =>
            redisBlast(client, deletion),
          );
          output.write(`would send to ${read.url}: ${read.command}\n`);
          if (blast !== undefined) output.write(`${blast}\n`);
          return { ...extra, command: read.command, status: 'dry-run', output: output.pieces() };
        } catch (error) {
          return failure(read.command, describeError(error), extra);
        }
      }
      try {
        const answered = await clients.use(read.url, context.timeoutMs, context.signal, async (client) => {
          if (read.deleteMatches !== undefined) return deleteKeys(client, read.deleteMatches, output);
          if (read.scan !== undefined) return scanKeys(client, read.scan.pattern, output);
          const [command, ...args] = read.argv;
          try {
            const reply: unknown = await client.call(command!, ...args);
            const shown = name === 'CONFIG' ? maskConfig(reply) : reply;
            output.write(formatReply(shown, STATUS_REPLIES.has(name) && args.length === 0));
            return undefined;
          } catch (error) {
            if (!isReplyError(error)) throw error;
            // A reply error (WRONGTYPE, NOAUTH…) is the command's answer: redis-cli prints it.
            output.write(`(error) ${describeError(error)}\n`);
            return describeError(error);
          }
        });
        if (answered !== undefined)
          return failure(read.command, answered, { ...extra, output: output.pieces() });
        return { ...extra, command: read.command, status: 'ok', output: output.pieces() };
      } catch (error) {
        return failure(read.command, describeError(error), { ...extra, output: output.pieces() });
      }
    },
    close: () => clients.close(),
  };
}

/** readProblem says why a command may not run in a read step, or undefined when it may. */
export function readProblem(argv: readonly string[]): string | undefined {
  const name = (argv[0] ?? '').toUpperCase();
  const allowed = READ_COMMANDS[name];
  if (allowed === undefined)
    return `${name} is not a read command: a read step sends only commands that observe`;
  if (allowed === true) return undefined;
  const sub = (argv[1] ?? '').toUpperCase();
  if (!allowed.includes(sub)) {
    return `${name} ${sub || '(no subcommand)'} is not a read command: a read step may send ${allowed.map((s) => `${name} ${s}`).join(', ')}`;
  }
  return undefined;
}

/** withParams fills a step's parameters into its arguments and pattern, each one argument whatever it holds; the command name is never filled. */
function withParams(read: RedisStep, params: StepRequest['params']): RedisStep {
  if (!hasParams(params)) return read;
  const pattern = (text: string | undefined) => (text === undefined ? undefined : fillWord(text, params));
  return {
    ...read,
    command: fillWord(read.command, params, quoteWord),
    argv: fillArgv(read.argv, params),
    ...(read.scan ? { scan: { pattern: pattern(read.scan.pattern) } } : {}),
    ...(read.deleteMatches
      ? { deleteMatches: { ...read.deleteMatches, pattern: fillWord(read.deleteMatches.pattern, params) } }
      : {}),
  };
}

/** deleteKeys removes the keys matching a pattern, SCAN by SCAN, and prints how many went as redis-cli would. */
async function deleteKeys(
  client: Redis,
  deletion: NonNullable<RedisStep['deleteMatches']>,
  output: Capture,
): Promise<undefined> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', deletion.pattern, 'COUNT', SCAN_COUNT);
    if (keys.length > 0) deleted += Number(await client.call(deletion.command, ...keys));
    cursor = next;
  } while (cursor !== '0');
  output.write(`(integer) ${deleted}\n`);
  return undefined;
}

/**
 * deletePipeline reads `redis-cli [opts] --scan --pattern P | xargs [-r] redis-cli [same opts] del`
 * (or `KEYS P` on the left, `unlink` on the right): the left command, the pattern and the deletion;
 * undefined for any other line, or when the two sides do not name the same server.
 */
export function deletePipeline(
  text: string,
): { readonly source: string; readonly command: 'DEL' | 'UNLINK' } | undefined {
  const { commands, end } = parseShell(text.trim(), 0);
  if (commands.length !== 2 || text.trim().slice(end).trim() !== '') return undefined;
  const [left, right] = commands as [Command, Command];
  if (!right.piped || [left, right].some((c) => c.redirects.length > 0 || c.substitutions.length > 0))
    return undefined;
  if (left.words[0] !== 'redis-cli' || right.words[0] !== 'xargs') return undefined;
  let at = 1;
  while (right.words[at] === '-r' || right.words[at] === '--no-run-if-empty') at++;
  if (right.words[at] === '-n' || right.words[at] === '-L') at += 2;
  const tool = right.words.slice(at);
  const command = (tool.at(-1) ?? '').toUpperCase();
  if (tool[0] !== 'redis-cli' || (command !== 'DEL' && command !== 'UNLINK')) return undefined;
  const options = tool.slice(1, -1);
  const scan = left.words.indexOf('--scan');
  const keys = left.words.findIndex((word, index) => index > 0 && word.toUpperCase() === 'KEYS');
  const server = scan > 0 ? left.words.slice(1).filter((_, i) => i + 1 !== scan) : left.words.slice(1, keys);
  const leftOptions =
    scan > 0 ? server.filter((word, i) => word !== '--pattern' && server[i - 1] !== '--pattern') : server;
  if (scan < 0 && (keys < 0 || keys !== left.words.length - 2)) return undefined;
  if (leftOptions.join('\0') !== options.join('\0')) return undefined;
  return { source: displayWords(left.words), command };
}

async function scanKeys(client: Redis, pattern: string | undefined, output: Capture): Promise<undefined> {
  let cursor = '0';
  do {
    const [next, keys] = pattern
      ? await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT)
      : await client.scan(cursor, 'COUNT', SCAN_COUNT);
    for (const key of keys) output.write(`${key}\n`);
    cursor = next;
  } while (cursor !== '0' && !output.full);
  return undefined;
}

/** formatReply shows a reply as redis-cli does in a terminal. */
export function formatReply(reply: unknown, status = false, indent = ''): string {
  if (reply === null || reply === undefined) return '(nil)\n';
  if (typeof reply === 'number') return `(integer) ${reply}\n`;
  if (Buffer.isBuffer(reply)) return formatReply(reply.toString('utf8'), status, indent);
  if (typeof reply === 'string') {
    // INFO, CLIENT LIST and the like are text meant to be read as lines.
    if (status || reply.includes('\n')) return `${reply.replaceAll('\r\n', '\n').replace(/\n?$/, '\n')}`;
    return `${JSON.stringify(reply)}\n`;
  }
  if (Array.isArray(reply)) {
    if (reply.length === 0) return '(empty array)\n';
    const width = String(reply.length).length;
    return reply
      .map((item, index) => {
        const label = `${String(index + 1).padStart(width)}) `;
        const inner = formatReply(item, false, `${indent}${' '.repeat(label.length)}`);
        return `${index === 0 ? '' : indent}${label}${inner}`;
      })
      .join('');
  }
  return `${String(reply)}\n`;
}

/** maskConfig hides the values of CONFIG GET pairs whose names hold a password (requirepass, masterauth). */
function maskConfig(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply;
  return reply.map((item, index) =>
    index % 2 === 1 && SECRET_CONFIG.test(String(reply[index - 1])) && item !== '' ? '****' : item,
  );
}

function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

// redis-cli's options that take a value; the others are flags, ignored.
const VALUED = new Set(
  '-h -p -s -a -u -r -i -n -d -D -e --user --pass --sni --cacert --cacertdir --cert --key --tls-ciphers --tls-ciphersuites --eval --pattern --count --rdb --memkeys-samples -3'.split(
    ' ',
  ),
);
const HEAVY = new Set([
  '--bigkeys',
  '--memkeys',
  '--hotkeys',
  '--stat',
  '--latency',
  '--latency-history',
  '--latency-dist',
  '--rdb',
  '--pipe',
  '--eval',
  '--functions-rdb',
  '-r',
  '-i',
  '--replica',
  '--slave',
]);

/**
 * readRedis reads a `redis-cli` line or a bare command, and finds its server: `-u URL` (with
 * `$REDIS_URL` expanded), else the step's service, else the runbook's only Redis, else `-h`/`-p`;
 * `-h`, `-p`, `-a`, `--user`, `-n` and `--tls` then override parts of the URL.
 */
export function readRedis(request: StepRequest, vars: Vars): RedisStep | Unreadable {
  const text = request.step.run.trim();
  const pipeline = deletePipeline(text);
  if (pipeline !== undefined) {
    const left = readRedis({ ...request, step: { ...request.step, run: pipeline.source } }, vars);
    const command = parseShell(text, 0)
      .commands.map((c) => displayWords(c.words))
      .join(' | ');
    if ('refused' in left || 'failed' in left) return { ...left, command };
    const { scan, ...server } = left;
    const pattern = scan ? scan.pattern : left.argv[1];
    if (pattern === undefined)
      return { command, refused: 'redis-cli --scan without --pattern would delete every key: write FLUSHDB' };
    // No `scan` here: the step is a deletion, checked as DEL or UNLINK in read mode.
    return {
      ...server,
      command,
      argv: [pipeline.command],
      deleteMatches: { pattern, command: pipeline.command },
    };
  }
  const { commands, end } = parseShell(text, 0);
  const line = commands[0];
  const words = line?.words ?? [];
  const command = displayWords(words);
  if (!line || words.length === 0) return { command: text, refused: 'no Redis command' };
  if (commands.length > 1 || text.slice(end).trim() !== '')
    return { command, refused: 'several commands: split them into steps' };
  if (line.substitutions.length > 0) return { command, refused: 'a command substitution needs a shell' };
  if (line.heredoc !== undefined || line.redirects.some((r) => r.op.startsWith('<'))) {
    return { command, refused: 'commands fed to redis-cli from input: write one command per step' };
  }
  const missing = new Set<string>();
  const value = (word: string): string => {
    const expanded = expand(word, vars);
    for (const name of expanded.missing) missing.add(name);
    return expanded.text;
  };
  const options: Record<string, string> = {};
  const flags = new Set<string>();
  let argv: string[] = words;
  if (words[0] === 'redis-cli') {
    argv = [];
    let i = 1;
    for (; i < words.length; i++) {
      const word = words[i]!;
      if (!word.startsWith('-') || word === '-') break;
      if (HEAVY.has(word))
        return { command, refused: `redis-cli ${word} is a long-running tool: run it by hand` };
      if (VALUED.has(word)) {
        const given = words[++i];
        if (given === undefined) return { command, refused: `redis-cli ${word} needs a value` };
        options[word] = given;
      } else flags.add(word);
    }
    argv = words.slice(i).map(value);
    if (argv.length === 0 && !flags.has('--scan')) {
      return {
        command,
        refused: 'redis-cli without a command opens a prompt: write the command in the step',
      };
    }
  } else argv = words.map(value);

  const given = (name: string): string | undefined =>
    options[name] === undefined ? undefined : value(options[name]);
  const secrets: string[] = [];
  // An unset `$REDIS_URL` after -u leaves the choice to the runbook's services.
  let url = options['-u'] === undefined ? undefined : expand(options['-u'], vars).text || undefined;
  if (url === undefined) {
    const endpoint = endpointOf(request, 'redis');
    if (endpoint && 'error' in endpoint) return { command, failed: endpoint.error };
    url = endpoint?.address;
  }
  const host = given('-h');
  const port = given('-p');
  const password = given('-a') ?? given('--pass');
  const user = given('--user');
  const db = given('-n');
  if (missing.size > 0) {
    return {
      command,
      failed: `the step uses ${[...missing].map((name) => `$${name}`).join(', ')}, which is not set`,
    };
  }
  if (url === undefined && (host !== undefined || port !== undefined)) url = 'redis://127.0.0.1:6379';
  if (url === undefined)
    return { command, failed: 'no Redis to ask: declare a service with `redis:` in the runbook' };
  try {
    const parsed = new URL(url);
    if (host) parsed.hostname = host;
    if (port) parsed.port = port;
    if (user) parsed.username = encodeURIComponent(user);
    if (password) {
      parsed.password = encodeURIComponent(password);
      secrets.push(password);
    }
    if (db !== undefined) parsed.pathname = `/${db}`;
    if (flags.has('--tls')) parsed.protocol = 'rediss:';
    url = parsed.href;
  } catch {
    return { command, refused: `'${url}' is not a Redis URL; write it like redis://host:6379/0` };
  }
  secrets.push(...passwordForms(url));
  if (flags.has('--scan')) return { command, url, argv: [], scan: { pattern: given('--pattern') }, secrets };
  return { command, url, argv, secrets };
}
