/**
 * API tokens: a random secret shown once at creation, stored only as its SHA-256 hash, with a role.
 * Roles are ordered: a responder may do what a viewer does, an admin what a responder does.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncidentStore, TokenRecord } from '../store/incidents.ts';

/** ROLES lists the roles, least powerful first. */
export const ROLES = ['viewer', 'responder', 'admin'] as const;
/** Role is what a token may do: viewer reads, responder acts on incidents, admin manages tokens. */
export type Role = (typeof ROLES)[number];

/** TOKEN_PREFIX starts every token, so a leaked one is easy to recognise and to scan for. */
export const TOKEN_PREFIX = 'vgt_';

/** hashToken gives the stored form of a token secret. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** createToken stores a new token and gives its secret, which is never stored nor shown again. */
export function createToken(
  store: IncidentStore,
  role: Role,
  name: string,
  now: number,
): { record: TokenRecord; secret: string } {
  const secret = `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
  const record: TokenRecord = {
    id: `tok_${randomBytes(6).toString('hex')}`,
    hash: hashToken(secret),
    role,
    name,
    createdAt: now,
  };
  store.addToken(record);
  return { record, secret };
}

/** authenticate gives the live token whose secret this is, if any. */
export function authenticate(store: IncidentStore, secret: string): TokenRecord | undefined {
  return secret.startsWith(TOKEN_PREFIX) ? store.tokenByHash(hashToken(secret)) : undefined;
}

/** allows says whether `role` may do what `needed` may. */
export function allows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
