/**
 * A private PostgreSQL server for one test: its own data directory under /tmp, a free loopback port,
 * and password authentication (scram-sha-256), which the machine's server (trust on loopback) does
 * not check. Run as root, the server runs as the `postgres` user, as PostgreSQL requires. It is
 * stopped and its directory removed when the test ends. Outside CI a machine without PostgreSQL's
 * server binaries skips the test loudly; under CI=true it fails it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const VERSIONS_DIR = '/usr/lib/postgresql';

/** PrivatePostgres is a running server that checks passwords. */
export interface PrivatePostgres {
  readonly port: number;
  /** The superuser's password. */
  readonly password: string;
  /** url gives a connection string for the superuser `postgres`, with `password` (the right one when absent). */
  url(database?: string, password?: string): string;
}

/** binDir finds the newest installed PostgreSQL server's bin directory, if any. */
function binDir(): string | undefined {
  if (!existsSync(VERSIONS_DIR)) return undefined;
  const versions = readdirSync(VERSIONS_DIR)
    .filter((name) => existsSync(join(VERSIONS_DIR, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(VERSIONS_DIR, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * startPrivatePostgres starts a server for the calling test and stops it after; undefined when the
 * test was skipped for want of the server binaries.
 */
export async function startPrivatePostgres(t: TestContext): Promise<PrivatePostgres | undefined> {
  const bin = binDir();
  if (bin === undefined) {
    const reason = `no PostgreSQL server binaries under ${VERSIONS_DIR}/<version>/bin; install postgresql`;
    if (process.env.CI === 'true') throw new Error(`CI needs ${reason}`);
    console.warn(`\n!!! SKIPPED: ${reason}\n`);
    t.skip(reason);
    return undefined;
  }
  // PostgreSQL refuses to run as root: as root, the server runs as `postgres`, and owns its directory.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot
    ? await run('id', ['-u', 'postgres']).then((out) => Number(out.stdout.trim()))
    : undefined;
  const as = (program: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, program), ...args])
      : run(join(bin, program), args);
  const dir = mkdtempSync('/tmp/vigie-pg-');
  const data = join(dir, 'data');
  const passwordFile = join(dir, 'password');
  const password = `pw-${randomBytes(8).toString('hex')}`;
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner !== undefined) {
    chownSync(dir, owner, owner);
    chownSync(passwordFile, owner, owner);
  }
  let started = false;
  t.after(async () => {
    if (started) await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  await as('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=scram-sha-256',
    `--pwfile=${passwordFile}`,
    '--no-sync',
    '--encoding=UTF8',
    '--locale=C',
  ]);
  const port = await freePort();
  await as('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    '-w',
    'start',
  ]);
  started = true;
  return {
    port,
    password,
    url: (database = 'postgres', given = password) =>
      `postgres://postgres:${encodeURIComponent(given)}@127.0.0.1:${port}/${database}`,
  };
}
