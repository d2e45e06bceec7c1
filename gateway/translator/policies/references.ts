// References a policy section makes, resolved in the policy's namespace: Secret keys (read one by
// one, by name) and remote endpoints (an in-cluster Service, or an https URL on a host the
// platform allow-listed on a Gateway with the annotation policy.portico.dev/allowed-hosts).
import type { RemoteDocumentIR } from '../../ir/index.ts';
import type { PolicyObject } from './descriptor.ts';
import type { CompileEnv } from './descriptor.ts';
import type { RemoteEndpoint, SecretKeyReference } from '../../model/index.ts';
import { POLICY_GROUP } from '../../model/index.ts';
import { resolveBackend } from '../backends.ts';
import { decodePemData } from '../pem.ts';

export const ALLOWED_HOSTS_ANNOTATION = 'policy.portico.dev/allowed-hosts';

export class SectionError extends Error {
  constructor(readonly field: string, message: string, readonly fix: string) { super(message); }
}

export function secretValue(env: CompileEnv, policy: PolicyObject, ref: SecretKeyReference | undefined, defaultKey: string, field: string): string {
  const ns = policy.metadata.namespace ?? 'default';
  if (!ref?.name) throw new SectionError(field, 'a Secret name is required', `set ${field}.name to a Secret in namespace ${ns}`);
  const key = ref.key ?? defaultKey;
  const secret = env.ctx.secrets.get(`${ns}/${ref.name}`);
  if (!secret) throw new SectionError(field, `Secret ${ns}/${ref.name} does not exist`, `create Secret ${ns}/${ref.name} with the key "${key}"`);
  const v = decodePemData(secret, key);
  if (v === undefined || v === '') throw new SectionError(field, `Secret ${ns}/${ref.name} has no key "${key}"`, `add the key "${key}" to Secret ${ns}/${ref.name}, or set ${field}.key`);
  return v;
}

/** Every data key of a Secret, decoded. */
export function secretEntries(env: CompileEnv, policy: PolicyObject, name: string | undefined, field: string): [string, string][] {
  const ns = policy.metadata.namespace ?? 'default';
  const secret = name ? env.ctx.secrets.get(`${ns}/${name}`) : undefined;
  if (!secret) throw new SectionError(field, `Secret ${ns}/${name ?? ''} does not exist`, `create Secret ${ns}/${name ?? '<name>'}`);
  const keys = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
  return [...keys].sort().map((k) => [k, decodePemData(secret, k) ?? '']);
}

/** Hosts the platform lets policies fetch from: the union of our Gateways' annotations. */
export function allowedHosts(env: CompileEnv): Set<string> {
  const out = new Set<string>();
  for (const g of env.ctx.snapshot.gateways) {
    for (const h of (g.metadata.annotations?.[ALLOWED_HOSTS_ANNOTATION] ?? '').split(',')) if (h.trim()) out.add(h.trim().toLowerCase());
  }
  return out;
}

export function remoteDocument(env: CompileEnv, policy: PolicyObject, r: RemoteEndpoint | undefined, defaultPath: string, field: string): RemoteDocumentIR {
  const ns = policy.metadata.namespace ?? 'default';
  if (!r || (!r.backendRef && !r.uri) || (r.backendRef && r.uri)) {
    throw new SectionError(field, 'set exactly one of backendRef (an in-cluster Service) and uri', `set ${field}.backendRef to a Service in ${ns}, or ${field}.uri to an https URL on an allow-listed host`);
  }
  if (r.uri) {
    let url: URL;
    try { url = new URL(r.uri); } catch { throw new SectionError(`${field}.uri`, `"${r.uri}" is not a URL`, 'write an absolute https URL'); }
    if (url.protocol !== 'https:') throw new SectionError(`${field}.uri`, 'only https URLs are allowed', 'use https');
    const hosts = allowedHosts(env);
    if (!hosts.has(url.hostname.toLowerCase())) {
      throw new SectionError(`${field}.uri`, `host ${url.hostname} is not allow-listed by the platform`,
        `ask the platform team to add ${url.hostname} to the Gateway annotation ${ALLOWED_HOSTS_ANNOTATION}, or serve the document from a Service (backendRef)`);
    }
    return { url: url.href };
  }
  const ref = r.backendRef!;
  const res = resolveBackend(env.ctx, env.tls, { kind: 'SecurityPolicy', namespace: ns, name: policy.metadata.name }, { name: ref.name, port: ref.port }, `${field}.backendRef`, 'http');
  if (res.problem) throw new SectionError(`${field}.backendRef`, res.problem.message.replace(/^[^:]*: /, ''), `create Service ${ns}/${ref.name} with port ${ref.port}`);
  const scheme = res.backend.tls ? 'https' : 'http';
  return { url: `${scheme}://${ref.name}.${ns}.svc:${ref.port}${r.path ?? defaultPath}`, backend: res.backend };
}

export const POLICY_REF_GROUP = POLICY_GROUP;
