/**
 * The http executor: a `curl …` line (or `GET https://…`, or a bare URL) read into one request and
 * made with undici, the answer shown as curl shows it: the status line and headers for `-I`, the
 * status line and the body otherwise, the `-w` text after. A pipe after the request (`| jq …`) is
 * not applied, and the outcome says so; files are never written (`-o file`). In read mode only GET,
 * HEAD and OPTIONS go out: a request with a body or another method is refused. Parameters fill the
 * URL's path and query only, percent-encoded; a dry run shows the request and sends nothing.
 */
import { STATUS_CODES } from 'node:http';
import { type Dispatcher, request as send } from 'undici';
import { describeError } from '../errors.ts';
import { Capture, type Piece } from '../exec/capture.ts';
import { agentPool, REDIRECT_STATUSES, redirected } from '../probes/http.ts';
import { abortMessage } from '../probes/probe.ts';
import { parseShell } from '../runbook/import/shell.ts';
import { fillUrl, fillWord } from './bind.ts';
import { type Executor, failure, refusal, type Unreadable } from './executor.ts';
import { joinPieces } from './output.ts';
import { endpointOf } from './services.ts';
import type { StepRequest } from './step.ts';
import { displayWords, expand, type Vars, variables } from './words.ts';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const METHODS = /^(?:GET|HEAD|OPTIONS|POST|PUT|PATCH|DELETE)$/;
const DEFAULT_MAX_REDIRECTS = 5;
// Read a little past the cap: redaction may shorten what was read, and the cap applies after it.
const READ_SLACK = 4096;
const SECRET_HEADER = /authorization|api[-_]?key|token|secret|password|cookie/i;

/** CurlRequest is a request line read into its parts, references expanded. */
export interface CurlRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** `-I`: status and headers only; `-i`: headers before the body; else the status line and the body. */
  readonly show: 'head' | 'include' | 'body';
  readonly follow: boolean;
  readonly maxRedirects: number;
  readonly insecure: boolean;
  readonly writeOut?: string;
  /** `-o /dev/null`: the body is read but not shown. */
  readonly discardBody: boolean;
  /** `-m`: curl's own limit, in milliseconds. */
  readonly maxTimeMs?: number;
  readonly notes: readonly string[];
  /** Values the request carries that are secret (a `-u` password, an Authorization header). */
  readonly secrets: readonly string[];
}

/** ReadRequest is a step's text as a request, with the command shown for it, or why it cannot be one. */
export type ReadRequest = { readonly command: string; readonly request: CurlRequest } | Unreadable;

/** httpExecutor makes the request of an http step over pooled connections. */
export function httpExecutor(): Executor {
  const agents = agentPool();
  return {
    kind: 'http',
    async run(request, context) {
      const read = readRequest(request.step.run, variables(request.env), baseUrl(request));
      if ('refused' in read) return refusal(read.command, read.refused);
      if ('failed' in read) return failure(read.command, read.failed);
      const { params } = request;
      const command = fillWord(read.command, params, encodeURIComponent);
      // Parameters go into the path and query only, encoded: they can neither add a header nor change the host.
      const curl = { ...read.request, url: fillUrl(read.request.url, params) };
      const extra = { target: curl.url, notes: curl.notes, secrets: curl.secrets };
      if (context.mode === 'read' && !READ_METHODS.has(curl.method)) {
        return refusal(
          command,
          `${curl.method} may change state: a read step sends only GET, HEAD or OPTIONS`,
          extra,
        );
      }
      if (context.dryRun) {
        const body = curl.body === undefined ? '' : ` with a body of ${Buffer.byteLength(curl.body)} bytes`;
        return {
          command,
          ...extra,
          status: 'dry-run',
          output: [`would send: ${curl.method} ${curl.url}${body}\n`],
        };
      }
      const limit =
        curl.maxTimeMs === undefined
          ? context.signal
          : AbortSignal.any([context.signal, AbortSignal.timeout(curl.maxTimeMs)]);
      try {
        const answer = await exchange(
          curl,
          limit,
          agents.agentFor(!curl.insecure),
          context.outputCap + READ_SLACK,
        );
        const status = answer.status;
        const ended =
          status >= 400
            ? { status: 'failed' as const, error: `HTTP ${statusText(status)}` }
            : { status: 'ok' as const };
        return { command, ...extra, ...ended, output: answer.output, target: answer.url };
      } catch (error) {
        const ownLimit = limit.aborted && !context.signal.aborted;
        const why = limit.aborted
          ? ownLimit
            ? `timed out after ${curl.maxTimeMs}ms (curl -m)`
            : abortMessage(context.signal, context.timeoutMs)
          : describeError(error);
        return failure(command, `${curl.method} ${curl.url}: ${why}`, { ...extra, timedOut: ownLimit });
      }
    },
    close: () => agents.close(),
  };
}

/** baseUrl is the URL of the step's service (or the only one), against which a bare path is resolved. */
function baseUrl(request: StepRequest): string | undefined {
  const endpoint = endpointOf(request, 'url');
  return endpoint && 'address' in endpoint ? endpoint.address : undefined;
}

interface Answer {
  readonly status: number;
  readonly url: string;
  readonly output: Piece[];
}

/** exchange makes the request, follows redirects when asked, and renders the answer as curl would. */
async function exchange(
  curl: CurlRequest,
  signal: AbortSignal,
  dispatcher: Dispatcher,
  limit: number,
): Promise<Answer> {
  const start = performance.now();
  let url = new URL(curl.url);
  let method = curl.method;
  let body = curl.body;
  let headers: Record<string, string> = { 'user-agent': 'Vigie', ...curl.headers };
  let shown = '';
  for (let redirects = 0; ; redirects++) {
    const response = await send(url, { method, headers, body, signal, dispatcher });
    const status = response.statusCode;
    const head = `HTTP/1.1 ${statusText(status)}\n`;
    const headerLines = headerText(response.headers);
    const location = response.headers.location;
    if (
      curl.follow &&
      REDIRECT_STATUSES.has(status) &&
      typeof location === 'string' &&
      redirects < curl.maxRedirects
    ) {
      await response.body.dump();
      if (curl.show !== 'body') shown += `${head}${headerLines}\n`;
      const next = redirected(url, location, status, method, headers);
      ({ url, method, headers } = next);
      if (next.bodyDropped) body = undefined;
      continue;
    }
    const captured = new Capture(limit, 'head');
    let unread = false;
    if (method === 'HEAD' || curl.show === 'head') await response.body.dump();
    else {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        captured.write(chunk);
        if (captured.full) {
          unread = true;
          break; // leaving the loop destroys the stream and its socket
        }
      }
    }
    const prefix =
      curl.show === 'body'
        ? `${head}\n`
        : curl.show === 'head'
          ? `${head}${headerLines}`
          : `${head}${headerLines}\n`;
    const bodyPieces = curl.show === 'head' || curl.discardBody ? [] : captured.pieces(unread);
    const writeOut =
      curl.writeOut === undefined
        ? ''
        : formatWriteOut(curl.writeOut, {
            http_code: String(status),
            response_code: String(status),
            time_total: ((performance.now() - start) / 1000).toFixed(6),
            size_download: String(captured.total),
            url_effective: url.href,
            content_type: String(response.headers['content-type'] ?? ''),
            num_redirects: String(redirects),
            method,
            scheme: url.protocol.replace(':', ''),
            http_version: '1.1',
          });
    return { status, url: url.href, output: joinPieces(shown + prefix, bodyPieces, writeOut) };
  }
}

function statusText(status: number): string {
  const reason = STATUS_CODES[status];
  return reason ? `${status} ${reason}` : String(status);
}

function headerText(headers: Record<string, string | string[] | undefined>): string {
  let text = '';
  for (const [name, value] of Object.entries(headers)) {
    for (const one of Array.isArray(value) ? value : [value])
      if (one !== undefined) text += `${name}: ${one}\n`;
  }
  return text;
}

/** formatWriteOut renders curl's `-w` format: backslash escapes and `%{variable}`; a variable Vigie does not measure is empty. */
export function formatWriteOut(format: string, values: Readonly<Record<string, string>>): string {
  return format.replace(/\\([nrt\\])|%\{([\w.]+)\}|%%/g, (all, escaped?: string, name?: string) => {
    if (escaped !== undefined)
      return escaped === 'n' ? '\n' : escaped === 'r' ? '\r' : escaped === 't' ? '\t' : '\\';
    if (name !== undefined) return values[name] ?? '';
    return all === '%%' ? '%' : all;
  });
}

// curl's options that take a value, short and long; the others are flags.
const SHORT_VALUED = new Set('XHdFTomuAebxwrcDKzEQ'.split(''));
const LONG_VALUED = new Set(
  '--request --header --data --data-raw --data-binary --data-ascii --data-urlencode --json --form --upload-file --output --max-time --connect-timeout --user --user-agent --referer --cookie --proxy --write-out --range --cookie-jar --dump-header --config --time-cond --cert --key --cacert --capath --retry --retry-delay --retry-max-time --resolve --limit-rate --interface --max-redirs --url --max-filesize --oauth2-bearer --aws-sigv4'.split(
    ' ',
  ),
);
const LONG_NAMES: Readonly<Record<string, string>> = {
  X: '--request',
  H: '--header',
  d: '--data',
  F: '--form',
  T: '--upload-file',
  o: '--output',
  m: '--max-time',
  u: '--user',
  A: '--user-agent',
  e: '--referer',
  b: '--cookie',
  x: '--proxy',
  w: '--write-out',
  r: '--range',
  c: '--cookie-jar',
  D: '--dump-header',
  K: '--config',
  z: '--time-cond',
  E: '--cert',
  Q: '--quote',
  I: '--head',
  i: '--include',
  s: '--silent',
  S: '--show-error',
  f: '--fail',
  L: '--location',
  k: '--insecure',
  G: '--get',
  v: '--verbose',
  O: '--remote-name',
  N: '--no-buffer',
  g: '--globoff',
  '4': '--ipv4',
  '6': '--ipv6',
  '#': '--progress-bar',
};
const IGNORED_FLAGS = new Set(
  '--silent --show-error --verbose --no-buffer --globoff --ipv4 --ipv6 --progress-bar --compressed --http1.1 --http2 --no-progress-meter --fail --fail-with-body --no-keepalive'.split(
    ' ',
  ),
);
const IGNORED_VALUED = new Set(
  '--connect-timeout --retry --retry-delay --retry-max-time --resolve --limit-rate --interface --max-filesize --cacert --capath --cert --key --time-cond --range --dump-header --cookie-jar --proxy'.split(
    ' ',
  ),
);

/**
 * readRequest reads a step's text as one HTTP request: `curl [options] URL`, `METHOD URL` or `URL`,
 * `$VAR` references expanded from `vars`, a bare path resolved against `base`. A pipe after it is
 * noted as not applied; a second command or a command substitution is refused.
 */
export function readRequest(text: string, vars: Vars, base?: string): ReadRequest {
  const { commands, end } = parseShell(text.trim(), 0);
  const first = commands[0];
  const words = first?.words ?? [];
  const command = displayWords(words);
  if (!first || words.length === 0) return { command: text.trim(), refused: 'no request to make' };
  const rest = text.trim().slice(end).trim();
  if (commands.slice(1).some((next) => !next.piped) || (rest !== '' && !rest.startsWith('#'))) {
    return { command, refused: 'several commands: split them into steps' };
  }
  if (commands.some((one) => one.substitutions.length > 0)) {
    return {
      command,
      refused: 'a command substitution needs a shell: write the value in the runbook or as $VAR',
    };
  }
  const notes: string[] = [];
  const piped = commands.slice(1).map((next) => displayWords(next.words));
  if (piped.length > 0)
    notes.push(`\`| ${piped.join(' | ')}\` was not applied: the response is shown as received`);
  for (const redirect of first.redirects) {
    if (!/^\/dev\/null$/.test(redirect.target))
      notes.push(`\`${redirect.op} ${redirect.target}\` was not written`);
  }

  const missing = new Set<string>();
  const value = (word: string): string => {
    const expanded = expand(word, vars);
    for (const name of expanded.missing) missing.add(name);
    return expanded.text;
  };
  const parsed = words[0] === 'curl' ? readCurl(words.slice(1), value, notes) : readPlain(words, value);
  if ('refused' in parsed) return { command, refused: parsed.refused };
  if (missing.size > 0) {
    return {
      command,
      failed: `the step uses ${[...missing].map((name) => `$${name}`).join(', ')}, which is not set`,
    };
  }
  const url = resolveUrl(parsed.url, base);
  if ('refused' in url) return { command, refused: url.refused };
  return { command, request: { ...parsed, url: url.href, notes } };
}

type Parsed = Omit<CurlRequest, 'notes'> | { readonly refused: string };

/** readPlain reads `METHOD URL` or a bare URL. */
function readPlain(words: readonly string[], value: (word: string) => string): Parsed {
  const [first, second] = words;
  const method = first !== undefined && METHODS.test(first) ? first : undefined;
  const url = method === undefined ? first : second;
  if (
    url === undefined ||
    words.length > (method === undefined ? 1 : 2) ||
    !/^(?:https?:\/\/|\/)/i.test(url)
  ) {
    return { refused: 'not a request this executor reads: write `curl URL`, `GET URL` or the URL alone' };
  }
  return {
    method: method ?? 'GET',
    url: value(url),
    headers: {},
    show: 'body',
    follow: false,
    maxRedirects: DEFAULT_MAX_REDIRECTS,
    insecure: false,
    discardBody: false,
    secrets: [],
  };
}

/** readCurl reads curl's options; the ones that change nothing Vigie shows are skipped, the unknown ones noted. */
function readCurl(args: readonly string[], value: (word: string) => string, notes: string[]): Parsed {
  let method: string | undefined;
  let url: string | undefined;
  const headers: Record<string, string> = {};
  const data: string[] = [];
  const secrets: string[] = [];
  let show: CurlRequest['show'] = 'body';
  let follow = false;
  let maxRedirects = DEFAULT_MAX_REDIRECTS;
  let insecure = false;
  let writeOut: string | undefined;
  let discardBody = false;
  let maxTimeMs: number | undefined;
  let get = false;
  let upload: 'POST' | 'PUT' | undefined;
  const options = expandOptions(args);
  if ('refused' in options) return options;
  for (const { name, arg } of options.list) {
    const given = arg === undefined ? undefined : value(arg);
    switch (name) {
      case 'url':
        if (url !== undefined) return { refused: 'several URLs: make one request per step' };
        url = given;
        break;
      case '--url':
        url = given;
        break;
      case '--head':
        show = 'head';
        break;
      case '--include':
        if (show !== 'head') show = 'include';
        break;
      case '--request':
        method = given?.toUpperCase();
        break;
      case '--header': {
        const header = given ?? '';
        const colon = header.indexOf(':');
        const semicolon = header.endsWith(';') && colon < 0;
        const key = (semicolon ? header.slice(0, -1) : colon < 0 ? header : header.slice(0, colon))
          .trim()
          .toLowerCase();
        const content = semicolon || colon < 0 ? '' : header.slice(colon + 1).trim();
        if (colon >= 0 && content === '') delete headers[key];
        else headers[key] = content;
        if (SECRET_HEADER.test(key) && content !== '') secrets.push(content, content.replace(/^\S+\s+/, ''));
        break;
      }
      case '--data':
      case '--data-raw':
      case '--data-binary':
      case '--data-ascii':
      case '--data-urlencode':
        if (given?.startsWith('@') && name !== '--data-raw')
          return { refused: `${name} @file reads a file: put the data in the step` };
        data.push(given ?? '');
        break;
      case '--json':
        data.push(given ?? '');
        headers['content-type'] ??= 'application/json';
        headers.accept ??= 'application/json';
        break;
      case '--form':
        upload = 'POST';
        data.push(given ?? '');
        break;
      case '--upload-file':
        upload = 'PUT';
        data.push(given ?? '');
        break;
      case '--get':
        get = true;
        break;
      case '--location':
        follow = true;
        break;
      case '--max-redirs':
        maxRedirects = Math.max(0, Number(given) || 0);
        break;
      case '--insecure':
        insecure = true;
        break;
      case '--write-out':
        writeOut = given;
        break;
      case '--output':
        if (given === '/dev/null') discardBody = true;
        else notes.push(`\`-o ${arg}\` was not written: the body is shown`);
        break;
      case '--remote-name':
        notes.push('`-O` was not written: the body is shown');
        break;
      case '--max-time': {
        const seconds = Number(given);
        if (Number.isFinite(seconds) && seconds > 0) maxTimeMs = Math.round(seconds * 1000);
        break;
      }
      case '--user': {
        const credentials = given ?? '';
        headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
        const colon = credentials.indexOf(':');
        if (colon >= 0) secrets.push(credentials.slice(colon + 1));
        secrets.push(headers.authorization.slice(6));
        break;
      }
      case '--oauth2-bearer':
        headers.authorization = `Bearer ${given ?? ''}`;
        secrets.push(given ?? '');
        break;
      case '--user-agent':
        headers['user-agent'] = given ?? '';
        break;
      case '--referer':
        headers.referer = given ?? '';
        break;
      case '--cookie':
        if (given?.includes('=')) {
          headers.cookie = given;
          secrets.push(given);
        } else notes.push(`cookie file \`${arg}\` was not read`);
        break;
      case '--config':
      case '--quote':
      case '--aws-sigv4':
        return { refused: `curl ${name} is not supported: write the request out in the step` };
      default:
        if (IGNORED_FLAGS.has(name) || IGNORED_VALUED.has(name)) break;
        notes.push(`curl option \`${name}\` was ignored`);
    }
  }
  if (url === undefined) return { refused: 'curl without a URL' };
  let body: string | undefined;
  if (data.length > 0 && get) url += (url.includes('?') ? '&' : '?') + data.join('&');
  else if (data.length > 0) body = data.join('&');
  if (body !== undefined && upload === undefined)
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  const implied = show === 'head' ? 'HEAD' : body === undefined ? 'GET' : (upload ?? 'POST');
  return {
    method: method ?? implied,
    url,
    headers,
    body,
    show,
    follow,
    maxRedirects,
    insecure,
    writeOut,
    discardBody,
    maxTimeMs,
    secrets: secrets.filter((secret) => secret !== ''),
  };
}

interface Option {
  readonly name: string;
  readonly arg?: string;
}

/** expandOptions turns curl's words into named options: `-sSL` into three flags, `-XPOST` and `--data=x` into a name and its value, a bare word into `url`. */
function expandOptions(args: readonly string[]): { list: Option[] } | { refused: string } {
  const list: Option[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word.startsWith('--') && word.length > 2) {
      const equals = word.indexOf('=');
      const name = equals < 0 ? word : word.slice(0, equals);
      if (equals >= 0) list.push({ name, arg: word.slice(equals + 1) });
      else if (LONG_VALUED.has(name)) {
        if (i + 1 >= args.length) return { refused: `curl ${name} needs a value` };
        list.push({ name, arg: args[++i] });
      } else list.push({ name });
    } else if (word.startsWith('-') && word.length > 1) {
      for (let j = 1; j < word.length; j++) {
        const letter = word.charAt(j);
        const name = LONG_NAMES[letter] ?? `-${letter}`;
        if (SHORT_VALUED.has(letter)) {
          const attached = word.slice(j + 1);
          if (attached === '' && i + 1 >= args.length) return { refused: `curl -${letter} needs a value` };
          list.push({ name, arg: attached !== '' ? attached : args[++i] });
          break;
        }
        list.push({ name });
      }
    } else list.push({ name: 'url', arg: word });
  }
  return { list };
}

/** resolveUrl makes the request's URL absolute: a path against the service's URL, a host without scheme as http, as curl does. */
function resolveUrl(written: string, base: string | undefined): { href: string } | { refused: string } {
  const placeholder = /<[^>]*>/.exec(written);
  if (placeholder)
    return {
      refused: `the URL holds a placeholder (${placeholder[0]}): write the real address in the runbook`,
    };
  let text = written;
  if (text.startsWith('/')) {
    if (base === undefined)
      return { refused: `${written} has no host: set \`service:\` on the step, or write the full URL` };
    text = new URL(text.slice(1), base.endsWith('/') ? base : `${base}/`).href;
  } else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return { refused: `${url.protocol} is not HTTP` };
    return { href: url.href };
  } catch {
    return { refused: `'${written}' is not a URL` };
  }
}
