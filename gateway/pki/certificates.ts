// The certificate inspector of the input stage: every Secret and ConfigMap that holds TLS
// material is inspected once, with node:crypto (the same OpenSSL that will serve it), and the
// verdicts go to the pure translator on the Snapshot (model/pki.ts). Serve (provider/pki.ts adds
// last known good), `portico validate`, `translate` and cdk8s synth (constructs/validation hands
// inspectCertificates to validateOffline()) all use it, so they agree on what is usable. Node and
// Deno both provide node:crypto; nothing here touches files, network or the environment.
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { CaBundleVerdict, CertificateInspector, ConfigMap, KeyPairVerdict, PkiVerdict, PkiVerdicts, Secret, Snapshot } from '../model/index.ts';
import { pkiKey } from '../model/index.ts';
import { decodePemData } from '../translator/pem.ts';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function certificateBlocks(pem: string): string[] {
  return [...pem.matchAll(PEM_BLOCK)].filter((m) => m[1] === 'CERTIFICATE').map((m) => m[0]);
}

function reason(err: unknown): string {
  const e = err as { message?: string; code?: string };
  return e.message ?? String(err);
}

function namesOf(x: X509Certificate): string[] {
  const names: string[] = [];
  for (const part of (x.subjectAltName ?? '').split(',')) {
    const m = /^\s*DNS:(.+)$/.exec(part);
    if (m) names.push(m[1].trim().toLowerCase());
  }
  if (names.length === 0) {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(x.subject)?.[1];
    if (cn) names.push(cn.trim().toLowerCase());
  }
  return names;
}

/** Can tls.crt + tls.key be served? Parses both, matches the key, and builds a real context. */
export function checkKeyPair(certPem: string, keyPem: string): KeyPairVerdict {
  const blocks = certificateBlocks(certPem);
  if (blocks.length === 0) return { error: 'tls.crt holds no PEM certificate' };
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(blocks[0]);
    for (const b of blocks.slice(1)) new X509Certificate(b);
  } catch (err) {
    return { error: `tls.crt does not parse as X.509 (${reason(err)})` };
  }
  const window = { notBefore: new Date(leaf.validFrom).toISOString(), notAfter: new Date(leaf.validTo).toISOString(), dnsNames: namesOf(leaf) };
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    return { ...window, error: `tls.key does not parse as an unencrypted PEM private key (${reason(err)})` };
  }
  if (!leaf.checkPrivateKey(key)) return { ...window, error: 'tls.key does not belong to the certificate in tls.crt (key values mismatch)' };
  try {
    // The exact call the data plane makes: whatever else OpenSSL refuses is caught here.
    tls.createSecureContext({ cert: certPem, key: keyPem });
  } catch (err) {
    return { ...window, error: `the certificate and key cannot be loaded for TLS (${reason(err)})` };
  }
  return window;
}

/** A CA bundle is usable when it holds at least one certificate and every block parses. */
export function checkCaBundle(pem: string): CaBundleVerdict {
  const blocks = certificateBlocks(pem);
  if (blocks.length === 0) return { certificates: 0, error: 'ca.crt holds no PEM certificate (the CA bundle is empty)' };
  for (const [i, b] of blocks.entries()) {
    try {
      new X509Certificate(b);
    } catch (err) {
      return { certificates: 0, error: `certificate ${i + 1} in ca.crt does not parse as X.509 (${reason(err)})` };
    }
  }
  return { certificates: blocks.length };
}

// Verdicts by content: a reload with 1,000 unchanged Secrets parses none of them again.
const cache = new Map<string, PkiVerdict>();
const CACHE_LIMIT = 4096;

function verdictOf(data: { crt?: string; key?: string; ca?: string }): PkiVerdict | undefined {
  if (data.crt === undefined && data.key === undefined && data.ca === undefined) return undefined;
  const id = createHash('sha256').update(data.crt ?? '\u0000').update('\u0001').update(data.key ?? '\u0000').update('\u0001').update(data.ca ?? '\u0000').digest('hex');
  let v = cache.get(id);
  if (v === undefined) {
    v = {};
    if (data.crt !== undefined || data.key !== undefined) {
      v.keyPair = data.crt === undefined ? { error: 'tls.crt is missing' }
        : data.key === undefined ? { error: 'tls.key is missing' }
        : checkKeyPair(data.crt, data.key);
    }
    if (data.ca !== undefined) v.caBundle = checkCaBundle(data.ca);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(id, v);
  }
  return structuredClone(v);
}

function secretVerdict(s: Secret): PkiVerdict | undefined {
  return verdictOf({ crt: decodePemData(s, 'tls.crt'), key: decodePemData(s, 'tls.key'), ca: decodePemData(s, 'ca.crt') });
}

function configMapVerdict(c: ConfigMap): PkiVerdict | undefined {
  const ca = c.data?.['ca.crt'];
  return ca === undefined ? undefined : verdictOf({ ca });
}

/** A verdict for every Secret and ConfigMap of the snapshot that holds TLS material. */
export const inspectCertificates: CertificateInspector = (snapshot) => {
  const pki: PkiVerdicts = {};
  for (const s of snapshot.secrets) {
    const v = secretVerdict(s);
    if (v) pki[pkiKey('Secret', s.metadata.namespace ?? 'default', s.metadata.name)] = v;
  }
  for (const c of snapshot.configMaps) {
    const v = configMapVerdict(c);
    if (v) pki[pkiKey('ConfigMap', c.metadata.namespace ?? 'default', c.metadata.name)] = v;
  }
  return pki;
};

/** The snapshot with its certificate verdicts attached. */
export function inspectPki(snapshot: Snapshot): Snapshot {
  return { ...snapshot, pki: inspectCertificates(snapshot) };
}

