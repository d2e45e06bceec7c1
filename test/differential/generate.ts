// A seeded generator of manifest sets for the differential test: one Gateway with a few HTTP
// listeners (some conflicting, some with route kinds they cannot carry), tenant namespaces,
// routes that attach by section or to the whole Gateway, with hostnames inside and outside their
// tenant's, and backends that exist, are missing, or sit in another namespace with or without a
// ReferenceGrant. Same seed, same sets.
import type { TenantModel } from '../../gateway/validate/index.ts';

/** mulberry32: a small deterministic PRNG (the sets must be reproducible from the seed). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedSet {
  seed: number;
  objects: Record<string, any>[];
  tenants: TenantModel[];
  /** Every listener port the set declares (before the port offset). */
  ports: number[];
  /** Routes by name: namespace, path prefix they match, hostnames. */
  routes: { name: string; namespace: string; path: string; hostnames: string[] }[];
}

const GATEWAY_NS = 'infra';
const TENANT_LABEL = 'portico.dev/tenant';

interface ListenerSpec { name: string; port: number; protocol?: 'HTTP' | 'TCP'; hostname?: string; from: 'All' | 'Same' | 'Selector'; tenant?: string; kinds?: string[] }

export function generateSet(seed: number, backendPort: number): GeneratedSet {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number) => r() < p;
  // About one set in four keeps every rule: tenants' routes on their own listener, under their
  // own hostnames, to their own Services (validate must then be clean and everything served).
  const wellBehaved = chance(0.25);

  const listeners: ListenerSpec[] = [
    { name: 'shop', port: 80, hostname: '*.shop.example.com', from: pick(['All', 'Selector', 'Selector'] as const), tenant: 'shop' },
    { name: 'blog', port: 81, hostname: '*.blog.example.com', from: pick(['All', 'Selector'] as const), tenant: 'blog' },
    { name: 'any', port: 82, from: pick(['All', 'Same'] as const) },
  ];
  // A TCP listener on an HTTP listener's port: a protocol conflict (the CRD allows it, the spec does not).
  if (!wellBehaved && chance(0.3)) listeners.push({ name: 'tcp-clash', port: 80, protocol: 'TCP', from: 'All' });
  if (!wellBehaved && chance(0.3)) listeners.push({ name: 'tcp-only', port: 83, from: 'All', kinds: ['TCPRoute'] });

  const namespaces = ['shop', 'blog', 'other', 'payments'];
  const objects: Record<string, any>[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: GATEWAY_NS } },
    ...namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: name === 'shop' || name === 'blog' ? { [TENANT_LABEL]: name } : {} } })),
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'edge', namespace: GATEWAY_NS },
      spec: {
        gatewayClassName: 'portico',
        listeners: listeners.map((l) => ({
          name: l.name, port: l.port, protocol: l.protocol ?? 'HTTP', ...(l.hostname ? { hostname: l.hostname } : {}),
          allowedRoutes: {
            namespaces: l.from === 'Selector' ? { from: 'Selector', selector: { matchLabels: { [TENANT_LABEL]: l.tenant } } } : { from: l.from },
            ...(l.kinds ? { kinds: l.kinds.map((kind) => ({ kind })) } : {}),
          },
        })),
      },
    },
  ];
  // An echo Service in every namespace but "other": a route there to its own namespace's Service
  // finds none (validate assumes it exists elsewhere; serve answers 500).
  for (const ns of ['shop', 'blog', 'payments']) {
    objects.push(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: ns }, spec: { ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] } },
      {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'echo-1', namespace: ns, labels: { 'kubernetes.io/service-name': 'echo' } },
        addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'http', port: backendPort, protocol: 'TCP' }],
      },
    );
  }

  const hostnamesPool = ['a.shop.example.com', 'b.blog.example.com', 'www.example.org'];
  const routes: GeneratedSet['routes'] = [];
  const count = 3 + Math.floor(r() * 4);
  for (let k = 0; k < count; k++) {
    const name = `r${k}`;
    const namespace = wellBehaved ? pick(['shop', 'blog'] as const) : pick(['shop', 'shop', 'blog', 'other'] as const);
    const hostnames = wellBehaved ? [`${name}.${namespace}.example.com`] : chance(0.3) ? [] : [pick(hostnamesPool)];
    const section = wellBehaved ? namespace : pick([undefined, undefined, ...listeners.map((l) => l.name), 'missing']);
    const backend = wellBehaved ? pick(['own', 'payments-granted'] as const) : pick(['own', 'own', 'own', 'payments', 'payments-granted', 'ghost'] as const);
    const backendRef = backend === 'own' ? { name: 'echo', port: 8080 }
      : backend === 'ghost' ? { name: 'ghost', port: 8080 }
      : { name: 'echo', namespace: 'payments', port: 8080 };
    if (backend === 'payments-granted') {
      objects.push({
        apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: `from-${namespace}-${name}`, namespace: 'payments' },
        spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace }], to: [{ group: '', kind: 'Service', name: 'echo' }] },
      });
    }
    const path = `/${name}`;
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace },
      spec: {
        parentRefs: [{ name: 'edge', namespace: GATEWAY_NS, ...(section ? { sectionName: section } : {}) }],
        ...(hostnames.length ? { hostnames } : {}),
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [backendRef] }],
      },
    });
    routes.push({ name, namespace, path, hostnames });
  }

  const tenants: TenantModel[] = [
    { name: 'shop', namespaces: ['shop'], hostnames: ['*.shop.example.com'], listeners: [{ kind: 'Gateway', namespace: GATEWAY_NS, name: 'edge', sectionName: 'shop' }], allowListenerSets: false },
    { name: 'blog', namespaces: ['blog'], hostnames: ['*.blog.example.com'], listeners: [{ kind: 'Gateway', namespace: GATEWAY_NS, name: 'edge', sectionName: 'blog' }], allowListenerSets: false },
  ];
  return { seed, objects, tenants, ports: [...new Set(listeners.map((l) => l.port))].sort(), routes };
}
