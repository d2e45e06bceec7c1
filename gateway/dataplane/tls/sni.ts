// SNI certificate selection within the listener that owns the server name: a certificate whose
// dnsNames hold the name exactly, then one with a matching wildcard, then the listener's first.
import { X509Certificate } from 'node:crypto';
import type { CertificateIR } from '../../ir/index.ts';

// The translator is pure and cannot parse X.509, so it may leave dnsNames empty; the names are
// read here once per certificate (cached by PEM text) from the SANs, or the CN without SANs.
const namesByPem = new Map<string, string[]>();

export function certificateNames(c: CertificateIR): string[] {
  if (c.dnsNames.length > 0) return c.dnsNames;
  let names = namesByPem.get(c.certPem);
  if (!names) {
    names = [];
    try {
      const x = new X509Certificate(c.certPem);
      for (const part of (x.subjectAltName ?? '').split(',')) {
        const m = /^\s*DNS:(.+)$/.exec(part);
        if (m) names.push(m[1].trim().toLowerCase());
      }
      if (names.length === 0) {
        const cn = /(?:^|\n)CN=([^\n]+)/.exec(x.subject)?.[1];
        if (cn) names.push(cn.trim().toLowerCase());
      }
    } catch {
      // A certificate node cannot parse never matches by name; it may still be the default.
    }
    if (namesByPem.size > 1000) namesByPem.clear();
    namesByPem.set(c.certPem, names);
  }
  return names;
}

export function selectCertificate(certs: readonly CertificateIR[], serverName: string | undefined): CertificateIR | undefined {
  if (certs.length <= 1 || serverName === undefined) return certs[0];
  const name = serverName.toLowerCase();
  for (const c of certs) for (const d of certificateNames(c)) if (d.toLowerCase() === name) return c;
  for (const c of certs) for (const d of certificateNames(c)) if (wildcardCovers(d.toLowerCase(), name)) return c;
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
