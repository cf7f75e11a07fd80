/**
 * Vigie's own HTTP surface for now: `/healthz` (the process answers) and `/readyz` (the engine runs
 * and keeps time). The full API arrives with issue "[4 of 5]"; these two stay as they are.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Readiness is what `/readyz` reports. */
export interface Readiness {
  readonly ready: boolean;
  readonly details: Readonly<Record<string, unknown>>;
}

/** HealthServer is a listening server and how to stop it. */
export interface HealthServer {
  readonly url: string;
  close(): Promise<void>;
}

/** startHealthServer listens on host:port (0 for a free port) and answers the health endpoints. */
export async function startHealthServer(options: {
  host: string;
  port: number;
  readiness: () => Readiness;
}): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(`${JSON.stringify(body)}\n`);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, { error: 'use GET' });
    if (path === '/healthz') return send(200, { status: 'ok' });
    if (path === '/readyz') {
      const { ready, details } = options.readiness();
      return send(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', ...details });
    }
    send(404, { error: `no route ${path}; try /healthz or /readyz` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
