/**
 * Which service a step talks to. A step may name its service; otherwise a step that needs a
 * PostgreSQL or a Redis goes to the runbook's only one, and asks to be told when there are several.
 */
import type { ServiceEndpoints, StepRequest } from './step.ts';

/** Endpoint is the address of one service, or why none could be chosen. */
export type Endpoint = { readonly service: string; readonly address: string } | { readonly error: string };

const WHAT: Readonly<Record<keyof ServiceEndpoints, string>> = {
  url: 'URL',
  postgres: 'PostgreSQL connection string',
  redis: 'Redis URL',
  host: 'host',
};

/**
 * endpointOf gives the `field` address of the step's service, else of the only service that has
 * one; undefined when no service has one and the step names none.
 */
export function endpointOf(request: StepRequest, field: keyof ServiceEndpoints): Endpoint | undefined {
  const named = request.step.service;
  if (named !== undefined) {
    const service = request.services[named];
    if (!service) return { error: `the step names service '${named}', which the runbook does not declare` };
    const address = service[field];
    if (!address) return { error: `service '${named}' has no ${WHAT[field]}` };
    return { service: named, address };
  }
  const candidates = Object.entries(request.services).filter(([, service]) => service[field]);
  if (candidates.length === 0) return undefined;
  if (candidates.length > 1) {
    const ids = candidates.map(([id]) => id).join(', ');
    return { error: `several services have a ${WHAT[field]} (${ids}): set \`service:\` on the step` };
  }
  const [service, endpoints] = candidates[0]!;
  return { service, address: endpoints[field]! };
}

/** endpointSecrets lists the passwords inside every service address, which no output may show. */
export function endpointSecrets(services: StepRequest['services']): string[] {
  const found: string[] = [];
  for (const service of Object.values(services)) {
    for (const address of [service.url, service.postgres, service.redis]) {
      if (address !== undefined) found.push(...passwordForms(address));
    }
  }
  return found;
}

/** passwordOf gives the password of `scheme://user:password@host…` or `…?password=…`, decoded as written. */
export function passwordOf(address: string): string | undefined {
  const written = /^[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:([^\s/]*)@/i.exec(address)?.[1];
  return written || /[?&]password=([^&\s]*)/i.exec(address)?.[1] || undefined;
}

/** passwordForms gives the password of an address as written and percent-decoded, since output may show either; none when it has none. */
export function passwordForms(address: string): string[] {
  const password = passwordOf(address);
  return password ? [password, safeDecode(password)] : [];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
