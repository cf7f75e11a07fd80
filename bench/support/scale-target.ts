/**
 * The loopback HTTP target of bench/scale.ts, in its own process so its CPU and memory are not the
 * engine's. It listens on a few ports of 127.0.0.1 (argv[2], default 4), each answering a few health
 * paths with a small JSON body (`{"ok":true,…}`, 200) over keep-alive connections, and 404 elsewhere.
 * It reports its ports through IPC once listening, and stops on `stop`, on a lost parent or after a
 * hard bound (argv[3], milliseconds).
 */
import { createServer, type Server } from 'node:http';

/** SCALE_PATHS are the health paths every port answers. */
const SCALE_PATHS = ['/health', '/health/ready', '/api/status', '/healthz', '/ping'] as const;

const portCount = Math.max(1, Math.min(16, Number(process.argv[2] ?? 4) || 4));
const hardBoundMs = Math.max(10_000, Number(process.argv[3] ?? 600_000) || 600_000);

const servers: Server[] = [];
const ports: number[] = [];

function bodies(index: number): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (const path of SCALE_PATHS) {
    const service = `svc-${index}`;
    const json =
      path === '/api/status'
        ? { ok: true, service, version: '1.4.2', database: true, queue: { depth: 3 } }
        : { ok: true, service, status: 'ready' };
    map.set(path, Buffer.from(JSON.stringify(json)));
  }
  return map;
}

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  for (const server of servers) {
    server.close();
    server.closeAllConnections();
  }
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(0), 200).unref();
};

process.on('message', (message: unknown) => {
  if (message === 'stop') stop();
});
process.on('disconnect', stop);
setTimeout(stop, hardBoundMs).unref();

for (let index = 0; index < portCount; index++) {
  const answers = bodies(index);
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    const body = answers.get(path.includes('?') ? path.slice(0, path.indexOf('?')) : path);
    if (body) {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      response.end(body);
    } else {
      response.writeHead(404, { 'content-length': 0 });
      response.end();
    }
  });
  // Longer than undici's 4 s client-side idle timeout, so the client is the one that closes idle sockets.
  server.keepAliveTimeout = 10_000;
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('scale-target: no address');
  ports.push(address.port);
}
process.send?.({ ports, paths: SCALE_PATHS });
