// SecurityPolicy end to end on real sockets: manifests → translate() → createDataplane().apply(),
// with every Service's EndpointSlice pointing at a loopback server of the test (an echo backend,
// a JWKS server, an auth service). Listener ports are replaced by free loopback ports.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createDataplane } from '../../../gateway/dataplane/index.ts';
import { fromObjects } from '../../../gateway/model/index.ts';
import { translate } from '../../../gateway/translator/index.ts';
import type { TranslateResult } from '../../../gateway/translator/api.ts';

export const NS = 'apps';
export const CONTROLLER = 'portico.dev/gateway-controller';
const GW = 'gateway.networking.k8s.io';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)); });
  });
}

export const gatewayClass = { apiVersion: `${GW}/v1`, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: CONTROLLER } };

export function gateway(listeners: { name: string; port: number }[], annotations: Record<string, string> = {}) {
  return {
    apiVersion: `${GW}/v1`, kind: 'Gateway', metadata: { name: 'gw', namespace: NS, annotations },
    spec: { gatewayClassName: 'portico', listeners: listeners.map((l) => ({ ...l, protocol: 'HTTP' })) },
  };
}

export function route(name: string, rules: { name?: string; path: string; service?: string }[], sectionName?: string) {
  return {
    apiVersion: `${GW}/v1`, kind: 'HTTPRoute', metadata: { name, namespace: NS },
    spec: {
      parentRefs: [{ name: 'gw', ...(sectionName ? { sectionName } : {}) }],
      rules: rules.map((r) => ({ ...(r.name ? { name: r.name } : {}), matches: [{ path: { type: 'PathPrefix', value: r.path } }], backendRefs: [{ name: r.service ?? 'echo', port: 8080 }] })),
    },
  };
}

/** A Service and its EndpointSlice pointing at 127.0.0.1:port. */
export function service(name: string, port: number, servicePort = 8080) {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ port: servicePort }] } },
    {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${name}-x`, namespace: NS, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ port }],
    },
  ];
}

export function secret(name: string, stringData: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, type: 'Opaque', stringData };
}

let age = 0;
export function policy(name: string, targetRefs: { kind: string; name: string; sectionName?: string }[], spec: Record<string, unknown>) {
  age++;
  return {
    apiVersion: 'policy.portico.dev/v1alpha1', kind: 'SecurityPolicy',
    metadata: { name, namespace: NS, creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, age)).toISOString() },
    spec: { targetRefs: targetRefs.map((t) => ({ group: GW, ...t })), ...spec },
  };
}

export interface Served {
  /** Bound port of each listener by its name. */
  ports: Record<string, number>;
  result: TranslateResult;
  close(): Promise<void>;
}

/** Translates and serves the objects; listeners get free loopback ports. */
export async function serve(objects: unknown[]): Promise<Served> {
  const mapped: Record<string, number> = {};
  const objs = structuredClone(objects) as any[];
  for (const o of objs) {
    if (o.kind !== 'Gateway') continue;
    for (const l of o.spec.listeners) { const p = await freePort(); mapped[l.name] = p; l.port = p; }
  }
  const { snapshot } = fromObjects(objs);
  const result = translate(snapshot, { controllerName: CONTROLLER, now: '2026-01-01T00:00:00Z' });
  for (const g of result.table.gateways) g.addresses = ['127.0.0.1'];
  const dp = createDataplane();
  const applied = await dp.apply(result.table);
  if (applied.errors?.length) throw new Error(`bind: ${JSON.stringify(applied.errors)}`);
  return { ports: mapped, result, close: () => dp.close() };
}

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

export function get(port: number, path: string, headers: Record<string, string> = {}, opts: { method?: string; localAddress?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: 'app.example.com', ...headers }, agent: false, timeout: 5000, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** An echo backend: answers 200 with the request's method, url and headers as JSON. */
export async function echo(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** A plain HTTP server answering with `handler`. */
export async function server(handler: http.RequestListener): Promise<{ port: number; close(): Promise<void> }> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return { port: (s.address() as AddressInfo).port, close: () => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

export const upstreamHeaders = (r: Reply): Record<string, string> => JSON.parse(r.body).headers;
