/**
 * Certificates for TLS tests, made by the `openssl` CLI in a temporary directory: a private CA and
 * leaf certificates it signed, so tests can tell a trusted chain from an untrusted one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** KeyPair is a PEM key and certificate, ready for `tls.createServer`. */
export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

/** TestCertificates is a CA and three certificates it signed. */
export interface TestCertificates {
  /** The CA certificate (PEM) that signed the others. */
  readonly ca: string;
  /** For `localhost`, valid 90 days. */
  readonly valid: KeyPair;
  /** For `localhost`, valid 3 days. */
  readonly expiring: KeyPair;
  /** For `other.example`, valid 90 days. */
  readonly otherHost: KeyPair;
}

/** makeCertificates generates the test CA and certificates; EC keys keep it fast. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-tls-'));
  // Words of a command, then arguments that may hold spaces.
  const openssl = (words: string, ...rest: string[]): void => {
    execFileSync('openssl', [...words.split(' '), ...rest], { cwd: dir, stdio: 'pipe' });
  };
  const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
  const newKey = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
  try {
    openssl(`req -x509 ${newKey} -keyout ca.key -out ca.pem -days 365 -subj`, '/CN=Vigie Test CA');
    let serial = 1;
    const leaf = (name: string, host: string, days: number): KeyPair => {
      const extensions = `subjectAltName=DNS:${host}\nbasicConstraints=CA:FALSE\nauthorityKeyIdentifier=keyid,issuer\n`;
      writeFileSync(join(dir, `${name}.ext`), extensions);
      openssl(`req ${newKey} -keyout ${name}.key -out ${name}.csr -subj /CN=${host}`);
      const sign = `-CA ca.pem -CAkey ca.key -set_serial ${serial++} -days ${days} -extfile ${name}.ext`;
      openssl(`x509 -req -in ${name}.csr ${sign} -out ${name}.pem`);
      return { key: read(`${name}.key`), cert: read(`${name}.pem`) };
    };
    return {
      ca: read('ca.pem'),
      valid: leaf('valid', 'localhost', 90),
      expiring: leaf('expiring', 'localhost', 3),
      otherHost: leaf('other', 'other.example', 90),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
