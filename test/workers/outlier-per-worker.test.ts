// The multi-worker meaning of passive outlier detection (docs/architecture.md): each data-plane
// worker counts the failures of the requests it sent itself and ejects on its own. With
// `--workers 2` and an endpoint that resets every connection, each worker that served requests
// reaches the endpoint exactly --outlier-consecutive-failures times before it answers 503 at once;
// the endpoint sees (failures × workers that ejected) connections, and /metrics (summed over the
// workers) counts one ejection per worker. The panic threshold is 0 here: with the default (50 %)
// a sole ejected endpoint keeps receiving requests, and the 503s this test counts would be 502s.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.ts';
import { GATEWAY_CLASS, httpGateway } from '../helpers/manifests.ts';
import { waitFor } from '../provider/wait.ts';
import { adminGet, freePort, httpGet, serve } from '../e2e/serve-process.ts';

const NS = 'outlier';
const FAILURES = 3;

test('--workers 2: each worker ejects a failing endpoint after its own failures', async () => {
  let connections = 0;
  const bad = net.createServer((c) => { connections++; c.on('error', () => {}); c.resetAndDestroy(); });
  await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
  const badPort = (bad.address() as AddressInfo).port;
  const dir = tempDir('portico-outlier-');
  writeFileSync(join(dir, 'app.yaml'), `${GATEWAY_CLASS}---
${httpGateway('gw', NS)}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: ${NS} }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ backendRefs: [{ name: bad, port: 8080 }] }]
---
apiVersion: v1
kind: Service
metadata: { name: bad, namespace: ${NS} }
spec: { ports: [{ name: http, port: 8080, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: bad-1, namespace: ${NS}, labels: { kubernetes.io/service-name: bad } }
addressType: IPv4
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
ports: [{ name: http, port: ${badPort}, protocol: TCP }]
`);
  const port = await freePort();
  const gw = serve(['--manifests', dir, '--workers', '2', '--port-offset', String(port - 80), '--admin', '127.0.0.1:0', '--access-log', 'off',
    '--outlier-consecutive-failures', String(FAILURES), '--outlier-base-ejection', '600', '--outlier-panic-threshold', '0']);
  try {
    const admin = await waitFor(() => gw.admin(), 60_000, `admin address\n${gw.stderr()}`);
    let ready = false;
    await waitFor(() => {
      void adminGet(admin, '/readyz').then((r) => { ready = r.status === 200; }, () => {});
      return ready;
    }, 60_000, `readyz\n${gw.stderr()}`);
    // Fresh connections, spread over the workers by the kernel.
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await httpGet('127.0.0.1', port, '/', { host: 'www.example', connection: 'close' })).status);
    const ejections = Number(/^portico_upstream_ejections_total\{[^}]*\} (\d+)$/m.exec((await adminGet(admin, '/metrics')).body)?.[1] ?? 0);
    console.log(`outlier per worker: ${connections} connections reached the endpoint, ${ejections} ejections, statuses ${JSON.stringify(Object.entries(statuses.reduce<Record<number, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {})))}`);
    assert.is(ejections, 2, 'each of the two workers ejected the endpoint on its own');
    assert.is(connections, FAILURES * 2, 'each worker sent its own failures, no more');
    assert.is(statuses.filter((s) => s === 502).length, FAILURES * 2);
    assert.is(statuses.filter((s) => s === 503).length, 60 - FAILURES * 2);
  } finally {
    await gw.stop();
    bad.close();
  }
});

test.run();
