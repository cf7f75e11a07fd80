/**
 * The tcp probe: can a connection be opened, and how long it took. It also holds the small helpers
 * the other network probes share (reading `host:port`, wording an abort or a socket error), since
 * they all speak in the same terms.
 */
import { connect } from 'node:net';
import { describeError } from '../errors.ts';
import { abortMessage, elapsed, failure, type Observation, type Probe } from './probe.ts';

/** HostPort is a parsed network target; an IPv6 host comes without its brackets. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** parseHostPort reads `host:port`, `[v6]:port` or a URL, using `defaultPort` when none is written, else throwing. */
export function parseHostPort(text: string, defaultPort?: number): HostPort {
  let host: string | undefined;
  let written: string | undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const url = new URL(text);
    host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    written = url.port || undefined;
  } else {
    const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^\s:/[\]]+)(?::(\d+))?$/.exec(text);
    host = match?.[1];
    written = match?.[2];
  }
  if (!host) throw new Error(`'${text}' is not host:port; write it like db.internal:5432 or [::1]:5432`);
  const port = written === undefined ? defaultPort : Number(written);
  if (port === undefined) throw new Error(`'${text}' has no port; write it like ${host}:5432`);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`'${text}' has a port outside 1-65535`);
  return { host, port };
}

/** tcpProbe observes whether `host:port` accepts a connection; values: `connected`. */
export function tcpProbe(): Probe {
  return {
    kind: 'tcp',
    run(target, signal) {
      const start = performance.now();
      return new Promise<Observation>((resolve) => {
        const down = (why: unknown): Observation => failure(start, why, { connected: false });
        if (signal.aborted) return resolve(down(`${target.target}: ${abortMessage(signal, target.timeout)}`));
        let address: HostPort;
        try {
          address = parseHostPort(target.target);
        } catch (error) {
          return resolve(down(error));
        }
        const socket = connect(address);
        let done = false;
        const finish = (observation: Observation): void => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          resolve(observation);
        };
        const onAbort = (): void => finish(down(`${target.target}: ${abortMessage(signal, target.timeout)}`));
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', () =>
          finish({ ok: true, latency: elapsed(start), values: { connected: true } }),
        );
        socket.on('error', (error) => finish(down(`${target.target}: ${describeError(error)}`)));
      });
    },
  };
}
