// Which Secrets the translator may see: those a listener names as its certificate, a Gateway's
// backend client certificate, and CA bundles (frontend validation, BackendTLSPolicy) held in
// Secrets. Everything else stays out of the snapshot. Secrets are only listed with
// type=kubernetes.io/tls, so a CA bundle in an Opaque Secret is not seen: use a ConfigMap.
import type { Snapshot } from '../../model/index.ts';
import { POLICY_KINDS } from '../../translator/policies/registry.ts';

export function referencedSecrets(s: Snapshot): Set<string> {
  const out = new Set<string>();
  const add = (ref: any, ns: string, defaultKind = 'Secret') => {
    if (!ref?.name || (ref.group ?? '') !== '' || (ref.kind ?? defaultKind) !== 'Secret') return;
    out.add(`${ref.namespace ?? ns}/${ref.name}`);
  };
  const caRefs = (validation: any, ns: string) => { for (const ref of validation?.caCertificateRefs ?? []) add(ref, ns, 'ConfigMap'); };
  for (const holder of [...s.gateways, ...s.listenerSets] as any[]) {
    const ns = holder.metadata.namespace;
    for (const l of holder.spec?.listeners ?? []) for (const ref of l.tls?.certificateRefs ?? []) add(ref, ns);
    const tls = holder.spec?.tls;
    add(tls?.backend?.clientCertificateRef, ns);
    caRefs(tls?.frontend?.default?.validation, ns);
    for (const pp of tls?.frontend?.perPort ?? []) caRefs(pp?.tls?.validation, ns);
  }
  for (const p of s.backendTLSPolicies as any[]) caRefs(p.spec?.validation, p.metadata.namespace);
  return out;
}

/**
 * The Secrets Portico's policies (SecurityPolicy ...) name, "namespace/name". They are not listed:
 * each is read on its own, by a list+watch with the field selector metadata.name=<name> in its
 * namespace, started when a policy names it and stopped when none does any more.
 */
export function policySecrets(s: Snapshot): Set<string> {
  const out = new Set<string>();
  for (const d of POLICY_KINDS) {
    for (const p of d.list(s)) {
      for (const r of d.references?.(p) ?? []) if (r.kind === 'Secret') out.add(`${p.metadata.namespace ?? 'default'}/${r.name}`);
    }
  }
  return out;
}
