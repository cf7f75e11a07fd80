/**
 * The dns probe: ask resolvers for one record type of one name, and give the answers as plain
 * strings so conditions compare them as written (`answers contains "10 mx1.example.com"`).
 */
import type { MxRecord, SrvRecord } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { describeError } from '../errors.ts';
import { abortMessage, elapsed, failure, type Probe, type ProbeTarget } from './probe.ts';

/** DnsProbeOptions chooses the resolvers the dns probe asks. */
export interface DnsProbeOptions {
  /** Resolver addresses (`127.0.0.1:5353`, `[::1]:53`); the system's when absent. */
  readonly servers?: readonly string[];
}

type RecordType = NonNullable<ProbeTarget['record']>;

/** dnsProbe observes the records of a host name (type from `record`, A when absent); values: `answers`, `count`. */
export function dnsProbe(options: DnsProbeOptions = {}): Probe {
  return {
    kind: 'dns',
    async run(target, signal) {
      const record = target.record ?? 'A';
      const subject = `${record} ${target.target}`;
      const start = performance.now();
      // One resolver per run: cancel() stops every query of a resolver, and only this run's must stop.
      const resolver = new Resolver({ timeout: target.timeout, tries: 1 });
      const onAbort = (): void => resolver.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        if (options.servers) resolver.setServers(options.servers);
        if (signal.aborted) throw signal.reason;
        const answers = format(record, await resolver.resolve(target.target, record));
        return { ok: true, latency: elapsed(start), values: { answers, count: answers.length } };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // NODATA is an answer: the name exists without records of this type.
        if (code === 'ENODATA')
          return { ok: true, latency: elapsed(start), values: { answers: [], count: 0 } };
        if (signal.aborted) return failure(start, `${subject}: ${abortMessage(signal, target.timeout)}`);
        // The resolver's own clock is set to the same limit and may ring first.
        if (code === 'ETIMEOUT') return failure(start, `${subject}: timed out after ${target.timeout}ms`);
        const hint = code === 'ENOTFOUND' ? ' (NXDOMAIN: no such name)' : '';
        return failure(start, `${subject}: ${describeError(error)}${hint}`, { answers: [], count: 0, code });
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

/** format turns the resolver's answers of one type into strings. */
function format(record: RecordType, answers: unknown): string[] {
  switch (record) {
    case 'MX':
      return (answers as MxRecord[]).map((mx) => `${mx.priority} ${mx.exchange}`);
    case 'TXT':
      // A TXT record arrives as its 255-byte chunks; the text is their concatenation.
      return (answers as string[][]).map((chunks) => chunks.join(''));
    case 'SRV':
      return (answers as SrvRecord[]).map((srv) => `${srv.priority} ${srv.weight} ${srv.port} ${srv.name}`);
    default:
      return answers as string[];
  }
}
