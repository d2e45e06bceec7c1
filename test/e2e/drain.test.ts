// SIGTERM drain of `portico serve`, as a load balancer and the clients on each kind of
// connection see it: /readyz turns 503 first, listeners keep accepting for --drain-delay (with
// `Connection: close` on HTTP/1.1 and GOAWAY on HTTP/2), then stop accepting and close idle
// keep-alive connections; an in-flight request, a WebSocket and a TCP connection carry on; what is
// still open at --drain-timeout is cut, and the process exits 0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { tempDir } from '../helpers/cli.ts';
import { GATEWAY_CLASS } from '../helpers/manifests.ts';
import { waitFor } from '../provider/wait.ts';
import { adminGet, freePorts, serve } from './serve-process.ts';

// Windows wide enough for a loaded machine: each step after SIGTERM must land inside the
// delay (DELAY_S) or before the cut (TIMEOUT_S); the slow answer must outlast the delay.
const SLOW_MS = 6_000;
const DELAY_S = 4;
const TIMEOUT_S = 12;

function manifests(httpPort: number, tcpPort: number): string {
  return `${GATEWAY_CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: drain }
spec:
  gatewayClassName: portico
  listeners:
    - { name: http, port: 80, protocol: HTTP }
    - { name: tcp, port: 81, protocol: TCP }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: drain }
spec:
  parentRefs: [{ name: gw, sectionName: http }]
  rules: [{ backendRefs: [{ name: web, port: 8080 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: { name: raw, namespace: drain }
spec:
  parentRefs: [{ name: gw, sectionName: tcp }]
  rules: [{ backendRefs: [{ name: raw, port: 9000 }] }]
---
${service('web', 8080, httpPort)}---
${service('raw', 9000, tcpPort)}`;
}

function service(name: string, port: number, target: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: drain }
spec: { ports: [{ name: p, port: ${port}, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-1, namespace: drain, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
ports: [{ name: p, port: ${target}, protocol: TCP }]
`;
}

interface Reply { status: number; body: string; connection?: string }

function get(port: number, path: string, agent: http.Agent | false = false): Promise<Reply & { socket: net.Socket }> {
  return new Promise((done, fail) => {
    let socket: net.Socket;
    const req = http.get({ host: '127.0.0.1', port, path, agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode!, body, connection: res.headers.connection, socket }));
    });
    req.once('socket', (s) => (socket = s));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
  });
}

function h2get(session: http2.ClientHttp2Session, path: string): Promise<Reply> {
  return new Promise((done, fail) => {
    const s = session.request({ ':path': path });
    let body = '';
    let status = 0;
    s.setEncoding('utf8');
    s.on('response', (h) => (status = Number(h[':status'])));
    s.on('data', (c) => (body += c));
    s.on('end', () => done({ status, body }));
    s.on('error', fail);
    s.end();
  });
}

/** Sends `text` on the socket and resolves with the echo of it. */
function echoOnce(sock: net.Socket, text: string): Promise<string> {
  return new Promise((done, fail) => {
    let got = '';
    const onData = (c: Buffer) => {
      got += c.toString();
      if (got.length >= text.length) { sock.off('data', onData); sock.off('error', fail); done(got); }
    };
    sock.on('data', onData);
    sock.once('error', fail);
    sock.write(text);
  });
}

function wsEcho(ws: WebSocket, text: string): Promise<string> {
  return new Promise((done, fail) => {
    ws.once('message', (m) => done(m.toString()));
    ws.once('error', fail);
    ws.send(text);
  });
}

/** Fails with `what` instead of hanging when `p` does not settle in time. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, j) => { t = setTimeout(() => j(new Error(`no ${what} within ${ms} ms`)), ms); })])
    .finally(() => clearTimeout(t));
}

function refused(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); done(false); });
    s.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED'));
  });
}

// --workers 2: the same drain, by the control process through both data-plane workers.
for (const workers of [1, 2]) test(`--workers ${workers}: SIGTERM drains: readyz 503 first, accept during the delay, then stop accepting; in-flight work finishes, the rest is cut at the timeout, exit 0`, async () => {
  const backend = http.createServer((req, res) => {
    if (req.url === '/slow') setTimeout(() => res.end('slow done'), SLOW_MS);
    else res.end(`fast ${req.url}`);
  });
  const wss = new WebSocketServer({ server: backend });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${m.toString()}`)));
  const raw = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const dir = tempDir('portico-drain-');
  writeFileSync(join(dir, 'app.yaml'), manifests((backend.address() as net.AddressInfo).port, (raw.address() as net.AddressInfo).port));
  // Both listener ports (80 and 81 moved by one offset) must be free, not only the first.
  const base = await freePorts([0, 1]);
  const httpPort = base;
  const tcpPort = base + 1;
  const gw = serve(['--manifests', dir, '--workers', String(workers), '--port-offset', String(base - 80), '--admin', '127.0.0.1:0',
    '--drain-delay', String(DELAY_S), '--drain-timeout', String(TIMEOUT_S), '--access-log', 'off']);
  const exited = new Promise<number | null>((r) => gw.child.on('close', (code) => r(code)));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let h2: http2.ClientHttp2Session | undefined;
  let ws: WebSocket | undefined;
  let tcp: net.Socket | undefined;
  try {
    const admin = await waitFor(() => gw.admin(), 60_000, `admin address:\n${gw.stderr()}`);
    let ready = false;
    await waitFor(() => {
      void adminGet(admin, '/readyz').then((r) => { ready = r.status === 200; }, () => {});
      return ready;
    }, 60_000, `readyz 200\n${gw.stderr()}`);

    // Given an idle keep-alive HTTP/1.1 connection, an idle h2c session, a request in flight,
    // an open WebSocket and an open TCP connection through the gateway,
    const idle = await get(httpPort, '/warm', agent);
    assert.is(idle.status, 200);
    let idleClosed = false;
    idle.socket.once('close', () => (idleClosed = true));
    h2 = http2.connect(`http://127.0.0.1:${httpPort}`);
    h2.on('error', () => {});
    assert.is((await within(h2get(h2, '/h2'), 30_000, 'h2c answer')).body, 'fast /h2');
    let goaway = false;
    h2.on('goaway', () => (goaway = true));
    const inflight = get(httpPort, '/slow');
    ws = new WebSocket(`ws://127.0.0.1:${httpPort}/ws`);
    ws.on('error', () => {});
    await within(new Promise((r, j) => { ws!.once('open', r); ws!.once('error', j); }), 30_000, 'WebSocket open');
    assert.is(await within(wsEcho(ws, 'one'), 30_000, 'WebSocket echo'), 'echo one');
    tcp = net.connect({ host: '127.0.0.1', port: tcpPort });
    tcp.on('error', () => {});
    let tcpClosed = false;
    tcp.once('close', () => (tcpClosed = true));
    assert.is(await within(echoOnce(tcp, 'ping'), 30_000, 'TCP echo'), 'ping');
    // (the slow request has reached the backend once its connection is open; give it a beat)
    await new Promise((r) => setTimeout(r, 100));

    // When the gateway gets SIGTERM,
    gw.child.kill('SIGTERM');

    // then /readyz turns 503 while the listeners still accept, answering with Connection: close,
    let draining = false;
    await waitFor(() => {
      void adminGet(admin, '/readyz').then((r) => { draining = r.status === 503 && r.body.includes('draining'); }, () => {});
      return draining;
    }, 5_000, 'readyz 503 draining');
    const during = await get(httpPort, '/during-delay');
    assert.is(during.status, 200, 'a new connection during the delay is served');
    assert.is(during.connection, 'close');
    await waitFor(() => goaway, 30_000, 'GOAWAY on the h2c session');

    // then, after the delay, new connections are refused and the idle keep-alive one is closed,
    let isRefused = false;
    await waitFor(() => {
      void refused(httpPort).then((r) => { isRefused = r; });
      return isRefused;
    }, 10_000, 'the HTTP listener refuses new connections');
    await waitFor(() => idleClosed, 30_000, 'the idle keep-alive connection is closed');
    assert.ok(await refused(tcpPort), 'the TCP listener refuses new connections');

    // while the WebSocket and the TCP connection still carry data,
    assert.is(await within(wsEcho(ws, 'two'), 5_000, 'WebSocket echo while draining'), 'echo two');
    assert.is(await within(echoOnce(tcp, 'pong'), 5_000, 'TCP echo while draining'), 'pong');
    // and the request in flight gets its whole answer.
    const slow = await within(inflight, 10_000, 'answer to the request in flight');
    assert.is(slow.status, 200);
    assert.is(slow.body, 'slow done');

    // The WebSocket ends on its own; the TCP connection is left open and is cut at the timeout.
    ws.close();
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), (TIMEOUT_S + 30) * 1000))]);
    assert.is(code, 0, gw.stderr());
    await waitFor(() => tcpClosed, 2_000, 'the open TCP connection was cut');
    assert.match(gw.stderr(), /"msg":"drained"/);
  } finally {
    agent.destroy();
    h2?.destroy();
    ws?.terminate();
    tcp?.destroy();
    if (gw.child.exitCode === null) gw.child.kill('SIGKILL');
    wss.close();
    backend.closeAllConnections();
    backend.close();
    raw.close();
  }
});

test('a second SIGTERM during the drain exits at once', async () => {
  const dir = tempDir('portico-drain2-');
  writeFileSync(join(dir, 'app.yaml'), GATEWAY_CLASS);
  const gw = serve(['--manifests', dir, '--admin', '127.0.0.1:0', '--drain-delay', '20', '--drain-timeout', '30']);
  const exited = new Promise<number | null>((r) => gw.child.on('close', (code) => r(code)));
  try {
    await waitFor(() => gw.admin(), 15_000, `admin address:\n${gw.stderr()}`);
    gw.child.kill('SIGTERM');
    await waitFor(() => gw.stderr().includes('"msg":"draining"'), 30_000, 'draining');
    gw.child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 10_000))]);
    assert.is(code, 130);
  } finally {
    if (gw.child.exitCode === null) gw.child.kill('SIGKILL');
  }
});

test('serve refuses a drain delay that is not shorter than the drain timeout', async () => {
  const { parseServeArgs } = await import('../../gateway/cli/serve.ts');
  assert.throws(() => parseServeArgs(['--manifests', 'x', '--drain-delay', '30', '--drain-timeout', '30']), /--drain-delay .* must be less than --drain-timeout/);
  assert.throws(() => parseServeArgs(['--manifests', 'x', '--drain-timeout', 'soon']), /--drain-timeout must be a number of seconds/);
  assert.equal(parseServeArgs(['--manifests', 'x']).drain, { timeoutMs: 30_000, delayMs: 0 });
  assert.equal(parseServeArgs(['--kubernetes'], { inPod: true }).drain, { timeoutMs: 30_000, delayMs: 5_000 }, 'in a pod the endpoint removal gets 5 s to propagate');
  assert.equal(parseServeArgs(['--manifests', 'x', '--drain-timeout', '10', '--drain-delay', '0.5']).drain, { timeoutMs: 10_000, delayMs: 500 });
});

test.run();
