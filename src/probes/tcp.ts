/**
 * The tcp probe: can a connection be opened, and how long it took. It also holds the small helpers
 * the other network probes share (reading `host:port`, wording an abort or a socket error), since
 * they all speak in the same terms.
 */
import { connect } from 'node:net';
import { elapsed, failure, type Observation, type Probe } from './probe.ts';

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

/** abortMessage words why `signal` stopped a run, naming the limit when the reason is a timeout. */
export function abortMessage(signal: AbortSignal, timeout: number): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return `timed out after ${timeout}ms`;
  // The scheduler aborts with its own Error, already worded ("timed out after 2000ms").
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return 'aborted';
}

/** describeError gives a network error's message with its code (`ECONNREFUSED`, `CERT_HAS_EXPIRED`) when the message lacks it. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // A connect that tried several addresses fails with an AggregateError whose own message is empty.
  const first: unknown = error instanceof AggregateError ? error.errors[0] : undefined;
  const message = error.message || (first instanceof Error ? first.message : '') || error.name;
  const code = (error as NodeJS.ErrnoException).code;
  return code && !message.includes(code) ? `${message} (${code})` : message;
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
