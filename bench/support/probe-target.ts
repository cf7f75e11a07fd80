/**
 * The loopback HTTP target of bench/probes.ts, run in its own process so its CPU is counted for
 * neither side. It answers `{"status":"ready","database":true}` on /health/ready and 404 elsewhere,
 * reports its port through IPC once listening, answers `cpu` messages with its own CPU time, and
 * stops on `stop`, on a lost parent or after a hard bound.
 */
import { createServer } from 'node:http';

const BODY = Buffer.from('{"status":"ready","database":true}');
const HARD_BOUND_MS = 180_000;

const server = createServer((request, response) => {
  if (request.url === '/health/ready') {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
    response.end(BODY);
  } else {
    response.writeHead(404, { 'content-length': 0 });
    response.end();
  }
});
server.keepAliveTimeout = 5000;

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(0), 200).unref();
};

process.on('message', (message: unknown) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: (user + system) / 1e6 });
  } else if (message === 'stop') stop();
});
process.on('disconnect', stop);
setTimeout(stop, HARD_BOUND_MS).unref();

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.send?.({ port: address.port });
});
