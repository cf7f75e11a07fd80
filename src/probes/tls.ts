/**
 * The tls probe: one handshake, then what the certificate says. It never refuses a certificate
 * itself, so an expired or untrusted one is still observed and the check's conditions judge it
 * (`chain_valid == true`, `days_to_expiry > 14`).
 */
import { isIP } from 'node:net';
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';
import { describeError } from '../errors.ts';
import { abortMessage, elapsed, failure, type Observation, type Probe } from './probe.ts';
import { type HostPort, parseHostPort } from './tcp.ts';

const DAY_MS = 86_400_000;

/** TlsProbeOptions adjusts what the tls probe trusts. */
export interface TlsProbeOptions {
  /** CA certificates (PEM) to trust instead of the system store; tests and private PKIs need it. */
  readonly ca?: string | readonly string[];
}

/**
 * tlsProbe observes the certificate at `host:port` (443 when absent); values: `days_to_expiry`,
 * `valid_to`, `issuer`, `subject`, `chain_valid`, `hostname_valid`, `authorization_error`.
 */
export function tlsProbe(options: TlsProbeOptions = {}): Probe {
  const ca = typeof options.ca === 'string' ? options.ca : options.ca?.slice();
  return {
    kind: 'tls',
    run(target, signal) {
      const start = performance.now();
      return new Promise<Observation>((resolve) => {
        if (signal.aborted)
          return resolve(failure(start, `${target.target}: ${abortMessage(signal, target.timeout)}`));
        let address: HostPort;
        try {
          address = parseHostPort(target.target, 443);
        } catch (error) {
          return resolve(failure(start, error));
        }
        const { host, port } = address;
        const socket = connect({
          host,
          port,
          ca,
          rejectUnauthorized: false,
          // SNI carries names only; Node warns when given an IP address.
          ...(isIP(host) ? {} : { servername: host }),
          // Node folds a host name mismatch into `authorized`; keep it out, so chain_valid is the chain alone.
          checkServerIdentity: () => undefined,
        });
        let done = false;
        const finish = (observation: Observation): void => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', onAbort);
          socket.end();
          resolve(observation);
        };
        const onAbort = (): void => {
          finish(failure(start, `${target.target}: ${abortMessage(signal, target.timeout)}`));
          socket.destroy();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        socket.on('error', (error) => {
          finish(failure(start, `${target.target}: ${describeError(error)}`));
          socket.destroy();
        });
        socket.once('secureConnect', () => {
          const latency = elapsed(start);
          const cert = socket.getPeerCertificate();
          if (!cert.valid_to)
            return finish(failure(start, `${target.target}: the server sent no certificate`));
          const notAfter = new Date(cert.valid_to);
          finish({
            ok: true,
            latency,
            values: {
              days_to_expiry: (notAfter.getTime() - Date.now()) / DAY_MS,
              valid_to: notAfter.toISOString(),
              issuer: distinguishedName(cert.issuer),
              subject: distinguishedName(cert.subject),
              chain_valid: socket.authorized,
              hostname_valid: checkServerIdentity(host, cert) === undefined,
              // Typed as an Error, but Node hands over OpenSSL's code as a string.
              authorization_error: socket.authorizationError ? String(socket.authorizationError) : null,
            },
          });
        });
      });
    },
  };
}

/** distinguishedName writes a certificate name the way `openssl x509 -subject` does: `CN=…, O=…`. */
function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  return Object.entries(name ?? {})
    .map(([field, value]) => `${field}=${[value ?? ''].flat().join('+')}`)
    .join(', ');
}
