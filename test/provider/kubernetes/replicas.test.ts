// Two replicas of the gateway (two `portico serve --kubernetes` processes against the test API
// server, as two pods behind one Service) honour one sticky-session cookie when they share the
// key file (a mounted Secret); with per-process keys the second replica re-issues the session.
// The same processes report their Service's load-balancer address as the Gateway's address.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKubeApiServer, type KubeApiServer } from '../../helpers/kube-api-server/index.ts';
import { waitFor } from '../wait.ts';
import { freePort, httpGet, serve, type Served } from '../../e2e/serve-process.ts';
import { endpointSlice, gatewayClass, namespace, service } from './fixtures.ts';

const GW = 'gateway.networking.k8s.io/v1';
const REPLICAS = ['127.0.0.2', '127.0.0.3'];

function echo(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ backend: name })); });
  return new Promise((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r({ server, port: (server.address() as { port: number }).port })));
}

const gateway = (port: number) => ({
  apiVersion: GW, kind: 'Gateway', metadata: { name: 'edge', namespace: 'default' },
  spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port, protocol: 'HTTP' }] },
});
const stickyRoute = () => ({
  apiVersion: GW, kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'default' },
  spec: {
    parentRefs: [{ name: 'edge' }],
    rules: [{
      backendRefs: [{ name: 'one', port: 8080 }, { name: 'two', port: 8080 }],
      sessionPersistence: { type: 'Cookie', sessionName: 'portico-session' },
    }],
  },
});
const gatewayService = (status?: Record<string, unknown>) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'portico-edge', namespace: 'portico-system' },
  spec: { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 10080, protocol: 'TCP' }] },
  ...(status ? { status } : {}),
});

async function start(api: KubeApiServer, keyFile: string | undefined): Promise<Served[]> {
  return REPLICAS.map((bind) => serve([
    '--kubernetes', '--kubeconfig', api.kubeconfigPath, '--admin', '127.0.0.1:0', '--lease-namespace', 'portico-system',
    '--access-log', 'off', '--bind', bind, '--publish-service', 'portico-system/portico-edge',
    ...(keyFile ? ['--session-key-file', keyFile] : []),
  ]));
}

async function seed(api: KubeApiServer, port: number): Promise<{ close(): void }> {
  const one = await echo('one'), two = await echo('two');
  for (const o of [namespace(), namespace('portico-system'), gatewayClass(), gateway(port), stickyRoute(), gatewayService(),
    service('one', 8080), endpointSlice('one', '127.0.0.1', one.port), service('two', 8080), endpointSlice('two', '127.0.0.1', two.port)]) {
    api.store.apply(o);
  }
  return { close: () => { one.server.close(); two.server.close(); } };
}

async function firstResponse(gw: Served, address: string, port: number) {
  let res: Awaited<ReturnType<typeof httpGet>> | undefined;
  await waitFor(() => {
    void httpGet(address, port, '/', { host: 'shop.example' }).then((r) => { res = r; }, () => {});
    return res?.status === 200;
  }, 60000, `traffic through ${address}\n${gw.stderr()}`);
  return res!;
}

function sessionCookie(headers: Record<string, unknown>): string | undefined {
  const set = headers['set-cookie'] as string[] | undefined;
  return set?.map((c) => c.split(';')[0]!).find((c) => c.startsWith('portico-session='));
}

test('two replicas sharing --session-key-file honour one sticky cookie; the Gateway reports the Service address', async () => {
  const api = await startKubeApiServer();
  const port = await freePort();
  const backends = await seed(api, port);
  const keyFile = join(api.dir, 'session-key');
  writeFileSync(keyFile, randomBytes(32).toString('base64'));
  const replicas = await start(api, keyFile);
  try {
    const first = await firstResponse(replicas[0]!, REPLICAS[0]!, port);
    await firstResponse(replicas[1]!, REPLICAS[1]!, port);
    const cookie = sessionCookie(first.headers);
    assert.ok(cookie, 'the first response issues a session cookie');
    const chosen = JSON.parse(first.body).backend;
    // Without stickiness the two backends alternate; with it every request lands on `chosen`,
    // whichever replica the Service sends it to, and no replica re-issues the session.
    for (let i = 0; i < 10; i++) {
      const r = await httpGet(REPLICAS[i % 2]!, port, '/', { host: 'shop.example', cookie: cookie! });
      assert.is(JSON.parse(r.body).backend, chosen, `request ${i} via ${REPLICAS[i % 2]}`);
      assert.is(sessionCookie(r.headers), undefined, `request ${i}: the session was accepted, not re-issued`);
    }

    // The Service has no load-balancer address yet: Programmed=False, AddressNotAssigned.
    const programmed = () => api.get(GW, 'Gateway', 'default', 'edge')?.status?.conditions?.find((c: any) => c.type === 'Programmed');
    await waitFor(() => programmed()?.reason === 'AddressNotAssigned', 30_000, `AddressNotAssigned\n${replicas[0]!.stderr()}`);
    assert.match(programmed().message, /load balancer of Service portico-system\/portico-edge has no address yet/);
    // The cloud's load-balancer controller fills in the Service status (a status-only change).
    api.store.apply(gatewayService({ loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'lb.example.net' }] } }));
    await waitFor(() => programmed()?.status === 'True', 30_000, `Programmed=True\n${replicas[0]!.stderr()}`);
    assert.equal(api.get(GW, 'Gateway', 'default', 'edge')!.status.addresses, [
      { type: 'IPAddress', value: '203.0.113.7' }, { type: 'Hostname', value: 'lb.example.net' },
    ]);
    for (const r of replicas) assert.is(await r.stop(), 0, r.stderr());
  } finally {
    for (const r of replicas) await r.stop();
    await api.close();
    backends.close();
  }
});

test('without a shared key the other replica rejects the session and issues a new one (the failure the key file fixes)', async () => {
  const api = await startKubeApiServer();
  const port = await freePort();
  const backends = await seed(api, port);
  const replicas = await start(api, undefined);
  try {
    const first = await firstResponse(replicas[0]!, REPLICAS[0]!, port);
    await firstResponse(replicas[1]!, REPLICAS[1]!, port);
    const cookie = sessionCookie(first.headers)!;
    const same = await httpGet(REPLICAS[0]!, port, '/', { host: 'shop.example', cookie });
    assert.is(sessionCookie(same.headers), undefined, 'the issuing replica accepts its own session');
    const other = await httpGet(REPLICAS[1]!, port, '/', { host: 'shop.example', cookie });
    assert.ok(sessionCookie(other.headers), 'the other replica cannot verify it and re-issues');
  } finally {
    for (const r of replicas) await r.stop();
    await api.close();
    backends.close();
  }
});

test('--session-key-file refuses a short or missing key with a usage error', async () => {
  const api = await startKubeApiServer();
  try {
    const short = join(api.dir, 'short');
    writeFileSync(short, 'too-short');
    for (const [file, want] of [[short, /holds 9 bytes; use at least 32 random bytes/], [join(api.dir, 'missing'), /cannot read .*missing: ENOENT/]] as const) {
      const gw = serve(['--manifests', 'dist/', '--admin', '127.0.0.1:0', '--session-key-file', file]);
      const code = await new Promise<number | null>((r) => gw.child.on('close', (c) => r(c)));
      assert.is(code, 2, gw.stderr());
      assert.match(gw.stderr(), want);
    }
  } finally {
    await api.close();
  }
});

test.run();
