// backendRefs → BackendIR with endpoints resolved from EndpointSlices. An invalid reference
// still yields a BackendIR (marked invalid, answering 500) so weights keep their meaning: the
// spec wants the share of traffic meant for a broken backend to fail, not to move elsewhere.
import type { BackendIR, BackendProtocol, EndpointIR } from '../ir/index.ts';
import type { BackendObjectReference, Service, ServicePort } from '../model/index.ts';
import type { ConditionInput } from './conditions.ts';
import { Reason } from './conditions.ts';
import type { Context } from './context.ts';
import { GATEWAY_GROUP, noteReference, referenceAllowed } from './context.ts';
import type { TlsPolicies } from './backend-tls-policies.ts';

export interface RouteSource {
  kind: string;
  namespace: string;
  name: string;
}

export interface ResolvedBackend {
  backend: BackendIR;
  problem?: ConditionInput;
  /** "namespace/name" of the Service when the reference resolved to one. */
  service?: string;
}

export type Transport = 'http' | 'grpc' | 'tcp' | 'udp' | 'tls';

const refused = (reason: string, message: string): ConditionInput => ({ type: 'ResolvedRefs', status: false, reason, message });

/** Resolves one backend reference of a route and records the verdict (Decisions.references). */
export function resolveBackend(
  ctx: Context, tls: TlsPolicies, route: RouteSource, ref: BackendObjectReference & { weight?: number }, field: string, transport: Transport,
): ResolvedBackend {
  const r = resolve(ctx, tls, route, ref, field, transport);
  noteReference(ctx, { group: GATEWAY_GROUP, ...route }, field,
    { group: ref.group ?? '', kind: ref.kind ?? 'Service', namespace: ref.namespace ?? route.namespace, name: ref.name }, r.problem);
  return r;
}

function resolve(
  ctx: Context, tls: TlsPolicies, route: RouteSource, ref: BackendObjectReference & { weight?: number }, field: string, transport: Transport,
): ResolvedBackend {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  const namespace = ref.namespace ?? route.namespace;
  const port = ref.port ?? 0;
  const weight = ref.weight ?? 1;
  const base: BackendIR = {
    id: `${kind}:${namespace}/${ref.name}:${port}`, kind, namespace, name: ref.name, port, weight,
    protocol: defaultProtocol(transport), endpoints: [],
  };
  const fail = (reason: string, message: string): ResolvedBackend => ({
    backend: { ...base, invalid: { status: 500, reason } }, problem: refused(reason, `${field}: ${message}`),
  });

  if (group !== '' || kind !== 'Service') {
    return fail(Reason.InvalidKind, `${group ? group + '/' : ''}${kind} is not a supported backend kind; reference a core Service`);
  }
  if (!referenceAllowed(ctx, { group: GATEWAY_GROUP, kind: route.kind, namespace: route.namespace }, { group: '', kind: 'Service', namespace, name: ref.name })) {
    return fail(Reason.RefNotPermitted, `Service ${namespace}/${ref.name} is in another namespace and no ReferenceGrant in ${namespace} allows ${route.kind}s from ${route.namespace} to reference it`);
  }
  const svc = ctx.services.get(`${namespace}/${ref.name}`);
  if (!svc) return fail(Reason.BackendNotFound, `Service ${namespace}/${ref.name} does not exist`);
  if (ref.port === undefined) return fail(Reason.BackendNotFound, `port is required for Service backends`);
  const sp = servicePort(svc, port, transport);
  if (!sp) {
    const ports = (svc.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',');
    const wanted = transport === 'udp' ? 'UDP' : 'TCP';
    return fail(Reason.BackendNotFound, `Service ${namespace}/${ref.name} has no ${wanted} port ${port} (ports: ${ports || 'none'})`);
  }
  if ((transport === 'http' || transport === 'grpc') && !speaks(sp.appProtocol)) {
    return fail(Reason.UnsupportedProtocolRoute, `Service ${namespace}/${ref.name} port ${port} has appProtocol "${sp.appProtocol}", which Portico cannot speak to over HTTP`);
  }
  const backend: BackendIR = { ...base, protocol: protocolOf(sp, transport), endpoints: endpointsOf(ctx, svc, sp) };
  const service = `${namespace}/${ref.name}`;
  if (transport === 'http' || transport === 'grpc') {
    const policy = tls.forService(service, sp.name);
    if (policy) {
      if (!policy.tls) return { backend: { ...backend, invalid: { status: 500, reason: 'InvalidBackendTLSPolicy' } }, service };
      backend.tls = policy.tls;
      backend.protocol = 'tls';
    }
  }
  return { backend, service };
}

// The Kubernetes-standard appProtocols (KEP-3726) an HTTP route can use. Other kubernetes.io/*
// values name protocols Portico cannot proxy HTTP to ("UnsupportedProtocol", HTTPRoute
// backendRefs docs); non-standard values are implementation-specific and treated as plain HTTP.
const HTTP_APP_PROTOCOLS = new Set(['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss']);

function speaks(appProtocol: string | undefined): boolean {
  return !appProtocol?.startsWith('kubernetes.io/') || HTTP_APP_PROTOCOLS.has(appProtocol);
}

function defaultProtocol(t: Transport): BackendProtocol {
  return t === 'grpc' ? 'h2c' : t === 'tcp' || t === 'tls' ? 'tcp' : t === 'udp' ? 'udp' : 'http1';
}

function servicePort(svc: Service, port: number, transport: Transport): ServicePort | undefined {
  const wanted = transport === 'udp' ? 'UDP' : 'TCP';
  return (svc.spec?.ports ?? []).find((p) => p.port === port && (p.protocol ?? 'TCP') === wanted);
}

function protocolOf(sp: ServicePort, transport: Transport): BackendProtocol {
  if (transport === 'tcp' || transport === 'tls') return 'tcp';
  if (transport === 'udp') return 'udp';
  switch (sp.appProtocol) {
    case 'kubernetes.io/h2c': return 'h2c';
    case 'kubernetes.io/ws': case 'kubernetes.io/wss': return transport === 'grpc' ? 'h2c' : 'ws';
    default: return transport === 'grpc' ? 'h2c' : 'http1';
  }
}

/** Ready endpoints of the Service port, from EndpointSlices (or the ExternalName). */
export function endpointsOf(ctx: Context, svc: Service, sp: ServicePort): EndpointIR[] {
  if (svc.spec?.type === 'ExternalName' && svc.spec.externalName) {
    return [{ address: svc.spec.externalName, port: typeof sp.targetPort === 'number' ? sp.targetPort : sp.port }];
  }
  const out: EndpointIR[] = [];
  const seen = new Set<string>();
  for (const slice of ctx.slices.get(`${svc.metadata.namespace}/${svc.metadata.name}`) ?? []) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? ''))?.port
      ?? (slice.ports?.length === 1 && !sp.name ? slice.ports[0].port : undefined);
    if (port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const address of ep.addresses.slice(0, 1)) {
        const key = `${address}:${port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(ep.targetRef?.name ? { address, port, pod: ep.targetRef.name } : { address, port });
      }
    }
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
}
