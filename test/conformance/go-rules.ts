// Client-side rules copied from Go's standard library, because upstream conformance runs a Go client
// and the expectations in the cases were written against what Go sends and accepts.
import { X509Certificate } from 'node:crypto';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** net/textproto.CanonicalMIMEHeaderKey: keys with non-token bytes are returned unchanged. */
export function canonicalHeaderKey(key: string): string {
  if (!TOKEN.test(key)) return key;
  let upper = true;
  let out = '';
  for (const ch of key) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}

/** crypto/x509 validHostname. */
export function validHostname(host: string, isPattern: boolean): boolean {
  if (!isPattern) host = host.replace(/\.$/, '');
  if (host.length === 0) return false;
  // Bare wildcards are not valid DNS names (Go 1.20+).
  if (host === '*') return false;
  const parts = host.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === '') return false;
    if (isPattern && i === 0 && part === '*') continue;
    for (let j = 0; j < part.length; j++) {
      const c = part[j];
      if (/[a-zA-Z0-9_]/.test(c)) continue;
      if (c === '-' && j !== 0) continue;
      return false;
    }
  }
  return true;
}

function matchExactly(a: string, b: string): boolean {
  if (a === '' || a === '.' || b === '' || b === '.') return false;
  return a.toLowerCase() === b.toLowerCase();
}

/** crypto/x509 matchHostnames: a leading `*` label matches exactly one label, even over a TLD. */
function matchHostnames(pattern: string, host: string): boolean {
  pattern = pattern.toLowerCase().replace(/\.$/, '');
  host = host.toLowerCase().replace(/\.$/, '');
  if (pattern.length === 0 || host.length === 0) return false;
  const p = pattern.split('.');
  const h = host.split('.');
  if (p.length !== h.length) return false;
  for (let i = 0; i < p.length; i++) {
    if (i === 0 && p[i] === '*') continue;
    if (p[i] !== h[i]) return false;
  }
  return true;
}

/** crypto/x509 (*Certificate).VerifyHostname over the DNS/IP SANs (Go ignores the CN). */
export function goVerifyHostname(dnsNames: string[], ipAddresses: string[], host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (/^[0-9.]+$/.test(h) || h.includes(':')) return ipAddresses.includes(h);
  const candidate = h.toLowerCase();
  const validCandidate = validHostname(candidate, false);
  for (const name of dnsNames) {
    if (validCandidate && validHostname(name, true)) {
      if (matchHostnames(name, candidate)) return true;
    } else if (matchExactly(name, candidate)) return true;
  }
  return false;
}

/** The DNS and IP SANs of a certificate, from node's subjectAltName text. */
export function sansOf(cert: X509Certificate): { dns: string[]; ip: string[]; uri: string[] } {
  const dns: string[] = [];
  const ip: string[] = [];
  const uri: string[] = [];
  for (const entry of (cert.subjectAltName ?? '').split(/, (?=[A-Za-z ]+:)/)) {
    const i = entry.indexOf(':');
    if (i < 0) continue;
    const kind = entry.slice(0, i).trim();
    let value = entry.slice(i + 1);
    if (value.startsWith('"')) value = JSON.parse(value);
    if (kind === 'DNS') dns.push(value);
    else if (kind === 'IP Address') ip.push(value);
    else if (kind === 'URI') uri.push(value);
  }
  return { dns, ip, uri };
}

/**
 * Go's chain verification, reduced to what the suite's certificates need: the leaf is either one of
 * the roots itself or signed by one of them (directly or through certificates the peer sent), within
 * its validity period, and the host matches its SANs.
 */
export function goVerifyChain(peer: X509Certificate[], roots: X509Certificate[], host: string, now = new Date()): string | undefined {
  if (peer.length === 0) return 'no peer certificate';
  const leaf = peer[0];
  const inTime = (c: X509Certificate) => new Date(c.validFrom) <= now && now <= new Date(c.validTo);
  if (!inTime(leaf)) return 'x509: certificate has expired or is not yet valid';
  let current = leaf;
  let trusted = false;
  for (let depth = 0; depth < 5 && !trusted; depth++) {
    if (roots.some((r) => r.fingerprint256 === current.fingerprint256)) { trusted = true; break; }
    const root = roots.find((r) => current.checkIssued(r) && current.verify(r.publicKey));
    if (root) { trusted = inTime(root); break; }
    const next = peer.find((c) => c !== current && current.checkIssued(c) && current.verify(c.publicKey));
    if (!next) break;
    current = next;
  }
  if (!trusted) return 'x509: certificate signed by unknown authority';
  // VerifyOptions.KeyUsages defaults to ServerAuth; a leaf without EKUs is unrestricted.
  const eku = leaf.keyUsage;
  if (eku && eku.length > 0 && !eku.includes('1.3.6.1.5.5.7.3.1') && !eku.includes('2.5.29.37.0')) return 'x509: certificate specifies an incompatible key usage';
  const { dns, ip } = sansOf(leaf);
  if (!goVerifyHostname(dns, ip, host)) return `x509: certificate is not valid for ${host}`;
  return undefined;
}

/** time.ParseDuration for the units the cases use ("1s", "500ms", "1m30s", "1.5s"). */
export function parseGoDuration(s: string): number | undefined {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * unit[m[2]];
    pos = re.lastIndex;
  }
  return pos === s.length && pos > 0 ? total : undefined;
}
