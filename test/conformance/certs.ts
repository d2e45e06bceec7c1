// The TLS material upstream's suite Setup creates (suite.go), generated with the openssl CLI.
// RSA 2048 generation is slow on 2 cores, so every certificate is made once per run and shared
// across cases (and across parallel cases: the cache holds promises).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SecretSpec } from './case-types.ts';

const run = promisify(execFile);

export interface CertMaterial {
  /** Leaf (or CA) certificate, PEM. */
  cert: string;
  key: string;
}

/** The suite's certificates (conformance/utils/suite/suite.go), so cases that list none still get them. */
export const SUITE_SECRETS: SecretSpec[] = [
  { namespace: 'gateway-conformance-infra', name: 'tls-validity-checks-certificate', type: 'kubernetes.io/tls', hosts: ['*', '*.org', '*.wildcard.org'], sans: { dns: ['*.org', '*.wildcard.org'], uri: ['*'] }, ca: false, signedBy: 'self', extKeyUsage: ['serverAuth'] },
  { namespace: 'gateway-conformance-infra', name: 'tls-checks-ca-certificate', type: 'ConfigMap', keys: ['ca.crt', 'key.crt'], hosts: [], ca: true, signedBy: 'self', extKeyUsage: ['clientAuth', 'serverAuth'] },
  { namespace: 'gateway-conformance-infra', name: 'tls-checks-certificate', type: 'kubernetes.io/tls', hosts: ['abc.example.com', 'spiffe://abc.example.com/test-identity', 'other.example.com'], sans: { dns: ['abc.example.com', 'other.example.com'], uri: ['spiffe://abc.example.com/test-identity'] }, ca: false, signedBy: 'gateway-conformance-infra/tls-checks-ca-certificate', extKeyUsage: ['serverAuth'] },
  { namespace: 'gateway-conformance-web-backend', name: 'web-backend-cm', type: 'ConfigMap', keys: ['ca.crt', 'key.crt'], hosts: [], ca: true, signedBy: 'self', extKeyUsage: ['clientAuth', 'serverAuth'] },
  { namespace: 'gateway-conformance-infra', name: 'tls-validity-checks-ca-certificate', type: 'ConfigMap', keys: ['ca.crt', 'key.crt'], hosts: [], ca: true, signedBy: 'self', extKeyUsage: ['clientAuth', 'serverAuth'] },
  { namespace: 'gateway-conformance-web-backend', name: 'certificate', type: 'kubernetes.io/tls', hosts: ['*'], sans: { uri: ['*'] }, ca: false, signedBy: 'self', extKeyUsage: ['serverAuth'] },
  { namespace: 'gateway-conformance-infra', name: 'tls-terminate-checks-certificate', type: 'kubernetes.io/tls', hosts: ['tls.example.com'], sans: { dns: ['tls.example.com'] }, ca: false, signedBy: 'gateway-conformance-infra/tls-checks-ca-certificate', extKeyUsage: ['serverAuth'] },
  { namespace: 'gateway-conformance-infra', name: 'tls-passthrough-checks-certificate', type: 'kubernetes.io/tls', hosts: ['abc.example.com'], sans: { dns: ['abc.example.com'] }, ca: false, signedBy: 'gateway-conformance-infra/tls-checks-ca-certificate', extKeyUsage: ['serverAuth'] },
  { namespace: 'gateway-conformance-infra', name: 'tls-validity-checks-client-certificate', type: 'kubernetes.io/tls', hosts: [], ca: false, signedBy: 'gateway-conformance-infra/tls-validity-checks-ca-certificate', extKeyUsage: ['clientAuth'] },
  { namespace: 'gateway-conformance-infra', name: 'tls-validity-checks-per-port-ca-certificate', type: 'ConfigMap', keys: ['ca.crt', 'key.crt'], hosts: [], ca: true, signedBy: 'self', extKeyUsage: ['clientAuth', 'serverAuth'] },
  { namespace: 'gateway-conformance-infra', name: 'tls-validity-checks-per-port-client-certificate', type: 'kubernetes.io/tls', hosts: [], ca: false, signedBy: 'gateway-conformance-infra/tls-validity-checks-per-port-ca-certificate', extKeyUsage: ['clientAuth'] },
  { namespace: 'gateway-conformance-infra', name: 'tls-checks-client-certificate', type: 'kubernetes.io/tls', hosts: [], ca: false, signedBy: 'gateway-conformance-infra/tls-checks-ca-certificate', extKeyUsage: ['clientAuth'] },
  { namespace: 'gateway-conformance-app-backend', name: 'tls-passthrough-checks-certificate', type: 'kubernetes.io/tls', hosts: ['abc.example.com'], sans: { dns: ['abc.example.com'] }, ca: false, signedBy: 'gateway-conformance-infra/tls-checks-ca-certificate', extKeyUsage: ['serverAuth'] },
  { namespace: 'gateway-conformance-infra', name: 'mismatch-ca-certificate', type: 'ConfigMap', keys: ['ca.crt', 'key.crt'], hosts: [], ca: true, signedBy: 'self', extKeyUsage: ['clientAuth', 'serverAuth'] },
];

/** Go's generateRSACert sorts hosts into IP, URI (has a scheme) and DNS SANs. */
export function sansFromHosts(hosts: string[]): { dns: string[]; uri: string[]; ip: string[] } {
  const out = { dns: [] as string[], uri: [] as string[], ip: [] as string[] };
  for (const h of hosts) {
    if (/^[0-9.]+$/.test(h) || h.includes(':') && !h.includes('://')) out.ip.push(h);
    else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(h)) out.uri.push(h);
    else out.dns.push(h);
  }
  return out;
}

function opensslConfig(spec: SecretSpec): string {
  const sans = spec.sans ? { dns: spec.sans.dns ?? [], uri: spec.sans.uri ?? [], ip: spec.sans.ip ?? [] } : sansFromHosts(spec.hosts ?? []);
  const alt = [...sans.dns.map((d) => `DNS:${d}`), ...sans.ip.map((i) => `IP:${i}`), ...sans.uri.map((u) => `URI:${u}`)];
  const eku = (spec.extKeyUsage ?? ['serverAuth']).join(',');
  const subject = spec.ca ? 'O = Kubernetes Gateway API\nCN = gatewayapi' : 'O = Acme Co\nCN = default';
  const ext = spec.ca
    ? ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign', `extendedKeyUsage = ${eku}`, 'subjectKeyIdentifier = hash']
    : ['basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment', `extendedKeyUsage = ${eku}`];
  if (alt.length > 0) ext.push(`subjectAltName = ${alt.join(',')}`);
  return `[req]\nprompt = no\ndistinguished_name = dn\nx509_extensions = ext\n[dn]\n${subject}\n[ext]\n${ext.join('\n')}\n`;
}

export class CertStore {
  private readonly dir = mkdtempSync(join(tmpdir(), 'portico-conf-certs-'));

  constructor() {
    // Keys stay in memory for the run; the scratch files go when the process does.
    process.once('exit', () => rmSync(this.dir, { recursive: true, force: true }));
  }
  private readonly cache = new Map<string, Promise<CertMaterial>>();
  private serial = 1;

  /** Material for "namespace/name"; specs registers how to make it if not yet known. */
  get(spec: SecretSpec, specs: Map<string, SecretSpec>): Promise<CertMaterial> {
    const id = `${spec.namespace}/${spec.name}`;
    let p = this.cache.get(id);
    if (!p) {
      p = this.generate(spec, specs);
      this.cache.set(id, p);
    }
    return p;
  }

  private async generate(spec: SecretSpec, specs: Map<string, SecretSpec>): Promise<CertMaterial> {
    const base = join(this.dir, `${spec.namespace}_${spec.name}`);
    writeFileSync(`${base}.cnf`, opensslConfig(spec));
    await run('openssl', ['genrsa', '-out', `${base}.key`, '2048']);
    const signer = spec.signedBy && spec.signedBy !== 'self' ? specs.get(spec.signedBy) : undefined;
    if (spec.signedBy && spec.signedBy !== 'self' && !signer) throw new Error(`unknown signer ${spec.signedBy} for ${spec.name}`);
    if (!signer) {
      await run('openssl', ['req', '-x509', '-new', '-key', `${base}.key`, '-config', `${base}.cnf`, '-days', '365', '-sha256', '-out', `${base}.crt`]);
    } else {
      const ca = await this.get(signer, specs);
      writeFileSync(`${base}.ca.crt`, ca.cert);
      writeFileSync(`${base}.ca.key`, ca.key);
      await run('openssl', ['req', '-new', '-key', `${base}.key`, '-config', `${base}.cnf`, '-out', `${base}.csr`]);
      await run('openssl', ['x509', '-req', '-in', `${base}.csr`, '-CA', `${base}.ca.crt`, '-CAkey', `${base}.ca.key`,
        '-set_serial', String(1000 + this.serial++), '-days', '365', '-sha256', '-extfile', `${base}.cnf`, '-extensions', 'ext', '-out', `${base}.crt`]);
    }
    return { cert: readFileSync(`${base}.crt`, 'utf8'), key: readFileSync(`${base}.key`, 'utf8') };
  }

  /** Every certificate generated so far (the default trust anchors of an HTTPS request). */
  async all(): Promise<CertMaterial[]> {
    return Promise.all([...this.cache.values()]);
  }
}
