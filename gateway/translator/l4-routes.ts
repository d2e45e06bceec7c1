// TLSRoute, TCPRoute and UDPRoute → L4RouteIR: weighted backends, no matching beyond SNI.
import type { BackendIR, L4RouteIR } from '../ir/index.ts';
import type { KubeObject, L4RouteRule } from '../model/index.ts';
import type { ConditionInput } from './conditions.ts';
import type { Context } from './context.ts';
import type { Transport } from './backends.ts';
import { resolveBackend } from './backends.ts';
import type { TlsPolicies } from './backend-tls-policies.ts';

export interface L4Translation {
  route: L4RouteIR;
  problems: ConditionInput[];
}

export function translateL4Route(
  ctx: Context, tls: TlsPolicies, kind: 'TLSRoute' | 'TCPRoute' | 'UDPRoute', route: KubeObject<{ rules?: L4RouteRule[] }>,
): L4Translation {
  const src = { kind, namespace: route.metadata.namespace ?? 'default', name: route.metadata.name };
  const transport: Transport = kind === 'UDPRoute' ? 'udp' : kind === 'TLSRoute' ? 'tls' : 'tcp';
  const problems: ConditionInput[] = [];
  const backends: BackendIR[] = [];
  // TCP/UDP/TLS routes carry one rule in v1.6.1; further rules (experimental) are ignored.
  const rule = route.spec?.rules?.[0];
  for (const [bi, ref] of (rule?.backendRefs ?? []).entries()) {
    const r = resolveBackend(ctx, tls, src, ref, `spec.rules[0].backendRefs[${bi}]`, transport);
    if (r.problem) problems.push(r.problem);
    backends.push(r.backend);
  }
  return { route: { route: `${kind}/${src.namespace}/${src.name}`, backends }, problems };
}
