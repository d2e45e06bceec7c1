// `npm start -- --check` on a manifest directory: demo backends, EndpointSlices, serve, and
// one request per printed curl command.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runNode, tsxArgv, withTempDir } from '../helpers/cli.ts';
import { GATEWAY_CLASS, httpGateway } from '../helpers/manifests.ts';
import { freePort } from './serve-process.ts';

const app = `${GATEWAY_CLASS}---
${httpGateway('web', 'demo')}---
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
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: old, namespace: demo }
spec:
  parentRefs: [{ name: web }]
  hostnames: [old.example.com]
  rules:
    - filters: [{ type: RequestRedirect, requestRedirect: { scheme: https, hostname: shop.example.com, statusCode: 301 } }]
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

test('npm start --check prints curl -i commands, reaches the demo backends and reports the redirect as expected', async () => {
  const port = await freePort();
  await withTempDir('portico-start-', { 'app.yaml': app }, async (d) => {
    const res = await runNode([...tsxArgv('apps/start.ts'), '--check', '--manifests', d, '--port-offset', String(port - 80), '--address-pool', '127.0.3.0/24'], {
      timeoutMs: 25000, timeoutMessage: (sofar) => `start timed out\n${sofar.output}`,
    });
    const r = { code: res.code, out: res.output };
    assert.is(r.code, 0, r.out);
    assert.match(r.out, `curl -sSi --resolve shop.example.com:${port}:127.0.3.1 -H 'x-env: demo' 'http://shop.example.com:${port}/cart'`);
    assert.match(r.out, `curl -sSi --resolve old.example.com:${port}:127.0.3.1 'http://old.example.com:${port}/'`);
    assert.match(r.out, 'demo backend cart');
    assert.match(r.out, 'demo backend front');
    // The redirect is the expected outcome, with the spec's port rule: scheme https, so port 443, not shown.
    assert.match(r.out, `301 http://old.example.com:${port}/ -> redirect to https://shop.example.com/ (expected)`);
    assert.match(r.out, '3/3 routes answered as expected: 2 reached a demo backend, 1 redirected as configured');
    assert.not.match(r.out, 'UNEXPECTED');
  });
});

test.run();
