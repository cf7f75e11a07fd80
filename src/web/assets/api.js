/**
 * The dashboard's side of the JSON API: requests with the session cookie (and the CSRF token on every
 * change), the signed-in user, and live updates over Server-Sent Events with a poll when the stream fails.
 */
import { problem, replace } from './dom.js';

/** ApiError is an error answer of the API: `{ error: { code, message, fix } }`. */
export class ApiError extends Error {
  constructor(status, code, message, fix) {
    super(message);
    this.status = status;
    this.code = code;
    this.fix = fix;
  }
}

/** loginUrl is the sign-in page, coming back to this page afterwards. */
export function loginUrl() {
  return `/login?next=${encodeURIComponent(location.pathname + location.search + location.hash)}`;
}

/**
 * api sends one request and gives the decoded answer. A 401 sends the browser to the sign-in page
 * (unless `signIn: false`) and still throws, so the caller stops.
 */
export async function api(path, { method = 'GET', body, csrf, signIn = true } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (csrf) headers['x-csrf-token'] = csrf;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', `Vigie cannot be reached (${error.message})`, 'check the connection');
  }
  const text = response.status === 204 ? '' : await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    if (response.status === 401 && signIn) location.assign(loginUrl());
    const error = data?.error ?? {};
    throw new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? `Vigie answered ${response.status}`,
      error.fix ?? '',
    );
  }
  return data;
}

/** session gives who is signed in (`{ name, role, csrf }`), or goes to the sign-in page. */
export function session() {
  return api('/api/v1/session');
}

/** mayRespond says whether a role may acknowledge, resolve and comment. */
export function mayRespond(me) {
  return me?.role === 'responder' || me?.role === 'admin';
}

/** showUser fills the header with who is signed in and wires the sign-out button. */
export function showUser(me) {
  const who = document.getElementById('me');
  if (who) who.textContent = `${me.name} · ${me.role}`;
  const button = document.getElementById('signout');
  if (!button) return;
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api('/api/v1/session', { method: 'DELETE', csrf: me.csrf, signIn: false });
    } catch {
      // Signed out already or not: either way the sign-in page is where to go.
    }
    location.assign('/login');
  });
}

const POLL_MS = 10_000;
const RECONNECT_MS = 30_000;

/**
 * live calls `handlers.check`, `handlers.incident` and `handlers.timeline` with each event of the
 * stream. While the stream is down it calls `refresh` every 10 s, and once more when it comes back,
 * so nothing missed in between stays missing.
 */
export function live(handlers, refresh) {
  const badge = document.getElementById('live');
  const show = (state, text) => {
    if (!badge) return;
    badge.hidden = false;
    badge.dataset.state = state;
    badge.textContent = text;
  };
  let poll;
  let source;
  let connectedOnce = false;
  const startPolling = () => {
    poll ??= setInterval(() => refresh().catch(() => {}), POLL_MS);
  };
  const stopPolling = () => {
    clearInterval(poll);
    poll = undefined;
  };
  const connect = () => {
    if (typeof EventSource !== 'function') {
      show('polling', 'polling');
      startPolling();
      return;
    }
    source = new EventSource('/api/v1/events');
    source.addEventListener('open', () => {
      show('live', 'live');
      stopPolling();
      if (connectedOnce) refresh().catch(() => {});
      connectedOnce = true;
    });
    source.addEventListener('error', () => {
      startPolling();
      if (source.readyState === EventSource.CLOSED) {
        // The server refused the stream (signed out, or an old server): poll, and try again later.
        show('polling', 'polling');
        setTimeout(connect, RECONNECT_MS);
      } else {
        show('polling', 'reconnecting…');
      }
    });
    for (const name of ['check', 'incident', 'timeline', 'output', 'maintenance', 'deploy', 'checklist']) {
      source.addEventListener(name, (event) => {
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        handlers[name]?.(data);
      });
    }
  };
  connect();
  return {
    close() {
      stopPolling();
      source?.close();
    },
  };
}

/**
 * rereader gives a `refresh` that reads with `read` and draws the answer with `draw`; calls made while
 * one reads are folded into one more read, and a failure (but a lapsed session, which sends the page
 * to sign in) is shown in `message`.
 */
export function rereader(read, draw, message) {
  let reading;
  let again = false;
  return function refresh() {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      try {
        do {
          again = false;
          draw(await read());
          replace(message);
        } while (again);
      } catch (error) {
        if (error?.status !== 401) replace(message, problem(error));
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  };
}
