/**
 * The http probe: one request over pooled keep-alive connections, redirects followed here rather
 * than by undici so the observation can tell where it ended and after how many hops, and a body
 * read only up to a bound so a huge or endless answer cannot exhaust memory.
 */
import { Agent, type Dispatcher, request } from 'undici';
import { describeError } from '../errors.ts';
import { abortMessage, elapsed, failure, type Observation, type Probe, type ProbeTarget } from './probe.ts';

const MAX_REDIRECTS = 5;
const MAX_BODY_READ = 1024 * 1024;
const MAX_BODY_TEXT = 64 * 1024;
// Credentials meant for one origin must not follow a redirect to another.
const ORIGIN_BOUND = ['authorization', 'cookie', 'proxy-authorization'];

/** REDIRECT_STATUSES are the statuses whose `location` Vigie follows. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** AgentPool holds pooled keep-alive connections, one pool per TLS verification setting. */
export interface AgentPool {
  /** agentFor gives the pool for `verify`, made on first use. */
  agentFor(verify: boolean): Agent;
  /** close closes every pool made so far. */
  close(): Promise<void>;
}

/**
 * agentPool makes an empty AgentPool. One pool per verification setting: a connection opened
 * without verification must never serve a request that wants it.
 */
export function agentPool(): AgentPool {
  const agents = new Map<boolean, Agent>();
  return {
    agentFor(verify) {
      let agent = agents.get(verify);
      if (!agent) {
        agent = new Agent({ connect: { rejectUnauthorized: verify } });
        agents.set(verify, agent);
      }
      return agent;
    },
    async close() {
      await Promise.all([...agents.values()].map((agent) => agent.close()));
      agents.clear();
    },
  };
}

/** Redirected is the request that follows a redirect; `bodyDropped` says it goes without the body. */
export interface Redirected {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly bodyDropped: boolean;
}

/**
 * redirected gives the request that follows a `status` redirect from `from` to `location`: the
 * credentials meant for one origin dropped when it leaves that origin, and, as browsers do, a GET
 * without a body after a 303 (but a HEAD), or after a 301 or 302 of a POST.
 */
export function redirected(
  from: URL,
  location: string,
  status: number,
  method: string,
  headers: Readonly<Record<string, string>>,
): Redirected {
  const url = new URL(location, from);
  const kept = { ...headers };
  if (url.origin !== from.origin) for (const name of ORIGIN_BOUND) delete kept[name];
  const bodyDropped = status === 303 ? method !== 'HEAD' : status <= 302 && method === 'POST';
  return { url, method: bodyDropped ? 'GET' : method, headers: kept, bodyDropped };
}

/**
 * httpProbe observes one HTTP exchange; values: `status`, `headers`, `body` (JSON when it parses),
 * `body_text` (first 64 KB), `url` (after redirects) and `redirects`.
 */
export function httpProbe(): Probe {
  const agents = agentPool();
  return {
    kind: 'http',
    async run(target, signal) {
      const start = performance.now();
      const subject = `${(target.method ?? 'GET').toUpperCase()} ${target.target}`;
      try {
        return await exchange(target, signal, agents.agentFor(target.verifyTls !== false), start);
      } catch (error) {
        const why = signal.aborted ? abortMessage(signal, target.timeout) : describeError(error);
        return failure(start, `${subject}: ${why}`);
      }
    },
    close: () => agents.close(),
  };
}

/** exchange makes the request and follows its redirects; it throws what stopped it. */
async function exchange(
  target: ProbeTarget,
  signal: AbortSignal,
  dispatcher: Dispatcher,
  start: number,
): Promise<Observation> {
  let url = new URL(target.target);
  let method = (target.method ?? 'GET').toUpperCase();
  let body = target.body;
  let headers: Record<string, string> = { 'user-agent': 'Vigie' };
  for (const [name, value] of Object.entries(target.headers ?? {})) headers[name.toLowerCase()] = value;
  for (let redirects = 0; ; redirects++) {
    const response = await request(url, { method, headers, body, signal, dispatcher });
    const status = response.statusCode;
    const location = response.headers.location;
    if (target.followRedirects !== false && REDIRECT_STATUSES.has(status) && typeof location === 'string') {
      await response.body.dump();
      if (redirects === MAX_REDIRECTS)
        throw new Error(`stopped after ${MAX_REDIRECTS} redirects, at ${url.href}`);
      const next = redirected(url, location, status, method, headers);
      ({ url, method, headers } = next);
      if (next.bodyDropped) {
        body = undefined;
        delete headers['content-type'];
        delete headers['content-length'];
      }
      continue;
    }
    const text = await readBounded(response.body);
    return {
      ok: true,
      latency: elapsed(start),
      values: {
        status,
        headers: response.headers,
        body: parseBody(text, response.headers['content-type']),
        body_text: text.length > MAX_BODY_TEXT ? text.slice(0, MAX_BODY_TEXT) : text,
        url: url.href,
        redirects,
      },
    };
  }
}

/** readBounded reads at most MAX_BODY_READ bytes, then drops the connection rather than drain the rest. */
async function readBounded(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const part = size + chunk.length > MAX_BODY_READ ? chunk.subarray(0, MAX_BODY_READ - size) : chunk;
    chunks.push(part);
    size += part.length;
    if (size >= MAX_BODY_READ) break; // leaving the loop destroys the stream and its socket
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** parseBody gives JSON when the server says so or the text looks like an object or array, else the text. */
function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  const declared = typeof contentType === 'string' && /\bjson\b/i.test(contentType);
  // A bare "OK" or "1" stays text, so `body == "1"` means what it says.
  if (!declared && !/^\s*[[{]/.test(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
