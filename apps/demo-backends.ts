// Demo backends for `npm start`: one echo server per Service found in the manifests, each on
// its own loopback address, answering like the conformance echo server (JSON with path, host,
// method, headers, service, namespace, pod), plus the EndpointSlices that point the gateway
// at them — what a cluster's Deployments and endpoint controller would provide.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EndpointSlice, Service } from '../gateway/model/index.ts';

export interface DemoBackend {
  namespace: string;
  service: string;
  pod: string;
  address: string;
  /** Service port → the port this backend really listens on. */
  ports: { name?: string; servicePort: number; port: number }[];
}

export interface DemoBackends {
  backends: DemoBackend[];
  endpointSlices: EndpointSlice[];
  close(): Promise<void>;
}

/** Go-canonical header names ("x-foo-bar" → "X-Foo-Bar"), as the Go echo server reports them. */
function canonical(name: string): string {
  return name.split('-').map((p) => (p ? p[0].toUpperCase() + p.slice(1).toLowerCase() : p)).join('-');
}

export function echoBody(req: IncomingMessage, b: Pick<DemoBackend, 'namespace' | 'service' | 'pod'>): string {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = canonical(req.rawHeaders[i]);
    if (name === 'Host') continue;
    (headers[name] ??= []).push(req.rawHeaders[i + 1]);
  }
  return JSON.stringify({
    path: req.url, host: req.headers.host ?? '', method: req.method, proto: `HTTP/${req.httpVersion === '2.0' ? '2.0' : req.httpVersion}`,
    headers, namespace: b.namespace, ingress: '', service: b.service, pod: b.pod,
  }, null, 1);
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Starts the backends. Addresses are `${prefix}${i + 1}` (default 127.0.2.x), so each Service
 * is told apart by address as well as by its answer.
 */
export async function startDemoBackends(services: Service[], opts: { prefix?: string } = {}): Promise<DemoBackends> {
  const prefix = opts.prefix ?? '127.0.2.';
  const servers: Server[] = [];
  const backends: DemoBackend[] = [];
  const endpointSlices: EndpointSlice[] = [];
  try {
    for (const [i, svc] of services.entries()) {
      const namespace = svc.metadata.namespace ?? 'default';
      const b: DemoBackend = { namespace, service: svc.metadata.name, pod: `${svc.metadata.name}-demo-0`, address: `${prefix}${i + 1}`, ports: [] };
      for (const sp of svc.spec?.ports ?? []) {
        if ((sp.protocol ?? 'TCP') !== 'TCP') continue;
        const server = createServer((req, res) => {
          req.resume();
          const body = echoBody(req, b);
          res.writeHead(200, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        });
        servers.push(server);
        b.ports.push({ name: sp.name, servicePort: sp.port, port: await listen(server, b.address) });
      }
      if (b.ports.length === 0) continue;
      backends.push(b);
      endpointSlices.push({
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { name: `${svc.metadata.name}-demo`, namespace, labels: { 'kubernetes.io/service-name': svc.metadata.name } },
        addressType: 'IPv4',
        endpoints: [{ addresses: [b.address], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', name: b.pod, namespace } }],
        // EndpointSlice ports carry the Service port's name; the number is where the pod listens.
        ports: b.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: 'TCP' })),
      });
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    throw err;
  }
  return {
    backends, endpointSlices,
    close: () => Promise.all(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }))).then(() => {}),
  };
}
