// A self-signed RSA server certificate made with the openssl CLI, for tests that stand in for a
// certificate Secret the manifests assume (no CA chain needed: the client trusts the leaf itself).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes `<name>.crt` and `<name>.key` into `dir`; the first host is the CN, all are DNS SANs. */
export function selfSignedCert(dir: string, name: string, hosts: string[]): { cert: string; key: string } {
  const key = join(dir, `${name}.key`), crt = join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${hosts[0]}`,
    '-addext', `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}`, '-keyout', key, '-out', crt], { stdio: 'ignore' });
  return { cert: readFileSync(crt, 'utf8'), key: readFileSync(key, 'utf8') };
}
