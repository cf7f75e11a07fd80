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
