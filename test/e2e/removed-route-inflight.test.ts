// A request in flight to a route that a config change removes (not SIGTERM) is not cut: the
// backend has answered the head and part of the body, the route and its Service are removed and
// the change is applied, then the backend sends the rest, and the client gets the whole response.
// Nothing here waits on a clock: the backend holds its answer until the test has seen the new
// config applied.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway, parseServeArgs } from '../../gateway/cli/serve.ts';
import { createLogger } from '../../gateway/admin/log.ts';
import { tempDir } from '../helpers/cli.ts';
import { GATEWAY_CLASS } from '../helpers/manifests.ts';
import { waitFor } from '../provider/wait.ts';
import { freePort } from './serve-process.ts';

function service(name: string, port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: rr }
spec: { ports: [{ name: p, port: 8080, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-1, namespace: rr, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
ports: [{ name: p, port: ${port}, protocol: TCP }]
`;
}

function manifests(withSlow: boolean, ports: { slow: number; other: number }): string {
  const slow = withSlow ? `---
${service('slow', ports.slow)}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: slow, namespace: rr }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [slow.example]
  rules: [{ backendRefs: [{ name: slow, port: 8080 }] }]
` : '';
  return `${GATEWAY_CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: rr }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, port: 80, protocol: HTTP }]
---
${service('other', ports.other)}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: other, namespace: rr }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [other.example]
  rules: [{ backendRefs: [{ name: other, port: 8080 }] }]
${slow}`;
}

test('an in-flight request to a route removed by a config change (route and Service gone) still gets its whole response', async () => {
  const PART = 'a'.repeat(64 * 1024);
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let arrived = false;
  const slow = http.createServer((_req, res) => {
    arrived = true;
    res.writeHead(200, { 'content-length': String(PART.length * 2) });
    res.write(PART);
    void released.then(() => res.end(PART));
  });
  const other = http.createServer((_req, res) => res.end('other'));
  await Promise.all([slow, other].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  const ports = { slow: (slow.address() as { port: number }).port, other: (other.address() as { port: number }).port };
  const dir = tempDir('portico-rr-');
  const file = join(dir, 'app.yaml');
  const write = (withSlow: boolean) => {
    writeFileSync(join(dir, '.next'), manifests(withSlow, ports));
    renameSync(join(dir, '.next'), file);
  };
  write(true);
  const port = await freePort();
  const log = createLogger(() => {}, () => new Date().toISOString(), 'error');
  const gw = await startGateway(parseServeArgs(['--manifests', file, '--port-offset', String(port - 80), '--admin', '127.0.0.1:0', '--access-log', 'off', '--poll-ms', '100', '--drain-timeout', '30']), log, () => new Date().toISOString());
  const get = (host: string) => new Promise<{ status: number; body: string; complete: boolean }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, complete: res.complete }));
      res.on('aborted', () => resolve({ status: res.statusCode!, body, complete: false }));
      res.on('error', () => resolve({ status: res.statusCode!, body, complete: false }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
  });
  try {
    await gw.pipeline.idle();
    const inflight = get('slow.example');
    await waitFor(() => arrived, 10_000, 'the request at the slow backend');
    const before = gw.admin.state.current!.generation;
    write(false);
    await waitFor(() => gw.admin.state.current!.generation > before, 15_000, 'the removal applied');
    assert.is((await get('slow.example')).status, 404, 'the route is gone for new requests');
    assert.is((await get('other.example')).body, 'other', 'the other route is served');
    release();
    const got = await inflight;
    assert.is(got.status, 200);
    assert.ok(got.complete, 'the response was not cut');
    assert.is(got.body.length, PART.length * 2, 'the whole body arrived');
  } finally {
    release();
    await gw.stop({ delayMs: 0, timeoutMs: 2000 });
    for (const s of [slow, other]) { s.closeAllConnections(); s.close(); }
  }
});

test.run();
