// `npm start -- --check` on a manifest directory: demo backends, EndpointSlices, serve, and
// one request per printed curl command.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './serve-process.ts';

const REPO = resolve(import.meta.dirname, '../..');

const app = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: web, namespace: demo }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, port: 80, protocol: HTTP }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: shop, namespace: demo }
spec:
  parentRefs: [{ name: web }]
  hostnames: [shop.example.com]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /cart }, headers: [{ name: x-env, value: demo }] }]
      backendRefs: [{ name: cart, port: 80 }]
    - backendRefs: [{ name: front, port: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: cart, namespace: demo }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: front, namespace: demo }
spec: { ports: [{ name: http, port: 80 }] }
`;

test('npm start --check prints curl commands and reaches the demo backends', async () => {
  const d = mkdtempSync(join(tmpdir(), 'portico-start-'));
  writeFileSync(join(d, 'app.yaml'), app);
  const port = await freePort();
  try {
    const r = await new Promise<{ code: number | null; out: string }>((done, fail) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'apps/start.ts', '--check', '--manifests', d, '--port-offset', String(port - 80), '--address-pool', '127.0.3.0/24'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`start timed out\n${out}`)); }, 25000);
      child.on('close', (code) => { clearTimeout(timer); done({ code, out }); });
    });
    assert.is(r.code, 0, r.out);
    assert.match(r.out, `curl -sS --resolve shop.example.com:${port}:127.0.3.1 -H 'x-env: demo' 'http://shop.example.com:${port}/cart'`);
    assert.match(r.out, 'demo backend cart');
    assert.match(r.out, 'demo backend front');
    assert.match(r.out, '2/2 requests reached a demo backend');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test.run();
