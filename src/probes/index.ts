/**
 * The probe registry: one probe per kind, typed so that a kind without an implementation does not
 * compile. This is the only place that maps a kind to its code.
 */
import type { ProbeKind } from '../runbook/schema.ts';
import { commandProbe } from './command.ts';
import { diskProbe } from './disk.ts';
import { dnsProbe } from './dns.ts';
import { hostProbe } from './host.ts';
import { httpProbe } from './http.ts';
import { postgresProbe } from './postgres.ts';
import type { Probe } from './probe.ts';
import { queueProbe } from './queue.ts';
import { redisProbe } from './redis.ts';
import { sqlProbe } from './sql.ts';
import { tcpProbe } from './tcp.ts';
import { tlsProbe } from './tls.ts';

export type { Observation, Probe, ProbeTarget } from './probe.ts';

/** Probes is one live probe of every kind, sharing their pooled connections until closed. */
export interface Probes {
  readonly byKind: Readonly<Record<ProbeKind, Probe>>;
  /** close releases every pooled connection and agent. */
  close(): Promise<void>;
}

/** createProbes builds the registry: one probe of each kind. */
export function createProbes(): Probes {
  const byKind: Record<ProbeKind, Probe> = {
    http: httpProbe(),
    tcp: tcpProbe(),
    postgres: postgresProbe(),
    redis: redisProbe(),
    queue: queueProbe(),
    tls: tlsProbe(),
    dns: dnsProbe(),
    disk: diskProbe(),
    host: hostProbe(),
    sql: sqlProbe(),
    command: commandProbe(),
  };
  return {
    byKind,
    async close() {
      await Promise.allSettled(Object.values(byKind).map((probe) => probe.close?.()));
    },
  };
}
