// The Gateway API manifests Portico serves in the benchmark: one Gateway with HTTP (also h2c),
// HTTPS, TCP and gRPC listeners, the origin Services with their EndpointSlices, and N HTTPRoutes
// spread over up to 1,000 hostnames with mixed match types (exact, prefix, header, method,
// regex), as a real multi-tenant table has them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { JWT_AUDIENCE, JWT_ISSUER, JWT_ROUTE_HEADER } from './jwt.ts';

export const LISTENER = { http: 80, https: 443, tcp: 9000, grpc: 9090 } as const;
export const HOST = (i: number) => `h${i}.bench.example.com`;

const gw = (kind: string, o: object) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind, ...o });

function service(name: string, port: number, originPort: number, appProtocol?: string): object[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'bench' },
      spec: { ports: [{ name: 'p', port, protocol: 'TCP', ...(appProtocol ? { appProtocol } : {}) }] } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: 'bench', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'p', port: originPort, protocol: 'TCP', ...(appProtocol ? { appProtocol } : {}) }] },
  ];
}

/** One HTTPRoute of the generated table; route i owns hostname i mod 1,000. */
export function generatedRoute(i: number, hostnames = 1000): object {
  const kinds = [
    { path: { type: 'Exact', value: `/api/${i}` } },
    { path: { type: 'PathPrefix', value: `/p/${i}` } },
    { path: { type: 'PathPrefix', value: `/h/${i}` }, headers: [{ name: 'x-tenant', value: `t${i}` }] },
    { path: { type: 'PathPrefix', value: `/m/${i}` }, method: 'POST' },
    { path: { type: 'RegularExpression', value: `/re/${i}/[0-9]+` } },
  ];
  return gw('HTTPRoute', {
    metadata: { name: `r${i}`, namespace: 'bench' },
    spec: {
      parentRefs: [{ name: 'bench', sectionName: 'http' }],
      hostnames: [HOST(i % hostnames)],
      rules: [{ matches: [kinds[i % kinds.length]!], backendRefs: [{ name: 'origin', port: 8080 }] }],
    },
  });
}

export interface BenchManifests { origin: number; grpcOrigin: number; tls: { cert: string; key: string }; routes: number; jwks?: string }

/** Hosts of the rate-limited routes: a global limit (counted in Redis) and a local one (token buckets). */
export const LIMITED_HOST = { global: 'global-limit.bench.example.com', local: 'local-limit.bench.example.com' } as const;

// Routes with a TrafficPolicy rate limit far above what a run sends: every request pays for the
// limit (a Redis round trip, a bucket) and none is refused, so req/s compare with the plain route.
function rateLimitedRoutes(): object[] {
  return (['global', 'local'] as const).flatMap((kind) => [
    gw('HTTPRoute', { metadata: { name: `${kind}-limit`, namespace: 'bench' },
      spec: { parentRefs: [{ name: 'bench', sectionName: 'http' }], hostnames: [LIMITED_HOST[kind]], rules: [{ backendRefs: [{ name: 'origin', port: 8080 }] }] } }),
    { apiVersion: 'policy.portico.dev/v1alpha1', kind: 'TrafficPolicy', metadata: { name: `${kind}-limit`, namespace: 'bench' },
      spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: `${kind}-limit` }],
        rateLimit: { [kind]: { rules: [{ limit: { requests: 1_000_000_000, unit: 'Minute' }, selectors: [{ type: 'ClientIP' }] }] } } } },
  ]);
}

/** Writes the manifests into dir (base.yaml + routes.yaml) and returns dir. */
export function writeManifests(dir: string, m: BenchManifests): string {
  mkdirSync(dir, { recursive: true });
  const base = [
    gw('GatewayClass', { metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } }),
    { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'bench-tls', namespace: 'bench' },
      data: { 'tls.crt': Buffer.from(m.tls.cert).toString('base64'), 'tls.key': Buffer.from(m.tls.key).toString('base64') } },
    gw('Gateway', {
      metadata: { name: 'bench', namespace: 'bench' },
      spec: {
        gatewayClassName: 'portico',
        listeners: [
          { name: 'http', port: LISTENER.http, protocol: 'HTTP' },
          { name: 'https', port: LISTENER.https, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'bench-tls' }] } },
          { name: 'tcp', port: LISTENER.tcp, protocol: 'TCP', allowedRoutes: { kinds: [{ kind: 'TCPRoute' }] } },
          { name: 'grpc', port: LISTENER.grpc, protocol: 'HTTP', allowedRoutes: { kinds: [{ kind: 'GRPCRoute' }] } },
        ],
      },
    }),
    ...service('origin', 8080, m.origin),
    ...service('grpc', 50051, m.grpcOrigin, 'kubernetes.io/h2c'),
    // The catch-all every throughput scenario hits, beside whatever generated table is loaded.
    gw('HTTPRoute', { metadata: { name: 'catch-all', namespace: 'bench' },
      spec: { parentRefs: [{ name: 'bench', sectionName: 'http' }, { name: 'bench', sectionName: 'https' }],
        rules: [{ backendRefs: [{ name: 'origin', port: 8080 }] }] } }),
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'TCPRoute', metadata: { name: 'tcp', namespace: 'bench' },
      spec: { parentRefs: [{ name: 'bench', sectionName: 'tcp' }], rules: [{ backendRefs: [{ name: 'origin', port: 8080 }] }] } },
    gw('GRPCRoute', { metadata: { name: 'grpc', namespace: 'bench' },
      spec: { parentRefs: [{ name: 'bench', sectionName: 'grpc' }], rules: [{ backendRefs: [{ name: 'grpc', port: 50051 }] }] } }),
    // The JWT scenario: requests with x-bench-jwt: 1 take this route, whose SecurityPolicy verifies
    // the bearer token (ES256, issuer, audience, expiry) on every request.
    ...(m.jwks ? [
      gw('HTTPRoute', { metadata: { name: 'jwt', namespace: 'bench' },
        spec: { parentRefs: [{ name: 'bench', sectionName: 'http' }],
          rules: [{ matches: [{ headers: [{ name: JWT_ROUTE_HEADER, value: '1' }] }], backendRefs: [{ name: 'origin', port: 8080 }] }] } }),
      { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'bench-jwks', namespace: 'bench' }, stringData: { 'jwks.json': m.jwks } },
      { apiVersion: 'policy.portico.dev/v1alpha1', kind: 'SecurityPolicy', metadata: { name: 'jwt', namespace: 'bench' },
        spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'jwt' }],
          jwt: { providers: [{ name: 'bench', issuer: JWT_ISSUER, audiences: [JWT_AUDIENCE], jwks: { secretRef: { name: 'bench-jwks' } } }] } } },
    ] : []),
    ...rateLimitedRoutes(),
  ];
  writeFileSync(join(dir, 'base.yaml'), base.map((o) => stringify(o)).join('---\n'));
  const routes = Array.from({ length: m.routes }, (_, i) => generatedRoute(i));
  writeFileSync(join(dir, 'routes.yaml'), routes.map((o) => stringify(o)).join('---\n') || '# no generated routes\n');
  return dir;
}
