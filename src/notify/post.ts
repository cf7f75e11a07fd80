/**
 * One JSON POST for the HTTP channels (webhook, Slack): the answer's status decides the result, and
 * the start of an error answer is kept for the message, since providers explain refusals there
 * (`invalid_payload`, `channel_is_archived`).
 */
import { Agent, type Dispatcher, request } from 'undici';
import { describeError } from '../errors.ts';
import { abortWords, failed, isRetryableStatus, type SendResult } from './notifier.ts';

const EXCERPT_BYTES = 512;

/** Post is one request to make: `name` says which endpoint in messages and must hold no secret. */
export interface Post {
  readonly url: string;
  readonly name: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Values to mask in any error message (signing keys, header values, the URL itself). */
  readonly secrets: readonly (string | undefined)[];
}

/** Poster sends posts over pooled keep-alive connections until closed. */
export interface Poster {
  post(post: Post, signal: AbortSignal): Promise<SendResult>;
  close(): Promise<void>;
}

/** createPoster builds a poster with its own connection pool. */
export function createPoster(): Poster {
  let agent: Agent | undefined;
  return {
    async post(post, signal) {
      agent ??= new Agent();
      try {
        return await exchange(post, signal, agent);
      } catch (error) {
        // Network failures and timeouts pass; a request undici refuses to build (bad URL or header) never will.
        const code = (error as NodeJS.ErrnoException).code;
        const retryable = signal.aborted || (code !== 'UND_ERR_INVALID_ARG' && !(error instanceof TypeError));
        const why = signal.aborted ? abortWords(signal) : describeError(error);
        return failed(retryable, `${post.name}: ${why}`, post.secrets);
      }
    },
    async close() {
      await agent?.close();
      agent = undefined;
    },
  };
}

async function exchange(post: Post, signal: AbortSignal, dispatcher: Dispatcher): Promise<SendResult> {
  const response = await request(post.url, {
    method: 'POST',
    headers: post.headers,
    body: post.body,
    signal,
    dispatcher,
  });
  const status = response.statusCode;
  if (status >= 200 && status < 300) {
    await response.body.dump();
    return { ok: true, detail: `HTTP ${status}` };
  }
  const excerpt = await readExcerpt(response.body);
  const hint = status >= 300 && status < 400 ? ' (redirects are not followed: use the final URL)' : '';
  const said = excerpt ? `: ${excerpt}` : '';
  return failed(isRetryableStatus(status), `${post.name}: HTTP ${status}${hint}${said}`, post.secrets);
}

/** readExcerpt reads the start of an error answer as one line, then drops the rest of it. */
async function readExcerpt(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= EXCERPT_BYTES) break; // leaving the loop destroys the stream and its socket
  }
  const text = Buffer.concat(chunks, size).subarray(0, EXCERPT_BYTES).toString('utf8');
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
