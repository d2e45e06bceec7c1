// The multi-worker meaning of a TrafficPolicy Cookie consistent hash (docs/traffic-policy.md):
// the cookie a worker issues is a random value, and every worker hashes a value to the same
// endpoint (the hash depends on the value and the endpoint addresses only). With `--workers 2`
// and a new connection per request (the kernel spreads them over the workers), a client sticks
// to the endpoint of its first request across all its requests, whichever worker serves them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.ts';
import { GATEWAY_CLASS, httpGateway } from '../helpers/manifests.ts';
import { waitFor } from '../provider/wait.ts';
import { adminGet, freePort, httpGet, serve } from '../e2e/serve-process.ts';

const NS = 'sticky';
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

interface Ep { name: string; server: http.Server; upstreamSockets: Set<string> }

/** Three endpoints on one port (an EndpointSlice has one port list) at three loopback addresses. */
async function endpoints(): Promise<{ port: number; eps: Ep[] }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const eps: Ep[] = [];
    let port = 0;
    try {
      for (const address of ADDRESSES) {
        const ep: Ep = { name: address, upstreamSockets: new Set(), server: undefined as unknown as http.Server };
        ep.server = http.createServer((req, res) => {
          req.resume();
          ep.upstreamSockets.add(`${req.socket.remoteAddress}:${req.socket.remotePort}`);
          res.end(address);
        });
        eps.push(ep);
        await new Promise<void>((r, j) => { ep.server.once('error', j); ep.server.listen(port, address, () => r()); });
        port = (ep.server.address() as AddressInfo).port;
      }
      return { port, eps };
    } catch {
      for (const e of eps) e.server.close(); // that port was taken on another address: try another
    }
  }
  throw new Error('no port free on all three loopback addresses');
}

const manifests = (port: number) => `${GATEWAY_CLASS}---
${httpGateway('gw', NS)}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: app, namespace: ${NS} }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ backendRefs: [{ name: app, port: 8080 }] }]
---
apiVersion: v1
kind: Service
metadata: { name: app, namespace: ${NS} }
spec: { ports: [{ name: http, port: 8080, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: app-1, namespace: ${NS}, labels: { kubernetes.io/service-name: app } }
addressType: IPv4
endpoints:
${ADDRESSES.map((a) => `  - { addresses: [${a}], conditions: { ready: true } }`).join('\n')}
ports: [{ name: http, port: ${port}, protocol: TCP }]
---
apiVersion: policy.portico.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: sticky, namespace: ${NS} }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: app }]
  loadBalancer:
    type: ConsistentHash
    consistentHash: { type: Cookie, name: lb, cookie: { ttl: 1h } }
`;

test('--workers 2: the first response sets the cookie, and the client sticks to that endpoint whichever worker serves it', async () => {
  const { port: backendPort, eps } = await endpoints();
  const dir = tempDir('portico-sticky-');
  writeFileSync(join(dir, 'app.yaml'), manifests(backendPort));
  const port = await freePort();
  const gw = serve(['--manifests', dir, '--workers', '2', '--port-offset', String(port - 80), '--admin', '127.0.0.1:0', '--access-log', 'off']);
  try {
    const admin = await waitFor(() => gw.admin(), 60_000, `admin address\n${gw.stderr()}`);
    let ready = false;
    await waitFor(() => {
      void adminGet(admin, '/readyz').then((r) => { ready = r.status === 200; }, () => {});
      return ready;
    }, 60_000, `readyz\n${gw.stderr()}`);
    const homes = new Set<string>();
    for (let client = 0; client < 6; client++) {
      const first = await httpGet('127.0.0.1', port, '/', { connection: 'close' });
      assert.is(first.status, 200);
      const set = first.headers['set-cookie'] as string[] | undefined;
      assert.is(set?.length, 1, `client ${client}: ${JSON.stringify(set)}`);
      assert.match(set![0]!, /^lb=[A-Za-z0-9_-]{22}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax$/);
      const cookie = set![0]!.split(';')[0]!;
      homes.add(first.body);
      // Fresh connections: the kernel spreads them over both workers.
      for (let i = 0; i < 12; i++) {
        const r = await httpGet('127.0.0.1', port, '/', { connection: 'close', cookie });
        assert.is(r.status, 200);
        assert.is(r.body, first.body, `client ${client}, request ${i}: moved from ${first.body}`);
        assert.is(r.headers['set-cookie'], undefined);
      }
    }
    // Both workers took part: each keeps its own connection pool, so an endpoint that served a
    // client's 13 requests through both workers saw connections from two gateway sockets.
    const reached = eps.filter((e) => homes.has(e.name));
    assert.ok(reached.some((e) => e.upstreamSockets.size >= 2), `every endpoint was reached over one gateway connection: ${reached.map((e) => `${e.name}:${[...e.upstreamSockets]}`)}`);
  } finally {
    await gw.stop();
    for (const e of eps) e.server.close();
  }
});

test.run();
