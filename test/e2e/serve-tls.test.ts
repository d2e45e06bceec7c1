// HTTPS end to end: a certificate Secret from the manifests (made with openssl), TLS
// termination with SNI, and /config showing the certificate without its private key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.ts';
import { selfSignedCert } from '../helpers/self-signed.ts';
import { GATEWAY_CLASS, httpsGateway } from '../helpers/manifests.ts';
import { waitFor } from '../provider/wait.ts';
import { adminGet, freePort, httpsGet, serve } from './serve-process.ts';

test('terminates TLS with the Secret from the manifests and never shows its key in /config', async () => {
  const dir = tempDir('portico-e2e-tls-');
  const { cert, key } = selfSignedCert(dir, 'site', ['secure.example.com']);
  const backend: Server = createServer((req, res) => res.end(JSON.stringify({ service: 'echo', path: req.url })));
  await new Promise<void>((r) => backend.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const backendPort = (backend.address() as { port: number }).port;
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  writeFileSync(join(dir, 'app.yaml'), `${GATEWAY_CLASS}---
${httpsGateway('gw', 'e2e')}---
apiVersion: v1
kind: Secret
metadata: { name: site-cert, namespace: e2e }
type: kubernetes.io/tls
data: { tls.crt: ${b64(cert)}, tls.key: ${b64(key)} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: e2e }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ backendRefs: [{ name: echo, port: 80 }] }]
---
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: e2e }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: echo-1, namespace: e2e, labels: { kubernetes.io/service-name: echo } }
addressType: IPv4
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
ports: [{ name: http, port: ${backendPort} }]
`);
  const port = await freePort();
  const gw = serve(['--manifests', dir, '--port-offset', String(port - 443), '--admin', '127.0.0.1:0', '--access-log', 'off']);
  try {
    const admin = await waitFor(() => gw.admin(), 15000, `admin address\n${gw.stderr()}`);
    let ready = false;
    await waitFor(() => {
      void adminGet(admin, '/readyz').then((r) => { ready = r.status === 200; }, () => {});
      return ready;
    }, 10000, `readyz\n${gw.stderr()}`);
    const res = await httpsGet(port, 'secure.example.com', '/hello', cert);
    assert.is(res.status, 200, res.body);
    assert.is(JSON.parse(res.body).path, '/hello');
    const config = (await adminGet(admin, '/config')).body;
    assert.ok(config.includes('BEGIN CERTIFICATE'), 'the certificate is shown');
    assert.not.ok(config.includes('PRIVATE KEY'), 'the key is redacted');
    assert.not.ok(config.includes(key.split('\n')[1]), 'no key material');
  } finally {
    await gw.stop();
    backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
