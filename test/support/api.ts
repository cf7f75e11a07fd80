/**
 * Calling a running Vigie's API the way another client would: a bearer token, JSON in, and the
 * answer read as JSON when it says so (as text otherwise, a post-mortem's Markdown for one).
 */
import { request } from 'undici';

/** ApiAnswer is a status and a body, with the body's text as it came. */
export interface ApiAnswer<T> {
  readonly status: number;
  readonly text: string;
  readonly body: T;
}

/** callApi sends one request to `base` with `token` and reads the answer. */
export async function callApi<T = unknown>(
  base: string,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const response = await request(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.body.text();
  const json = String(response.headers['content-type'] ?? '').includes('json');
  return { status: response.statusCode, text, body: (json ? JSON.parse(text) : text) as T };
}

/** LiveEvent is one event read from the API's event stream. */
export interface LiveEvent {
  readonly name: string;
  readonly data: unknown;
}

/** EventStream is an open event stream: what it has read so far, and a way to close it. */
export interface EventStream {
  readonly events: LiveEvent[];
  close(): void;
}

/** openEvents opens the API's event stream with `token` and keeps every event it reads. */
export async function openEvents(base: string, token: string): Promise<EventStream> {
  const response = await request(`${base}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } });
  const events: LiveEvent[] = [];
  let buffer = '';
  response.body.setEncoding('utf8');
  response.body.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const name = lines.find((line) => line.startsWith('event: '))?.slice(7);
      const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
      if (name && data) events.push({ name, data: JSON.parse(data) });
    }
  });
  response.body.on('error', () => {});
  return { events, close: () => response.body.destroy() };
}
