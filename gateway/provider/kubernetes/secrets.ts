// Which Secrets the translator may see: those a Gateway or ListenerSet listener names as a
// certificate, and a Gateway's backend client certificate. Everything else stays out of the
// snapshot (and out of memory longer than one list).
import type { Snapshot } from '../../model/index.ts';

export function referencedSecrets(s: Snapshot): Set<string> {
  const out = new Set<string>();
  const add = (ref: any, ns: string) => {
    if (!ref?.name || (ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') return;
    out.add(`${ref.namespace ?? ns}/${ref.name}`);
  };
  for (const holder of [...s.gateways, ...s.listenerSets] as any[]) {
    const ns = holder.metadata.namespace;
    for (const l of holder.spec?.listeners ?? []) for (const ref of l.tls?.certificateRefs ?? []) add(ref, ns);
    add(holder.spec?.tls?.backend?.clientCertificateRef, ns);
  }
  return out;
}
