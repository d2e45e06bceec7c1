// `portico serve --workers 2`: one control process and two data-plane workers sharing the
// listener port. A worker killed with SIGKILL under load is replaced while the other serves, and
// the replacement gets the current table; /metrics sums the workers' counters; a session issued
// by a worker is honoured by workers started after it (one key for all); SIGTERM stops every
// worker and the control process exits 0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.ts';
import { GATEWAY_CLASS, httpGateway } from '../helpers/manifests.ts';
import { waitFor } from '../provider/wait.ts';
import { adminGet, freePort, freePorts, httpGet, serve, type Served } from '../e2e/serve-process.ts';

const NS = 'workers';

function service(name: string, port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${NS} }
spec: { ports: [{ name: http, port: 8080, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-1, namespace: ${NS}, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
ports: [{ name: http, port: ${port}, protocol: TCP }]
`;
}

function manifests(a: number, b: number, withRouteB: boolean): string {
  return `${GATEWAY_CLASS}---
${httpGateway('gw', NS)}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: ${NS} }
spec:
  parentRefs: [{ name: gw }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /a } }]
      backendRefs: [{ name: a, port: 8080 }]
    - matches: [{ path: { type: PathPrefix, value: /sticky } }]
      sessionPersistence: { sessionName: sticky, type: Cookie }
      backendRefs: [{ name: a, port: 8080 }, { name: b, port: 8080 }]
${withRouteB ? `    - matches: [{ path: { type: PathPrefix, value: /b } }]
      backendRefs: [{ name: b, port: 8080 }]
` : ''}---
${service('a', a)}---
${service('b', b)}`;
}

function logLines(gw: Served): Record<string, unknown>[] {
  return gw.stderr().split('\n').flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });
}

/** The pid of the worker in `slot` (1-based) as last logged ready, or undefined. */
function readyPid(gw: Served, slot: number, not?: number): number | undefined {
  const pids = logLines(gw).filter((l) => l.msg === 'worker ready' && l.worker === slot).map((l) => l.pid as number);
  const pid = pids.at(-1);
  return pid === not ? undefined : pid;
}

async function waitReady(admin: string, gw: Served, what: string): Promise<void> {
  let ready = false;
  await waitFor(() => {
    void adminGet(admin, '/readyz').then((r) => { ready = r.status === 200; }, () => {});
    return ready;
  }, 60_000, `readyz 200 (${what})\n${gw.stderr()}`);
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** The creation time inside a session value (payload "backend\naddress\nport\ncreated\nlast", then a MAC). */
function sessionCreated(cookie: string): string {
  const value = /sticky=([^;]+)/.exec(cookie)![1];
  return Buffer.from(value.split('.')[0], 'base64url').toString().split('\n')[3];
}

test('--workers 2: a worker killed under load is replaced while the other serves; the new one gets the current table; metrics and sessions span workers; SIGTERM stops all', async () => {
  const backends = ['a', 'b'].map((name) => http.createServer((_req, res) => res.end(name)));
  for (const b of backends) await new Promise<void>((r) => b.listen(0, '127.0.0.1', r));
  const [pa, pb] = backends.map((b) => (b.address() as AddressInfo).port);
  const dir = tempDir('portico-workers-');
  writeFileSync(join(dir, 'app.yaml'), manifests(pa, pb, false));
  const port = await freePort();
  const gw = serve(['--manifests', dir, '--workers', '2', '--port-offset', String(port - 80), '--admin', '127.0.0.1:0', '--access-log', 'off', '--poll-ms', '200']);
  const exited = new Promise<number | null>((r) => gw.child.on('close', (code) => r(code)));
  let load: Promise<void> | undefined;
  let stop = false;
  try {
    const admin = await waitFor(() => gw.admin(), 30_000, `admin address:\n${gw.stderr()}`);
    await waitReady(admin, gw, 'first table');
    const first = [readyPid(gw, 1)!, readyPid(gw, 2)!];
    assert.ok(first[0] > 0 && first[1] > 0 && first[0] !== first[1] && first.every(alive), `two worker processes: ${first}`);
    assert.ok(!first.includes(gw.child.pid!), 'workers are not the control process');

    // Both workers serve the port; /metrics sums their counters (the control process counts none itself).
    for (let i = 0; i < 20; i++) assert.is((await httpGet('127.0.0.1', port, '/a')).body, 'a');
    const metrics = (await adminGet(admin, '/metrics')).body;
    const served = metrics.split('\n').filter((l) => l.startsWith('portico_http_requests_total{') && l.includes('route="HTTPRoute/workers/web"'))
      .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    assert.is(served, 20, metrics);
    assert.match(metrics, /^portico_workers 2$/m);

    // A session, issued by one of the first two workers.
    const sticky = await httpGet('127.0.0.1', port, '/sticky');
    const cookie = String(sticky.headers['set-cookie']);
    assert.match(cookie, /sticky=/);

    // Under load (4 clients, a new connection per request), worker 1 is killed.
    let ok = 0, failed = 0, okAfterKill = 0, killed = false, exitSeen = false, failedAfterExit = 0;
    load = Promise.all(Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 10_000 && !stop; i++) {
        const afterExit = exitSeen;
        try {
          const r = await httpGet('127.0.0.1', port, '/a');
          if (r.status === 200) { ok++; if (killed) okAfterKill++; } else { failed++; if (afterExit) failedAfterExit++; }
        } catch { failed++; if (afterExit) failedAfterExit++; }
      }
    })).then(() => undefined);
    await waitFor(() => ok >= 20, 60_000, 'load running');
    process.kill(first[0], 'SIGKILL');
    killed = true;
    await waitFor(() => logLines(gw).some((l) => l.msg === 'worker exited; starting a replacement' && l.pid === first[0]), 60_000, 'the control process sees the worker die');
    exitSeen = true;
    // The other worker keeps serving: new connections all land on it (or on the replacement, once it is up).
    for (let i = 0; i < 20; i++) assert.is((await httpGet('127.0.0.1', port, '/a')).status, 200);
    const replacement = await waitFor(() => readyPid(gw, 1, first[0]), 30_000, `a replacement for worker 1\n${gw.stderr()}`);
    await waitReady(admin, gw, 'replacement applied the table');
    stop = true;
    await load;
    assert.ok(okAfterKill >= 20, `requests served after the kill: ${okAfterKill}`);
    // Only connections the dying worker held can fail: those in flight when it was killed, and
    // (Linux, SO_REUSEPORT without net.ipv4.tcp_migrate_req) connections the kernel queued on its
    // listener while the process was being torn down, so a client may fail once or twice in that
    // window. Once its exit is seen (its sockets are closed by then), no request fails.
    assert.is(failedAfterExit, 0, `requests started after the worker's exit was seen that failed (of ${ok + failed}; ${failed} failed in all)`);
    assert.ok(failed <= 8, `failed requests: ${failed} of ${ok + failed}`);
    assert.match((await adminGet(admin, '/metrics')).body, /^portico_worker_restarts_total 1$/m);

    // A new table (route /b) reaches both workers...
    writeFileSync(join(dir, 'app.yaml'), manifests(pa, pb, true));
    await waitFor(() => logLines(gw).some((l) => l.msg === 'config applied' && l.generation === 2), 60_000, `generation 2\n${gw.stderr()}`);
    await waitReady(admin, gw, 'generation 2');
    // ...and after the second original worker is killed too, only workers started after the
    // first table serve: they hold the current table, and they honour the session issued before.
    process.kill(first[1], 'SIGKILL');
    await waitFor(() => logLines(gw).some((l) => l.msg === 'worker exited; starting a replacement' && l.pid === first[1]), 60_000, 'second worker exit');
    assert.ok(alive(replacement));
    assert.is((await httpGet('127.0.0.1', port, '/b')).body, 'b');
    const again = await httpGet('127.0.0.1', port, '/sticky', { cookie: cookie.split(';')[0] });
    assert.is(again.body, sticky.body, 'the session sticks to its backend');
    assert.is(sessionCreated(String(again.headers['set-cookie'] ?? cookie)), sessionCreated(cookie), 'the session was accepted, not re-issued');
    await waitFor(() => readyPid(gw, 2, first[1]), 30_000, 'a replacement for worker 2');
    await waitReady(admin, gw, 'both replacements');

    // SIGTERM: every worker stops, the control process exits 0.
    const pids = logLines(gw).filter((l) => l.msg === 'worker started').map((l) => l.pid as number);
    assert.is(await gw.stop(), 0, gw.stderr());
    await exited;
    assert.equal(pids.filter(alive), [], 'no worker outlives the control process');
  } finally {
    stop = true;
    await load;
    if (gw.child.exitCode === null) gw.child.kill('SIGKILL');
    for (const b of backends) { b.closeAllConnections(); b.close(); }
  }
});

test('--workers 2: a port no worker can bind is reported once, on its listener\'s status, and /readyz names it', async () => {
  const blocker = net.createServer();
  // port + 1 must be ours to block: another process on this shared machine may take it between
  // the probe and the listen, so take a free pair and retry (bounded) if the listen loses the race.
  let port = 0;
  for (let tries = 0; ; tries++) {
    port = await freePorts([0, 1]);
    const held = await new Promise<boolean>((r) => {
      blocker.once('error', () => r(false));
      blocker.listen({ host: '127.0.0.1', port: port + 1, exclusive: true }, () => r(true));
    });
    blocker.removeAllListeners('error');
    if (held) break;
    if (tries >= 20) throw new Error('no free port pair to block');
  }
  const dir = tempDir('portico-workers-bind-');
  writeFileSync(join(dir, 'app.yaml'), `${GATEWAY_CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: ${NS} }
spec:
  gatewayClassName: portico
  listeners: [{ name: free, port: 80, protocol: HTTP }, { name: taken, port: 81, protocol: HTTP }]
`);
  const gw = serve(['--manifests', dir, '--workers', '2', '--port-offset', String(port - 80), '--admin', '127.0.0.1:0', '--access-log', 'off']);
  try {
    const admin = await waitFor(() => gw.admin(), 30_000, `admin address:\n${gw.stderr()}`);
    // The admin endpoint answers before the workers have tried to bind: wait for the bind
    // failure to be reported rather than reading /readyz once.
    let readyz = { status: 0, body: '' };
    await waitFor(() => {
      void adminGet(admin, '/readyz').then((r) => { readyz = r; }, () => {});
      return /EADDRINUSE/.test(readyz.body);
    }, 60_000, `EADDRINUSE in /readyz\n${gw.stderr()}`);
    assert.is(readyz.status, 503);
    assert.is(readyz.body.match(/EADDRINUSE/g)?.length, 1, readyz.body);
    const status = JSON.parse((await adminGet(admin, '/status')).body);
    const listeners = status.items.find((i: { kind: string }) => i.kind === 'Gateway').status.listeners;
    const accepted = (name: string) => listeners.find((l: { name: string }) => l.name === name).conditions.find((c: { type: string }) => c.type === 'Accepted');
    assert.is(accepted('taken').reason, 'PortUnavailable');
    assert.is(accepted('free').status, 'True');
    assert.is((await httpGet('127.0.0.1', port, '/')).status, 404, 'the free port serves (no route: 404)');
  } finally {
    await gw.stop();
    blocker.close();
  }
});

test('--workers 2 --max-connections 4: each worker holds its share (2), so the gateway holds at most 4 open connections', async () => {
  const backend = http.createServer((_req, res) => res.end('a'));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const dir = tempDir('portico-workers-conn-');
  writeFileSync(join(dir, 'app.yaml'), manifests((backend.address() as AddressInfo).port, (backend.address() as AddressInfo).port, false));
  const port = await freePort();
  const gw = serve(['--manifests', dir, '--workers', '2', '--max-connections', '4', '--port-offset', String(port - 80), '--admin', '127.0.0.1:0', '--access-log', 'off']);
  const sockets: net.Socket[] = [];
  try {
    const admin = await waitFor(() => gw.admin(), 30_000, `admin address:\n${gw.stderr()}`);
    await waitReady(admin, gw, 'first table');
    // Ten keep-alive connections, opened one after another and left open once answered.
    let served = 0;
    for (let i = 0; i < 10; i++) {
      served += await new Promise<number>((done) => {
        const s = net.connect({ host: '127.0.0.1', port });
        sockets.push(s);
        s.setTimeout(10_000, () => done(0));
        s.once('data', () => done(1));
        s.once('close', () => done(0));
        s.once('error', () => done(0));
        s.once('connect', () => s.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n'));
      });
    }
    // Without the division each worker would take 4 (up to 8 in all); with it, 2 each.
    assert.ok(served >= 2 && served <= 4, `connections served: ${served} of 10`);
  } finally {
    for (const s of sockets) s.destroy();
    await gw.stop();
    backend.closeAllConnections();
    backend.close();
  }
});

test.run();
