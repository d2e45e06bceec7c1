// SecurityPolicy spec.extAuth (Gateway or listener scope) → the same ExternalAuthIR the HTTPRoute
// ExternalAuth filter compiles to, so the data plane runs one implementation for both.
import type { ExternalAuthIR } from '../../../ir/index.ts';
import type { ExternalAuthorization } from '../../../model/index.ts';
import { resolveBackend } from '../../backends.ts';
import type { CompileEnv, PolicyObject } from '../descriptor.ts';
import { SectionError } from '../references.ts';

export function compileExtAuth(env: CompileEnv, policy: PolicyObject, v: ExternalAuthorization, field: string): ExternalAuthIR {
  const ns = policy.metadata.namespace ?? 'default';
  const protocol = v.protocol === 'GRPC' ? 'GRPC' : 'HTTP';
  if (!v.backendRef) throw new SectionError(`${field}.backendRef`, 'is required', 'name the auth Service and port');
  const r = resolveBackend(env.ctx, env.tls, { kind: 'SecurityPolicy', namespace: ns, name: policy.metadata.name },
    { name: v.backendRef.name, port: v.backendRef.port }, `${field}.backendRef`, protocol === 'GRPC' ? 'grpc' : 'http');
  if (r.problem) throw new SectionError(`${field}.backendRef`, r.problem.message.replace(/^[^:]*: /, ''), `create Service ${ns}/${v.backendRef.name} with port ${v.backendRef.port}`);
  const lower = (xs: string[] | undefined) => (xs ?? []).map((x) => x.toLowerCase());
  return {
    protocol, backend: r.backend,
    ...(protocol === 'HTTP' && v.http?.path ? { path: v.http.path } : {}),
    allowedHeaders: lower(protocol === 'GRPC' ? v.grpc?.allowedHeaders : v.http?.allowedHeaders),
    allowedResponseHeaders: lower(v.http?.allowedResponseHeaders),
    forwardBodyMaxSize: v.forwardBody?.maxSize ?? 0,
  };
}
