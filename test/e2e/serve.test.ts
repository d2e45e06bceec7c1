// End to end: `portico serve` on a manifest directory, traffic to a real echo backend through
// the gateway, live reload of a changed file, and a broken file that keeps the last good config.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.ts';
import { echoBackend, GATEWAY_CLASS, httpGateway } from '../helpers/manifests.ts';
import { waitFor } from '../provider/wait.ts';
import { adminGet, freePort, httpGet, serve } from './serve-process.ts';

const manifests = (hostname: string, backendPort: number) => `${GATEWAY_CLASS}---
${httpGateway('gw', 'e2e')}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: e2e }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [${hostname}]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /app } }]
      backendRefs: [{ name: echo, port: 8080 }]
---
${echoBackend('e2e', backendPort, 'echo-pod-1')}`;

test('serves an HTTPRoute to a real backend, reloads on change, keeps the last good config on a broken file', async () => {
  const backend: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, host: req.headers.host, service: 'echo', pod: 'echo-pod-1' }));
  });
  await new Promise<void>((r) => backend.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const backendPort = (backend.address() as { port: number }).port;
  const dir = tempDir('portico-e2e-');
  const file = join(dir, 'app.yaml');
  writeFileSync(file, manifests('one.example', backendPort));
  const port = await freePort();
  const gw = serve(['--manifests', dir, '--port-offset', String(port - 80), '--admin', '127.0.0.1:0', '--poll-ms', '300']);
  try {
    const admin = await waitFor(() => gw.admin(), 15000, `admin address in logs:\n${gw.stderr()}`);
    let ready = false;
    await waitFor(() => {
      void adminGet(admin, '/readyz').then((r) => { ready = r.status === 200; }, () => {});
      return ready;
    }, 10000, `readyz 200\n${gw.stderr()}`);

    // Given the route for one.example, when a request is sent through the gateway, then the echo backend answers.
    const res = await httpGet('127.0.0.1', port, '/app/x', { host: 'one.example' });
    assert.is(res.status, 200, res.body);
    assert.is(JSON.parse(res.body).service, 'echo');
    assert.is(JSON.parse(res.body).path, '/app/x');
    const miss = await httpGet('127.0.0.1', port, '/app/x', { host: 'other.example' });
    assert.is(miss.status, 404);

    const status = JSON.parse((await adminGet(admin, '/status')).body);
    const g = status.items.find((i: any) => i.kind === 'Gateway');
    assert.equal(g.status.addresses, [{ type: 'IPAddress', value: '127.0.0.1' }]);
    assert.is(g.status.conditions.find((c: any) => c.type === 'Programmed').status, 'True');
    assert.is(g.metadata.generation, 1);
    const route = status.items.find((i: any) => i.kind === 'HTTPRoute');
    assert.is(route.status.parents[0].conditions.find((c: any) => c.type === 'Accepted').status, 'True');
    await waitFor(() => gw.stdout().includes('"path":"/app/x"'), 30_000, 'access log line');
    const access = JSON.parse(gw.stdout().split('\n').find((l) => l.includes('"path":"/app/x"'))!);
    assert.is(access.status, 200);
    assert.is(access.authority, 'one.example');

    // When the file is replaced atomically with a new hostname, then it is served without a restart.
    writeFileSync(join(dir, '.tmp'), manifests('two.example', backendPort));
    renameSync(join(dir, '.tmp'), file);
    let moved = false;
    await waitFor(() => {
      void httpGet('127.0.0.1', port, '/app/y', { host: 'two.example' }).then((r) => { moved = r.status === 200; }, () => {});
      return moved;
    }, 10000, 'two.example served after the change');
    const route2 = JSON.parse((await adminGet(admin, '/status')).body).items.find((i: any) => i.kind === 'HTTPRoute');
    assert.is(route2.metadata.generation, 2);
    assert.is(route2.status.parents[0].conditions[0].observedGeneration, 2);

    // When the file stops parsing, then the last good config keeps serving and /status reports it.
    writeFileSync(file, 'kind: [\n');
    let reported = false;
    await waitFor(() => {
      void adminGet(admin, '/status').then((r) => { reported = JSON.parse(r.body).problems.some((p: any) => p.reason === 'ParseError'); }, () => {});
      return reported;
    }, 10000, 'ParseError in /status');
    const still = await httpGet('127.0.0.1', port, '/app/z', { host: 'two.example' });
    assert.is(still.status, 200);

    const metrics = (await adminGet(admin, '/metrics')).body;
    assert.match(metrics, /portico_http_requests_total\{[^}]*code="200"[^}]*\} \d/);
    assert.match(metrics, /portico_config_generation [2-9]/);
  } finally {
    const code = await gw.stop();
    backend.close();
    rmSync(dir, { recursive: true, force: true });
    assert.is(code, 0, `serve exit code\n${gw.stderr().slice(-2000)}`);
  }
});

test.run();
