// Last known good for serving certificates, where objects enter the pipeline: a
// kubernetes.io/tls pair that was usable and whose newest version is not keeps its last usable
// version in the snapshot, with the problem noted. The verdicts themselves come from the one
// certificate inspector (gateway/pki). CA bundles get no such grace: the spec wants a policy or
// listener to react when its CA ConfigMap changes (upstream BackendTLSPolicy: an emptied ca.crt is
// NoValidCACertificate).
import type { PkiVerdict, Secret, Snapshot } from '../model/index.ts';
import { pkiKey } from '../model/index.ts';
import { inspectPki } from '../pki/certificates.ts';

function usablePair(v: PkiVerdict | undefined): boolean {
  return v?.keyPair?.error === undefined;
}

export interface PkiGate {
  /** inspectPki(), then last-known-good for Secrets and ConfigMaps whose newest version is unusable. */
  pass(snapshot: Snapshot): Snapshot;
}

/**
 * Last known good, per Secret: a certificate Secret whose pair was usable and becomes unusable
 * (a rotated certificate that does not parse or does not match its key) keeps serving its last
 * usable version, and the verdict says why the newest one is not used; one that was never usable
 * is passed on as it is (the translator reports it and nothing serves it). A deleted Secret is
 * forgotten: deleting is a decision, not a mistake.
 */
export function createPkiGate(): PkiGate {
  let good = new Map<string, { obj: Secret; verdict: PkiVerdict | undefined }>();
  return {
    pass(snapshot) {
      const inspected = inspectPki(snapshot);
      const pki = { ...inspected.pki };
      const nextGood = new Map<string, { obj: Secret; verdict: PkiVerdict | undefined }>();
      const secrets = inspected.secrets.map((o) => {
        const key = pkiKey('Secret', o.metadata.namespace ?? 'default', o.metadata.name);
        const v = pki[key];
        if (usablePair(v)) {
          nextGood.set(key, { obj: o, verdict: v });
          return o;
        }
        const last = good.get(key);
        if (last === undefined) return o;
        nextGood.set(key, last);
        pki[key] = { ...(last.verdict ?? {}), rejected: v!.keyPair!.error! };
        return last.obj;
      });
      good = nextGood;
      return { ...inspected, secrets, pki };
    },
  };
}
