// Objects for the schema validation tests: a valid base per kind, and helpers that derive
// one-violation variants from it.
export const GW = 'gateway.networking.k8s.io/v1';

export function httpRoute(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: GW, kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'ns' }, spec: { parentRefs: [{ name: 'gw' }], ...spec } };
}

export function grpcRoute(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: GW, kind: 'GRPCRoute', metadata: { name: 'g', namespace: 'ns' }, spec: { parentRefs: [{ name: 'gw' }], ...spec } };
}

export const backend = (name = 'svc', port = 8080) => ({ name, port });

export function gateway(listeners: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: GW, kind: 'Gateway', metadata: { name: 'gw', namespace: 'ns' }, spec: { gatewayClassName: 'portico', listeners, ...extra } };
}

export const httpListener = (name = 'http', port = 80, extra: Record<string, unknown> = {}) => ({ name, port, protocol: 'HTTP', ...extra });

export const httpsListener = (name = 'https', port = 443, extra: Record<string, unknown> = {}) => ({
  name,
  port,
  protocol: 'HTTPS',
  tls: { certificateRefs: [{ name: 'cert' }] },
  ...extra,
});

export function listenerSet(listeners: unknown[]): Record<string, unknown> {
  return { apiVersion: GW, kind: 'ListenerSet', metadata: { name: 'ls', namespace: 'ns' }, spec: { parentRef: { name: 'gw' }, listeners } };
}

export function tlsRoute(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: GW, kind: 'TLSRoute', metadata: { name: 't', namespace: 'ns' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [backend()] }], ...spec } };
}

export function backendTLSPolicy(validation: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: GW,
    kind: 'BackendTLSPolicy',
    metadata: { name: 'p', namespace: 'ns' },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: 'svc' }], validation: { hostname: 'svc.example.com', ...validation } },
  };
}
