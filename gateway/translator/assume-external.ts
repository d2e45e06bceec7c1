// Offline checks (synth validation, `portico validate`) see only the manifests, not the
// cluster: Services, Secrets and ConfigMaps they reference usually live elsewhere. This
// synthesizes a placeholder for each missing one, so a missing Service is a warning rather
// than a BackendNotFound error, and says so. Pure: no I/O, no clock.
import type { KubeObject, Snapshot } from '../model/index.ts';
import { sortSnapshot } from '../model/index.ts';
import type { Problem } from './api.ts';
import { POLICY_KINDS } from './policies/registry.ts';
import type { PolicyReference } from './policies/descriptor.ts';

// A throwaway self-signed certificate (CN placeholder.portico.invalid). Never served: it only
// lets the translator parse a Secret that is assumed to exist. Its key is public on purpose.
const PLACEHOLDER_CERT = `-----BEGIN CERTIFICATE-----
MIIBzDCCAXGgAwIBAgIUETjASl9kjX3xig1Ddx7QU/MTNgowCgYIKoZIzj0EAwIw
JjEkMCIGA1UEAwwbcGxhY2Vob2xkZXIucG9ydGljby5pbnZhbGlkMCAXDTI2MTIw
MTE5MDUzNloYDzIxMjYxMTA3MTkwNTM2WjAmMSQwIgYDVQQDDBtwbGFjZWhvbGRl
ci5wb3J0aWNvLmludmFsaWQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAScImoC
jIokCsK3BzgGETnFPaHMbnQ/1IAD2xK+1NHwyeo9W7AnWGBEhQ03nfhjn81PyBN0
99oLCUKzdkFk+iWto3sweTAdBgNVHQ4EFgQUDqCmtI8hejjKa7rV15mFCraSV2Yw
HwYDVR0jBBgwFoAUDqCmtI8hejjKa7rV15mFCraSV2YwDwYDVR0TAQH/BAUwAwEB
/zAmBgNVHREEHzAdghtwbGFjZWhvbGRlci5wb3J0aWNvLmludmFsaWQwCgYIKoZI
zj0EAwIDSQAwRgIhAO5Z97vqdCRqIqDZxzX1VSvfeRj0K//1jc3nu4ALigulAiEA
l6qe/2VCElTGkv9YKGlgfu5+k1JCXbMIPr4/TTrQ7UQ=
-----END CERTIFICATE-----
`;
const PLACEHOLDER_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3dZBTlOyOu9hReSx
GN81KSQPshZ4xZYbUKNxYR2cd8yhRANCAAScImoCjIokCsK3BzgGETnFPaHMbnQ/
1IAD2xK+1NHwyeo9W7AnWGBEhQ03nfhjn81PyBN099oLCUKzdkFk+iWt
-----END PRIVATE KEY-----
`;

/** Marks a placeholder the offline checks made for an object the manifests only reference. */
export const ASSUMED_EXTERNAL_ANNOTATION = 'portico.dev/assumed-external';

type Obj = Record<string, any>;

interface Wanted {
  kind: 'Service' | 'Secret' | 'ConfigMap';
  namespace: string;
  name: string;
  /** "port/protocol" pairs the references need. */
  ports: Set<string>;
  /** Secret keys a policy needs, with placeholder content it can use. */
  data: Record<string, string>;
  /** A listener or a TLS policy needs it: it gets the placeholder certificate and key. */
  tls: boolean;
  from: { ref: Problem['ref']; field: string };
}

const CORE = (group: unknown) => group === undefined || group === '' || group === 'core';

function refOf(o: KubeObject): Problem['ref'] {
  const av = o.apiVersion ?? '';
  return { group: av.includes('/') ? av.split('/')[0] : '', kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

export interface AssumeExternalResult {
  snapshot: Snapshot;
  warnings: Problem[];
}

export function assumeExternalRefs(snapshot: Snapshot): AssumeExternalResult {
  const wanted = new Map<string, Wanted>();
  const want = (kind: Wanted['kind'], namespace: string, name: string, port: number | undefined, from: Wanted['from'], protocol = 'TCP', tls = true) => {
    const key = `${kind}/${namespace}/${name}`;
    let w = wanted.get(key);
    if (!w) wanted.set(key, (w = { kind, namespace, name, ports: new Set(), data: {}, tls, from }));
    w.tls ||= tls;
    if (typeof port === 'number') w.ports.add(`${port}/${protocol}`);
    return w;
  };
  const backend = (o: KubeObject, ref: Obj | undefined, field: string) => {
    if (!ref || typeof ref.name !== 'string' || !CORE(ref.group) || (ref.kind ?? 'Service') !== 'Service') return;
    // UDPRoutes need a UDP Service port: the translator matches the port's protocol too.
    want('Service', ref.namespace ?? o.metadata.namespace ?? 'default', ref.name, ref.port, { ref: refOf(o), field }, o.kind === 'UDPRoute' ? 'UDP' : 'TCP');
  };
  const filters = (o: KubeObject, list: Obj[] | undefined, field: string) => {
    (list ?? []).forEach((f, i) => {
      backend(o, f?.requestMirror?.backendRef, `${field}[${i}].requestMirror.backendRef`);
      backend(o, f?.externalAuth?.backendRef, `${field}[${i}].externalAuth.backendRef`);
    });
  };
  const routes = [...snapshot.httpRoutes, ...snapshot.grpcRoutes, ...snapshot.tlsRoutes, ...snapshot.tcpRoutes, ...snapshot.udpRoutes] as KubeObject<Obj>[];
  for (const r of routes) {
    ((r.spec?.rules ?? []) as Obj[]).forEach((rule, ri) => {
      filters(r, rule.filters, `spec.rules[${ri}].filters`);
      ((rule.backendRefs ?? []) as Obj[]).forEach((b, bi) => {
        backend(r, b, `spec.rules[${ri}].backendRefs[${bi}]`);
        filters(r, b.filters, `spec.rules[${ri}].backendRefs[${bi}].filters`);
      });
    });
  }
  const certRefs = (o: KubeObject, listeners: Obj[] | undefined, base: string) => {
    (listeners ?? []).forEach((l, li) => {
      ((l?.tls?.certificateRefs ?? []) as Obj[]).forEach((c, ci) => {
        if (!CORE(c.group) || (c.kind ?? 'Secret') !== 'Secret' || typeof c.name !== 'string') return;
        want('Secret', c.namespace ?? o.metadata.namespace ?? 'default', c.name, undefined, { ref: refOf(o), field: `${base}[${li}].tls.certificateRefs[${ci}]` });
      });
    });
  };
  for (const g of snapshot.gateways as KubeObject<Obj>[]) {
    certRefs(g, g.spec?.listeners, 'spec.listeners');
    const ns = g.metadata.namespace ?? 'default';
    const frontend = g.spec?.tls?.frontend;
    const caRefs = (v: Obj | undefined, field: string) => ((v?.caCertificateRefs ?? []) as Obj[]).forEach((c, ci) => {
      const kind = c.kind ?? 'ConfigMap';
      if (!CORE(c.group) || (kind !== 'ConfigMap' && kind !== 'Secret') || typeof c.name !== 'string') return;
      want(kind, c.namespace ?? ns, c.name, undefined, { ref: refOf(g), field: `${field}.caCertificateRefs[${ci}]` });
    });
    caRefs(frontend?.default?.validation, 'spec.tls.frontend.default.validation');
    ((frontend?.perPort ?? []) as Obj[]).forEach((pp, i) => caRefs(pp?.tls?.validation, `spec.tls.frontend.perPort[${i}].tls.validation`));
    const client = g.spec?.tls?.backend?.clientCertificateRef;
    if (client && CORE(client.group) && (client.kind ?? 'Secret') === 'Secret' && typeof client.name === 'string') {
      want('Secret', client.namespace ?? ns, client.name, undefined, { ref: refOf(g), field: 'spec.tls.backend.clientCertificateRef' });
    }
  }
  for (const ls of snapshot.listenerSets as KubeObject<Obj>[]) certRefs(ls, ls.spec?.listeners, 'spec.listeners');
  for (const p of snapshot.backendTLSPolicies as KubeObject<Obj>[]) {
    ((p.spec?.validation?.caCertificateRefs ?? []) as Obj[]).forEach((c, ci) => {
      if (!CORE(c.group) || c.kind !== 'ConfigMap' || typeof c.name !== 'string') return;
      want('ConfigMap', p.metadata.namespace ?? 'default', c.name, undefined, { ref: refOf(p), field: `spec.validation.caCertificateRefs[${ci}]` });
    });
  }

  // Portico's attached policies (SecurityPolicy ...): their Secrets get placeholder content the
  // policy can compile (a JWKS, an htpasswd line, an API key), their Services the named port.
  for (const d of POLICY_KINDS) {
    for (const p of d.list(snapshot)) {
      const ns = p.metadata.namespace ?? 'default';
      for (const r of d.references?.(p) ?? []) {
        const from = { ref: refOf(p), field: r.field };
        if (r.kind === 'Service') want('Service', ns, r.name, r.port, from);
        else Object.assign(want('Secret', ns, r.name, undefined, from, 'TCP', false).data, placeholderData(r, ns));
      }
    }
  }

  const have = new Set<string>();
  for (const s of snapshot.services) have.add(`Service/${s.metadata.namespace}/${s.metadata.name}`);
  for (const s of snapshot.secrets) have.add(`Secret/${s.metadata.namespace}/${s.metadata.name}`);
  for (const c of snapshot.configMaps) have.add(`ConfigMap/${c.metadata.namespace}/${c.metadata.name}`);

  const out: Snapshot = { ...snapshot, services: [...snapshot.services], secrets: [...snapshot.secrets], configMaps: [...snapshot.configMaps] };
  const warnings: Problem[] = [];
  for (const [key, w] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (have.has(key)) continue;
    const metadata = { name: w.name, namespace: w.namespace, generation: 1, annotations: { [ASSUMED_EXTERNAL_ANNOTATION]: 'true' } };
    if (w.kind === 'Service') {
      const ports = [...w.ports].sort().map((pp) => {
        const [port, protocol] = pp.split('/');
        return { name: `p${port}-${protocol.toLowerCase()}`, port: Number(port), protocol };
      });
      out.services.push({ apiVersion: 'v1', kind: 'Service', metadata, spec: { type: 'ClusterIP', ports } });
    } else if (w.kind === 'Secret') {
      out.secrets.push(w.tls
        ? { apiVersion: 'v1', kind: 'Secret', metadata, type: 'kubernetes.io/tls',
            data: { 'tls.crt': base64(PLACEHOLDER_CERT), 'tls.key': base64(PLACEHOLDER_KEY), 'ca.crt': base64(PLACEHOLDER_CERT), ...w.data } }
        : { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data: { ...w.data } });
    } else {
      out.configMaps.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { 'ca.crt': PLACEHOLDER_CERT } });
    }
    warnings.push({
      severity: 'warning', ref: w.from.ref, field: w.from.field, reason: 'AssumedExternal',
      message: `${w.kind} ${w.namespace}/${w.name} is not in the manifests; assuming it exists in the cluster`,
      fix: `add the ${w.kind} to the manifests if it is meant to be deployed with them`,
    });
  }
  return { snapshot: sortSnapshot(out), warnings };
}

// A public EC P-256 key nobody holds the private half of: tokens never verify against it.
const PLACEHOLDER_JWKS = '{"keys":[{"kty":"EC","crv":"P-256","kid":"assumed-external","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}';

/** Placeholder Secret data a policy can compile; never a usable credential. */
function placeholderData(r: Extract<PolicyReference, { kind: 'Secret' }>, ns: string): Record<string, string> {
  switch (r.content) {
    case 'jwks': return { [r.key ?? 'jwks.json']: base64(PLACEHOLDER_JWKS) };
    // "{SHA}" of a random-looking string nobody sends; the user name cannot be typed by accident.
    case 'htpasswd': return { [r.key ?? '.htpasswd']: base64('assumed-external:{SHA}AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n') };
    case 'apiKeys': return { 'assumed-external': base64(`assumed-external-${ns}-${r.name}`) };
    default: return { [r.key ?? 'value']: base64('assumed-external') };
  }
}

// btoa is in every runtime we target and keeps this file free of node:buffer.
function base64(text: string): string {
  return btoa(text);
}
