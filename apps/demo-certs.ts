// Demo certificates for `npm start`: a self-signed kubernetes.io/tls Secret for every listener
// certificateRef the manifests name but do not contain — what cert-manager would issue in a
// cluster — so HTTPS listeners serve locally instead of failing with InvalidCertificateRef.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret, Snapshot } from '../gateway/model/index.ts';

export function demoSecrets(snapshot: Snapshot): Secret[] {
  const have = new Set(snapshot.secrets.map((s) => `${s.metadata.namespace ?? 'default'}/${s.metadata.name}`));
  const wanted = new Map<string, { name: string; namespace: string; hosts: Set<string> }>();
  const owners = [...snapshot.gateways, ...snapshot.listenerSets];
  for (const o of owners) {
    const ns = o.metadata.namespace ?? 'default';
    for (const l of (o.spec?.listeners ?? []) as any[]) {
      for (const ref of l.tls?.certificateRefs ?? []) {
        if ((ref.kind ?? 'Secret') !== 'Secret' || (ref.group ?? '') !== '') continue;
        const key = `${ref.namespace ?? ns}/${ref.name}`;
        if (have.has(key)) continue;
        const w = wanted.get(key) ?? { name: ref.name, namespace: ref.namespace ?? ns, hosts: new Set<string>() };
        w.hosts.add(l.hostname ?? 'localhost');
        wanted.set(key, w);
      }
    }
  }
  if (wanted.size === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'portico-demo-certs-'));
  try {
    return [...wanted.values()].map((w, i) => {
      const hosts = [...w.hosts];
      const key = join(dir, `${i}.key`), crt = join(dir, `${i}.crt`);
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '7', '-subj', `/CN=${hosts[0]}`,
        '-addext', `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}`, '-keyout', key, '-out', crt], { stdio: 'ignore' });
      return {
        apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: w.name, namespace: w.namespace },
        data: { 'tls.crt': readFileSync(crt).toString('base64'), 'tls.key': readFileSync(key).toString('base64') },
      } as Secret;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
