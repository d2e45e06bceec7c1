// Test TLS material made with the openssl CLI in a temp dir: a CA and leaf certificates it signs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  certPem: string;
  keyPem: string;
}

export class TestCA {
  private readonly dir = mkdtempSync(join(tmpdir(), 'portico-certs-'));
  readonly ca: Pem;
  private serial = 1;

  constructor(cn = 'Portico Test CA') {
    this.run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', `/CN=${cn}`, '-keyout', this.p('ca.key'), '-out', this.p('ca.crt'),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    this.ca = { certPem: this.read('ca.crt'), keyPem: this.read('ca.key') };
  }

  /** A leaf with the given DNS SANs (server) or a client certificate when `client` is set. */
  issue(cn: string, dnsNames: string[], client = false): Pem {
    const n = this.serial++;
    const ext = [
      'basicConstraints=CA:FALSE',
      `extendedKeyUsage=${client ? 'clientAuth' : 'serverAuth'}`,
      ...(dnsNames.length ? [`subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(',')}`] : []),
    ].join('\n');
    writeFileSync(this.p(`${n}.ext`), ext + '\n');
    this.run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${cn}`,
      '-keyout', this.p(`${n}.key`), '-out', this.p(`${n}.csr`)]);
    this.run(['x509', '-req', '-in', this.p(`${n}.csr`), '-CA', this.p('ca.crt'), '-CAkey', this.p('ca.key'),
      '-set_serial', String(1000 + n), '-days', '2', '-extfile', this.p(`${n}.ext`), '-out', this.p(`${n}.crt`)]);
    return { certPem: this.read(`${n}.crt`), keyPem: this.read(`${n}.key`) };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private p(name: string): string {
    return join(this.dir, name);
  }

  private read(name: string): string {
    return readFileSync(this.p(name), 'utf8');
  }

  private run(args: string[]): void {
    execFileSync('openssl', args, { stdio: 'pipe' });
  }
}
