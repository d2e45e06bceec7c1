// A seeded generator of L4 manifest sets for the differential test: one Gateway with TCP, UDP
// and TLS-Passthrough listeners (one of them sometimes restricted to a route kind it cannot
// carry), and TCPRoutes, UDPRoutes and TLSRoutes that attach by section or to the whole Gateway,
// from namespaces the listeners allow or not, with TLS hostnames inside and outside the
// listener's, and backends that exist, are missing, or sit in another namespace with or without a
// ReferenceGrant. Same seed, same sets.
import { rng } from './generate.ts';

export type L4Kind = 'TCPRoute' | 'UDPRoute' | 'TLSRoute';

export interface L4Listener { name: string; port: number; protocol: 'TCP' | 'UDP' | 'TLS' }

export interface GeneratedL4Set {
  seed: number;
  objects: Record<string, any>[];
  listeners: L4Listener[];
  routes: { kind: L4Kind; name: string; namespace: string }[];
}

const GATEWAY_NS = 'infra';
/** Service ports of the echo Services (what routes name); the EndpointSlices map them to the echo servers. */
export const TCP_SERVICE_PORT = 7000;
export const UDP_SERVICE_PORT = 7001;
/** Namespaces with an echo Service; a route in "other" to its own namespace's Service finds none. */
export const ECHO_NAMESPACES = ['apps', 'data'] as const;

export function generateL4Set(seed: number, echo: { tcp: Record<string, number>; udp: Record<string, number> }): GeneratedL4Set {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number) => r() < p;

  const tcpFrom = pick(['All', 'Same'] as const);
  // A listener whose allowed kinds it cannot carry: ResolvedRefs=False/InvalidRouteKinds, no route attaches.
  const tcpKinds = chance(0.25) ? ['UDPRoute'] : ['TCPRoute'];
  const listeners: (L4Listener & { spec: Record<string, unknown> })[] = [
    { name: 'tcp', port: 90, protocol: 'TCP', spec: { allowedRoutes: { namespaces: { from: tcpFrom } } } },
    { name: 'tcp-kinds', port: 91, protocol: 'TCP', spec: { allowedRoutes: { namespaces: { from: 'All' }, kinds: tcpKinds.map((kind) => ({ kind })) } } },
    { name: 'udp', port: 92, protocol: 'UDP', spec: { allowedRoutes: { namespaces: { from: pick(['All', 'Same'] as const) } } } },
    { name: 'tls', port: 93, protocol: 'TLS', spec: { hostname: '*.tls.example.com', tls: { mode: 'Passthrough' }, allowedRoutes: { namespaces: { from: 'All' } } } },
  ];
  const objects: Record<string, any>[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
    ...[GATEWAY_NS, 'apps', 'data', 'other'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'l4', namespace: GATEWAY_NS },
      spec: { gatewayClassName: 'portico', listeners: listeners.map((l) => ({ name: l.name, port: l.port, protocol: l.protocol, ...l.spec })) },
    },
  ];
  for (const ns of ECHO_NAMESPACES) {
    objects.push(
      {
        apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: ns },
        spec: { ports: [{ name: 'tcp', port: TCP_SERVICE_PORT, protocol: 'TCP' }, { name: 'udp', port: UDP_SERVICE_PORT, protocol: 'UDP' }] },
      },
      {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'echo-1', namespace: ns, labels: { 'kubernetes.io/service-name': 'echo' } },
        addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
        ports: [{ name: 'tcp', port: echo.tcp[ns], protocol: 'TCP' }, { name: 'udp', port: echo.udp[ns], protocol: 'UDP' }],
      },
    );
  }

  const routes: GeneratedL4Set['routes'] = [];
  const count = 3 + Math.floor(r() * 5);
  for (let k = 0; k < count; k++) {
    const kind = pick(['TCPRoute', 'TCPRoute', 'UDPRoute', 'UDPRoute', 'TLSRoute'] as const);
    const name = `${kind.slice(0, 3).toLowerCase()}${k}`;
    const namespace = pick(['apps', 'apps', 'data', 'other', GATEWAY_NS] as const);
    // Mostly the listener of the route's own protocol, sometimes another one, a missing one, or the whole Gateway.
    const own = kind === 'TCPRoute' ? pick(['tcp', 'tcp-kinds'] as const) : kind === 'UDPRoute' ? 'udp' : 'tls';
    const section = pick([own, own, own, undefined, ...listeners.map((l) => l.name), 'missing']);
    const backend = pick(['own', 'own', 'own', 'cross', 'cross-granted', 'ghost'] as const);
    const port = kind === 'UDPRoute' ? UDP_SERVICE_PORT : TCP_SERVICE_PORT;
    const backendRef = backend === 'own' ? { name: 'echo', port }
      : backend === 'ghost' ? { name: 'ghost', port }
      : { name: 'echo', namespace: namespace === 'data' ? 'apps' : 'data', port };
    if (backend === 'cross-granted') {
      objects.push({
        apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: `from-${namespace}-${name}`, namespace: backendRef.namespace },
        spec: { from: [{ group: 'gateway.networking.k8s.io', kind, namespace }], to: [{ group: '', kind: 'Service', name: 'echo' }] },
      });
    }
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1', kind, metadata: { name, namespace },
      spec: {
        parentRefs: [{ name: 'l4', namespace: GATEWAY_NS, ...(section ? { sectionName: section } : {}) }],
        ...(kind === 'TLSRoute' ? { hostnames: [pick(['a.tls.example.com', 'b.tls.example.com', 'www.example.org'])] } : {}),
        rules: [{ backendRefs: [backendRef] }],
      },
    });
    routes.push({ kind, name, namespace });
  }
  return { seed, objects, listeners: listeners.map(({ name, port, protocol }) => ({ name, port, protocol })), routes };
}
