/**
 * Who an escalation level reaches. A level names contacts, rotations, channels or roles; this turns
 * the names into deliveries (a channel, and the person it carries the message to) at a given moment,
 * since a rotation's answer changes with the hour. Pure.
 */
import { slugify } from '../runbook/import/outline.ts';
import type { Contact } from '../runbook/schema.ts';
import { onCall, type Rotation } from './rotation.ts';

/** Recipient is the person a delivery is addressed to. */
export interface Recipient {
  readonly id: string;
  readonly name: string;
  readonly email?: string;
}

/** Delivery is one message to send: through a channel, to a person or to the channel itself. */
export interface Delivery {
  readonly channel: string;
  readonly recipient?: Recipient;
}

/** Directory is everything a name in `notify` can point at. */
export interface Directory {
  readonly contacts: readonly Contact[];
  readonly rotations: Readonly<Record<string, Rotation>>;
  /** Declared channels by id; an email channel may carry fallback recipients (`to`). */
  readonly channels: Readonly<Record<string, { readonly type: string; readonly to?: readonly string[] }>>;
}

/** Targets is the outcome of resolving a level's names. */
export interface Targets {
  readonly deliveries: readonly Delivery[];
  /** Human description of who was reached, for the timeline ("alice (on call in primary)"). */
  readonly reached: readonly string[];
  /** Names that point at nothing. */
  readonly unresolved: readonly string[];
}

const fold = (text: string): string => slugify(text.trim());

/** resolveTargets turns the names of one level into deliveries at `now`; an empty list means every channel. */
export function resolveTargets(names: readonly string[], directory: Directory, now: number): Targets {
  const deliveries = new Map<string, Delivery>();
  const reached: string[] = [];
  const unresolved: string[] = [];
  const add = (delivery: Delivery): void => {
    deliveries.set(`${delivery.channel}\u0000${delivery.recipient?.id ?? ''}`, delivery);
  };
  const reachContact = (contact: Contact, why: string): void => {
    reached.push(why);
    const recipient: Recipient = {
      id: contact.id,
      name: contact.name,
      ...(contact.email ? { email: contact.email } : {}),
    };
    for (const channel of contact.channels ?? Object.keys(directory.channels)) {
      const config = directory.channels[channel];
      if (config === undefined) continue;
      // An email channel reaches a person only through their address, or its own fallback list.
      if (config.type === 'email' && !contact.email && !(config.to && config.to.length > 0)) continue;
      add({ channel, recipient });
    }
  };
  if (names.length === 0) {
    for (const channel of Object.keys(directory.channels)) add({ channel });
    reached.push('every channel');
  }
  for (const name of names) {
    const key = fold(name);
    if (Object.hasOwn(directory.channels, name)) {
      add({ channel: name });
      reached.push(`channel ${name}`);
      continue;
    }
    const rotation = directory.rotations[name];
    if (rotation !== undefined) {
      const shift = onCall(rotation, now);
      const contact = directory.contacts.find((candidate) => candidate.id === shift.contact);
      if (contact) reachContact(contact, `${contact.name} (on call in ${name})`);
      else unresolved.push(`${name} → ${shift.contact}`);
      continue;
    }
    const contacts = directory.contacts.filter(
      (contact) =>
        contact.id === name ||
        fold(contact.id) === key ||
        fold(contact.name) === key ||
        (contact.role !== undefined && fold(contact.role) === key),
    );
    if (contacts.length === 0) unresolved.push(name);
    for (const contact of contacts)
      reachContact(contact, contact.name === name ? name : `${contact.name} (${name})`);
  }
  return { deliveries: [...deliveries.values()], reached, unresolved };
}
