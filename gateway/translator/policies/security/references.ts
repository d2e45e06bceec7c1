// The Secrets and Services a SecurityPolicy names (for offline checks that assume cluster-only
// objects exist; see PolicyDescriptor.references).
import type { RemoteEndpoint, SecurityPolicySpec } from '../../../model/index.ts';
import type { PolicyObject, PolicyReference } from '../descriptor.ts';

export function securityReferences(policy: PolicyObject): PolicyReference[] {
  const spec = (policy.spec ?? {}) as SecurityPolicySpec;
  const out: PolicyReference[] = [];
  const remote = (r: RemoteEndpoint | undefined, field: string) => {
    if (r?.backendRef?.name && typeof r.backendRef.port === 'number') out.push({ kind: 'Service', name: r.backendRef.name, port: r.backendRef.port, field: `${field}.backendRef` });
  };
  (spec.jwt?.providers ?? []).forEach((p, i) => {
    const f = `spec.jwt.providers[${i}].jwks`;
    if (p.jwks?.secretRef?.name) out.push({ kind: 'Secret', name: p.jwks.secretRef.name, key: p.jwks.secretRef.key ?? 'jwks.json', content: 'jwks', field: `${f}.secretRef` });
    remote(p.jwks?.remote, `${f}.remote`);
  });
  if (spec.basicAuth?.users?.name) out.push({ kind: 'Secret', name: spec.basicAuth.users.name, key: spec.basicAuth.users.key ?? '.htpasswd', content: 'htpasswd', field: 'spec.basicAuth.users' });
  (spec.apiKeyAuth?.credentialRefs ?? []).forEach((r, i) => { if (r.name) out.push({ kind: 'Secret', name: r.name, content: 'apiKeys', field: `spec.apiKeyAuth.credentialRefs[${i}]` }); });
  if (spec.extAuth?.backendRef?.name) out.push({ kind: 'Service', name: spec.extAuth.backendRef.name, port: spec.extAuth.backendRef.port, field: 'spec.extAuth.backendRef' });
  if (spec.oidc) {
    remote(spec.oidc.provider?.endpoint, 'spec.oidc.provider.endpoint');
    if (spec.oidc.clientSecret?.name) out.push({ kind: 'Secret', name: spec.oidc.clientSecret.name, key: spec.oidc.clientSecret.key ?? 'client-secret', content: 'text', field: 'spec.oidc.clientSecret' });
    if (spec.oidc.cookieSecret?.name) out.push({ kind: 'Secret', name: spec.oidc.cookieSecret.name, key: spec.oidc.cookieSecret.key ?? 'cookie-secret', content: 'text', field: 'spec.oidc.cookieSecret' });
  }
  return out;
}
