/**
 * Who is asking, checked at the edge. The CLI and other systems send `Authorization: Bearer <token>`;
 * a browser signs in once with a token and then carries an HttpOnly, SameSite=Strict session cookie,
 * and every state-changing request from it must echo the session's CSRF token in `x-csrf-token`
 * (and, when the browser sends an Origin, come from this origin). Roles are checked per route.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncidentStore, SessionRecord, TokenRecord } from '../store/incidents.ts';
import { allows, authenticate, type Role } from './tokens.ts';

/** SESSION_COOKIE names the browser session cookie. */
export const SESSION_COOKIE = 'vigie_session';
/** SESSION_TTL_MS is how long a browser session lasts: a 12-hour shift. */
export const SESSION_TTL_MS = 12 * 3_600_000;

/** Caller is an authenticated request's identity. */
export interface Caller {
  readonly token: TokenRecord;
  readonly via: 'bearer' | 'session';
  readonly session?: SessionRecord;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** AuthFailure is why a request is refused, in the API's error vocabulary. */
export interface AuthFailure {
  readonly code: 'API_UNAUTHENTICATED' | 'API_FORBIDDEN' | 'API_CSRF';
  readonly message: string;
  readonly fix: string;
}

const hash = (secret: string): string => createHash('sha256').update(secret).digest('hex');

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** How long a bearer token's lookup is reused: a revoked token stops working within a second. */
const TOKEN_MEMORY_MS = 1000;
const tokenMemory = new WeakMap<IncidentStore, Map<string, { at: number; token: TokenRecord | undefined }>>();

/** knownToken authenticates a bearer token, remembering the answer for a second per store. */
function knownToken(store: IncidentStore, secret: string, now: number): TokenRecord | undefined {
  let memory = tokenMemory.get(store);
  if (!memory) {
    memory = new Map();
    tokenMemory.set(store, memory);
  }
  const known = memory.get(secret);
  if (known && now - known.at < TOKEN_MEMORY_MS && now >= known.at) return known.token;
  const token = authenticate(store, secret);
  if (memory.size >= 1000) memory.clear();
  memory.set(secret, { at: now, token });
  return token;
}

/** openSession stores a new session for a token and gives the cookie secret and the CSRF token. */
export function openSession(
  store: IncidentStore,
  token: TokenRecord,
  now: number,
): { secret: string; session: SessionRecord } {
  const secret = randomBytes(32).toString('base64url');
  const session: SessionRecord = {
    hash: hash(secret),
    tokenId: token.id,
    csrf: randomBytes(24).toString('base64url'),
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  };
  store.addSession(session);
  return { secret, session };
}

/** closeSession forgets the session whose cookie secret this is. */
export function closeSession(store: IncidentStore, secret: string): void {
  store.deleteSession(hash(secret));
}

/**
 * identify finds the caller of a request: a bearer token first, else the session cookie; a session
 * whose token was revoked is no session.
 */
export function identify(store: IncidentStore, request: FastifyRequest, now: number): Caller | AuthFailure {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const token = match ? knownToken(store, match[1]!, now) : undefined;
    if (!token) {
      return {
        code: 'API_UNAUTHENTICATED',
        message: 'the token is unknown or revoked',
        fix: 'send "Authorization: Bearer <token>" with a token from vigie token create',
      };
    }
    return { token, via: 'bearer' };
  }
  const secret = (request.cookies as Record<string, string | undefined> | undefined)?.[SESSION_COOKIE];
  const session = secret ? store.session(hash(secret), now) : undefined;
  const token = session ? store.tokenById(session.tokenId) : undefined;
  if (!session || !token) {
    return {
      code: 'API_UNAUTHENTICATED',
      message: 'this route needs a token or a signed-in session',
      fix: 'send "Authorization: Bearer <token>" (vigie token create --role responder), or sign in at /login',
    };
  }
  return { token, via: 'session', session };
}

/** authorize checks a caller's role and, for a browser session changing state, its CSRF token and origin. */
export function authorize(caller: Caller, request: FastifyRequest, role: Role): AuthFailure | undefined {
  if (!allows(caller.token.role, role)) {
    return {
      code: 'API_FORBIDDEN',
      message: `a ${caller.token.role} token may not do this; it needs ${role}`,
      fix: `use a token created with --role ${role}`,
    };
  }
  if (caller.via === 'session' && !SAFE_METHODS.has(request.method)) {
    const sent = request.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !caller.session || !same(sent, caller.session.csrf)) {
      return {
        code: 'API_CSRF',
        message: 'a change from a browser session needs its CSRF token',
        fix: 'send the x-csrf-token header with the csrf value of GET /api/v1/session',
      };
    }
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== 'null' && new URL(origin).host !== request.headers.host) {
      return {
        code: 'API_CSRF',
        message: `a change from another site (${origin}) is refused`,
        fix: 'use Vigie from its own address',
      };
    }
  }
  return undefined;
}

/** actorOf names who made a request, for timelines and the audit log. */
export function actorOf(request: { caller?: { token: { name: string } } }): string {
  return request.caller?.token.name ?? 'api';
}

/** Guard is a Fastify preHandler that lets through callers with at least `role`. */
export type Guard = (role: Role) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** makeGuard builds the route guard over a store and a clock; `fail` writes the error answer. */
export function makeGuard(
  store: IncidentStore,
  now: () => number,
  fail: (reply: FastifyReply, failure: AuthFailure) => FastifyReply,
): Guard {
  return (role) => async (request, reply) => {
    const caller = identify(store, request, now());
    if ('code' in caller) return fail(reply, caller);
    const refused = authorize(caller, request, role);
    if (refused) return fail(reply, refused);
    request.caller = caller;
    return undefined;
  };
}
