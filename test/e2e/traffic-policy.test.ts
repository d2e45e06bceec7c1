// End to end: TrafficPolicy manifests served by `portico serve`. Two gateway processes read the
// same manifests and count one global rate limit in one real Redis: 25 requests across both
// inside one 60 s window, exactly 10 accepted (atomic counting; a count, not a timing). The
// same run checks requestBody.maxSize on one rule (413) and the policy status on /status.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, request, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.ts';
import { echoBackend, GATEWAY_CLASS, httpGateway } from '../helpers/manifests.ts';
import { startRedis } from '../helpers/redis.ts';
import { waitFor } from '../provider/wait.ts';
import { adminGet, freePort, httpGet, serve, type Served } from './serve-process.ts';

const manifests = (backendPort: number) => `${GATEWAY_CLASS}---
${httpGateway('gw', 'tp')}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: api, namespace: tp }
spec:
  parentRefs: [{ name: gw }]
  rules:
    - name: upload
      matches: [{ path: { type: PathPrefix, value: /upload } }]
      backendRefs: [{ name: echo, port: 8080 }]
    - name: api
      backendRefs: [{ name: echo, port: 8080 }]
---
apiVersion: policy.portico.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: shared-limit, namespace: tp }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: api, sectionName: api }]
  rateLimit:
    global:
      failOpen: false
      rules: [{ limit: { requests: 10, unit: Minute } }]
---
apiVersion: policy.portico.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: uploads, namespace: tp }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: api, sectionName: upload }]
  requestBody: { maxSize: 1Ki }
---
${echoBackend('tp', backendPort, 'echo-pod-1')}`;

function post(port: number, path: string, body: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode!));
    });
    req.on('error', fail);
    req.end(body);
  });
}

test('two gateway processes share one global limit in one Redis: exactly `limit` of N > limit requests accepted; 413 on the upload rule', async () => {
  const redis = await startRedis();
  const backend: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ service: 'echo' }));
    });
  });
  await new Promise<void>((r) => backend.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const dir = tempDir('portico-tp-');
  writeFileSync(join(dir, 'app.yaml'), manifests((backend.address() as { port: number }).port));
  const gws: Served[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      ports.push(port);
      gws.push(serve(['--manifests', dir, '--port-offset', String(port - 80), '--admin', '127.0.0.1:0', '--rate-limit-redis', redis.url, '--rate-limit-timeout', '5', '--access-log', 'off']));
    }
    const admins = await Promise.all(gws.map((g) => waitFor(() => g.admin(), 20000, `admin address in logs:\n${g.stderr()}`)));
    for (const a of admins) {
      await waitFor(() => { void adminGet(a, '/readyz').then((r) => (ready[a] = r.status === 200)); return ready[a]; }, 20000, 'readyz');
    }
    // A busy machine may answer Redis slowly: --rate-limit-timeout 5 keeps a slow answer from
    // becoming a 503 (this policy fails closed), which is not what is under test here.
    const sends: Promise<number>[] = [];
    for (let i = 0; i < 25; i++) sends.push(httpGet('127.0.0.1', ports[i % 2]!, '/api').then((r) => r.status));
    const got = await Promise.all(sends);
    assert.is(got.filter((s) => s === 200).length, 10, got.join(','));
    assert.is(got.filter((s) => s === 429).length, 15, got.join(','));
    // requestBody.maxSize on the upload rule only (the api rule has no body limit).
    assert.is(await post(ports[0]!, '/upload', 'x'.repeat(1024)), 200);
    assert.is(await post(ports[1]!, '/upload', 'x'.repeat(1025)), 413);
    // Both policies are Accepted on the Gateway, as every controller writes it.
    const list = JSON.parse((await adminGet(admins[0]!, '/status')).body) as { items: { kind: string; metadata: { name: string }; status: { ancestors?: { conditions: { type: string; status: string }[] }[] } }[] };
    for (const name of ['shared-limit', 'uploads']) {
      const item = list.items.find((i) => i.kind === 'TrafficPolicy' && i.metadata.name === name);
      assert.ok(item, `${name} has no status`);
      assert.equal(item!.status.ancestors?.[0]?.conditions.find((c) => c.type === 'Accepted')?.status, 'True', name);
    }
  } finally {
    for (const g of gws) await g.stop();
    backend.close();
    await redis.stop();
  }
});

const ready: Record<string, boolean> = {};

const workersManifests = (backendPort: number, kind: 'local' | 'global') => `${GATEWAY_CLASS}---
${httpGateway('gw', 'tp')}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: api, namespace: tp }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ name: api, backendRefs: [{ name: echo, port: 8080 }] }]
---
apiVersion: policy.portico.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: limit, namespace: tp }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: api }]
  rateLimit:
    ${kind}:
      ${kind === 'global' ? 'failOpen: false' : ''}
      rules: [{ limit: { requests: 5, unit: Hour } }]
---
${echoBackend('tp', backendPort, 'echo-pod-1')}`;

// docs/architecture.md: a local limit is a token bucket in each data-plane process, a global one
// is counted in Redis. With --workers 2 and 60 requests on 60 new connections (the kernel spreads
// connections over the workers' shared listening sockets; each worker gets at least 5 of 60 with
// overwhelming probability), a local limit of 5 admits 5 per worker, 10 in all; a global one 5.
for (const kind of ['local', 'global'] as const) {
  test(`--workers 2: a ${kind} limit of 5 admits ${kind === 'local' ? '5 per worker (10)' : 'exactly 5 across both workers'}`, async () => {
    const redis = kind === 'global' ? await startRedis() : undefined;
    const backend: Server = createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
    await new Promise<void>((r) => backend.listen({ host: '127.0.0.1', port: 0 }, () => r()));
    const dir = tempDir('portico-tpw-');
    writeFileSync(join(dir, 'app.yaml'), workersManifests((backend.address() as { port: number }).port, kind));
    const port = await freePort();
    const gw = serve(['--manifests', dir, '--port-offset', String(port - 80), '--admin', '127.0.0.1:0', '--workers', '2', '--access-log', 'off',
      ...(redis ? ['--rate-limit-redis', redis.url, '--rate-limit-timeout', '5'] : [])]);
    try {
      const admin = await waitFor(() => gw.admin(), 20000, `admin address in logs:\n${gw.stderr()}`);
      await waitFor(() => { void adminGet(admin, '/readyz').then((r) => (ready[admin] = r.status === 200)); return ready[admin]; }, 30000, 'readyz');
      const got: number[] = [];
      for (let i = 0; i < 60; i++) got.push((await httpGet('127.0.0.1', port, '/')).status);
      assert.is(got.filter((s) => s === 200).length, kind === 'local' ? 10 : 5, got.join(','));
      assert.is(got.filter((s) => s === 429).length, kind === 'local' ? 50 : 55, got.join(','));
    } finally {
      await gw.stop();
      backend.close();
      await redis?.stop();
    }
  });
}

test.run();
