// What the input stage learned about the TLS material held by Secrets and ConfigMaps. The
// translator is pure and cannot parse X.509 or match keys, so whoever builds a Snapshot from
// live objects (the pipeline, `portico validate`/`translate`, cdk8s synth) inspects the PEM data
// once, with a real crypto library (gateway/pki), and attaches the verdicts here; the translator
// only reads them. Without verdicts (a caller that passes no inspector) the translator falls back
// to checking the PEM's shape.
import type { Snapshot } from './snapshot.ts';

/** A kubernetes.io/tls pair: tls.crt (leaf first, then its chain) and tls.key. */
export interface KeyPairVerdict {
  /** Why the pair cannot be served (unparseable, key mismatch...); undefined when it can. */
  error?: string;
  /** The leaf certificate's validity window (RFC 3339), when it parsed. */
  notBefore?: string;
  notAfter?: string;
  /** The leaf's DNS subject alternative names (or its CN without SANs), lower-cased. */
  dnsNames?: string[];
}

/** A CA bundle (ca.crt). */
export interface CaBundleVerdict {
  error?: string;
  /** How many certificates parsed. */
  certificates: number;
}

export interface PkiVerdict {
  keyPair?: KeyPairVerdict;
  caBundle?: CaBundleVerdict;
  /**
   * Set when the object's newest version is unusable but an earlier one was good: the snapshot
   * then holds that last good version (the verdicts above describe it) and this says what is
   * wrong with the newest one, for status.
   */
  rejected?: string;
}

/** Keyed by pkiKey(): "Secret/namespace/name" or "ConfigMap/namespace/name". */
export type PkiVerdicts = Record<string, PkiVerdict>;

export function pkiKey(kind: 'Secret' | 'ConfigMap', namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/**
 * The input stage's certificate check, as a value: it reads the snapshot's Secrets and ConfigMaps
 * and returns a verdict for each that holds TLS material. Pure code (the translator, the offline
 * validation) takes one as a parameter; the hosts (Node and Deno, with node:crypto) provide
 * gateway/pki's inspectCertificates.
 */
export type CertificateInspector = (snapshot: Snapshot) => PkiVerdicts;
