// SNI certificate selection within the listener that owns the server name: a certificate whose
// dnsNames hold the name exactly, then one with a matching wildcard, then the listener's first.
import type { CertificateIR } from '../../ir/index.ts';

export function selectCertificate(certs: readonly CertificateIR[], serverName: string | undefined): CertificateIR | undefined {
  if (certs.length <= 1 || serverName === undefined) return certs[0];
  const name = serverName.toLowerCase();
  for (const c of certs) for (const d of c.dnsNames) if (d.toLowerCase() === name) return c;
  for (const c of certs) for (const d of c.dnsNames) if (wildcardCovers(d.toLowerCase(), name)) return c;
  return certs[0];
}

/** X.509 wildcards cover exactly one label: "*.example.com" covers "a.example.com" only. */
export function wildcardCovers(pattern: string, name: string): boolean {
  if (!pattern.startsWith('*.')) return false;
  const suffix = pattern.slice(1);
  if (!name.endsWith(suffix)) return false;
  const label = name.slice(0, name.length - suffix.length);
  return label.length > 0 && !label.includes('.');
}
