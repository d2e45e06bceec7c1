// Observability end to end, with real sockets: one `portico serve` process with HTTP, WebSocket,
// gRPC, TCP and UDP routes, tracing exported to an in-test OTLP receiver. Checks that every access
// log line carries every field for each protocol, that each metric family appears after the
// traffic that produces it, that the Grafana dashboard queries only metrics that exist, and that
// one trace spans client -> gateway -> upstream.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import net from 'node:net';
import dgram from 'node:dgram';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { WebSocket, WebSocketServer } from 'ws';
import { tempDir } from '../helpers/cli.ts';
import { GATEWAY_CLASS } from '../helpers/manifests.ts';
import { startOtlpReceiver, SPAN_KIND } from '../helpers/otlp-receiver.ts';
import { echoServiceDefinition, grpcPackage } from '../conformance/echo/grpc-echo.ts';
import { waitFor } from '../provider/wait.ts';
import { adminGet, freePort, serve } from './serve-process.ts';
import { ACCESS_LOG_FIELDS } from '../../gateway/admin/access-log.ts';
import { dashboardMetrics, KUBERNETES_ONLY } from '../helpers/dashboard.ts';

const NS = 'obs';

function service(name: string, port: number, protocol: 'TCP' | 'UDP', appProtocol?: string): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${NS} }
spec:
  ports: [{ name: p, port: 8080, protocol: ${protocol}${appProtocol ? `, appProtocol: ${appProtocol}` : ''} }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-1, namespace: ${NS}, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
ports: [{ name: p, port: ${port}, protocol: ${protocol} }]
`;
}

function manifests(ports: { http: number; grpc: number; tcp: number; udp: number; down: number }): string {
  return `${GATEWAY_CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: ${NS} }
spec:
  gatewayClassName: portico
  listeners:
    - { name: http, port: 80, protocol: HTTP }
    - { name: tcp, port: 90, protocol: TCP }
    - { name: udp, port: 91, protocol: UDP }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: ${NS} }
spec:
  parentRefs: [{ name: gw, sectionName: http }]
  rules:
    - name: app
      matches: [{ path: { type: PathPrefix, value: /app } }]
      backendRefs: [{ name: web, port: 8080 }]
    - matches: [{ path: { type: PathPrefix, value: /missing } }]
      backendRefs: [{ name: missing, port: 8080 }]
    - matches: [{ path: { type: PathPrefix, value: /down } }]
      backendRefs: [{ name: down, port: 8080 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: rpc, namespace: ${NS} }
spec:
  parentRefs: [{ name: gw, sectionName: http }]
  rules:
    - matches: [{ method: { service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho } }]
      backendRefs: [{ name: rpc, port: 8080 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: { name: tcp, namespace: ${NS} }
spec:
  parentRefs: [{ name: gw, sectionName: tcp }]
  rules: [{ backendRefs: [{ name: tcp, port: 8080 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: UDPRoute
metadata: { name: udp, namespace: ${NS} }
spec:
  parentRefs: [{ name: gw, sectionName: udp }]
  rules: [{ backendRefs: [{ name: udp, port: 8080 }] }]
---
${service('web', ports.http, 'TCP')}---
${service('rpc', ports.grpc, 'TCP', 'kubernetes.io/h2c')}---
${service('tcp', ports.tcp, 'TCP')}---
${service('udp', ports.udp, 'UDP')}---
${service('down', ports.down, 'TCP')}`;
}

interface Backends {
  ports: { http: number; grpc: number; tcp: number; udp: number };
  httpHeaders: IncomingHttpHeaders[];
  wsHeaders: IncomingHttpHeaders[];
  grpcMetadata: Record<string, unknown>[];
  close(): Promise<void>;
}

async function startBackends(): Promise<Backends> {
  const httpHeaders: IncomingHttpHeaders[] = [];
  const wsHeaders: IncomingHttpHeaders[] = [];
  const grpcMetadata: Record<string, unknown>[] = [];
  const web = createServer((req, res) => {
    httpHeaders.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello from web\n');
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  web.on('upgrade', (req, socket, head) => {
    wsHeaders.push(req.headers);
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`echo:${m}`)));
  });
  await new Promise<void>((r) => web.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const rpc = new grpc.Server();
  const echo = (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    grpcMetadata.push(call.metadata.getMap());
    cb(null, { assertions: { fullyQualifiedMethod: 'echo' } });
  };
  rpc.addService(echoServiceDefinition(), { Echo: echo, EchoTwo: echo, EchoThree: echo });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    rpc.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const tcp = createTcpServer((s) => s.pipe(s));
  await new Promise<void>((r) => tcp.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const udp = dgram.createSocket('udp4');
  udp.on('message', (m, rinfo) => udp.send(m, rinfo.port, rinfo.address));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  return {
    ports: { http: (web.address() as net.AddressInfo).port, grpc: grpcPort, tcp: (tcp.address() as net.AddressInfo).port, udp: udp.address().port },
    httpHeaders, wsHeaders, grpcMetadata,
    async close() {
      web.closeAllConnections();
      await new Promise((r) => web.close(r));
      wss.close();
      rpc.forceShutdown();
      await new Promise((r) => tcp.close(r));
      udp.close();
    },
  };
}

function post(port: number, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers, agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    // Chunked, no Content-Length: the logged byte count must come from counting.
    req.write(body.slice(0, 3));
    req.end(body.slice(3));
  });
}

function websocketRoundTrip(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/app/ws`, { headers: { host: 'ws.example', 'user-agent': 'obs-ws/1' } });
    ws.on('open', () => ws.send('hi'));
    ws.on('message', (m) => {
      ws.close();
      resolve(String(m));
    });
    ws.on('error', reject);
  });
}

function grpcCall(port: number): Promise<void> {
  const pkg = grpcPackage() as any;
  const Client = pkg.gateway_api_conformance.echo_basic.grpcecho.GrpcEcho;
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const md = new grpc.Metadata();
    md.set('user-agent-extra', 'x');
    client.Echo({}, md, { deadline: Date.now() + 5000 }, (err: Error | null) => {
      client.close();
      if (err) reject(err);
      else resolve();
    });
  });
}

function tcpRoundTrip(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('ping\n'));
    s.setEncoding('utf8');
    s.once('data', (d: string) => {
      s.end();
      resolve(d);
    });
    s.on('error', reject);
  });
}

function udpRoundTrip(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => { s.close(); reject(new Error('no UDP answer')); }, 5000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(String(m));
    });
    s.send('dgram', port, '127.0.0.1');
  });
}

const CLIENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_SPAN = 'b7ad6b7169203331';

// --workers 2: the same through two data-plane workers (their access log lines, their spans, one /metrics summed over them).
for (const workers of [1, 2]) test(`--workers ${workers}: access log, metrics, dashboard and tracing over HTTP, WebSocket, gRPC, TCP and UDP`, async () => {
  const backends = await startBackends();
  const receiver = await startOtlpReceiver();
  const dir = tempDir('portico-obs-');
  writeFileSync(join(dir, 'app.yaml'), manifests({ ...backends.ports, down: await freePort() }));
  const base = await freePort();
  const offset = base - 80;
  const gw = serve(['--manifests', dir, '--workers', String(workers), '--port-offset', String(offset), '--admin', '127.0.0.1:0', '--poll-ms', '60000',
    '--otlp-endpoint', receiver.url, '--log-level', 'info'], { OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_SERVICE_NAME: 'portico-test' });
  let stdout = '';
  try {
    const admin = await waitFor(() => gw.admin(), 20000, `admin address\n${gw.stderr()}`);
    // "portico serving" comes after the first config: the listeners are open by then.
    const http = base, tcp = base + 10, udp = base + 11;

    // HTTP with the client's trace context and a counted (chunked) body.
    const res = await post(http, '/app/hello', {
      host: 'web.example', 'user-agent': 'obs-test/1', traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, tracestate: 'vendor=1',
    }, 'hello');
    assert.is(res.status, 200);
    assert.is(await websocketRoundTrip(http), 'echo:hi');
    await grpcCall(http);
    assert.is(await tcpRoundTrip(tcp), 'ping\n');
    assert.is(await udpRoundTrip(udp), 'dgram');
    // The gateway's own answers, with their response flags: no route, a missing Service (a
    // problem in the config too), an endpoint that refuses connections.
    assert.is((await post(http, '/nowhere', { host: 'web.example' }, 'x')).status, 404);
    assert.is((await post(http, '/missing', { host: 'web.example' }, 'x')).status, 500);
    assert.is((await post(http, '/down', { host: 'web.example' }, 'x')).status, 502);

    // Request ids: generated when absent and forwarded upstream; the client's own kept.
    const upstream = backends.httpHeaders[0]!;
    assert.match(String(upstream['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.ok(typeof backends.grpcMetadata[0]!['x-request-id'] === 'string', 'gRPC upstream got x-request-id');

    // Trace context reached every upstream: the client's trace id, the gateway's own span ids.
    const tp = String(upstream.traceparent);
    assert.match(tp, new RegExp(`^00-${CLIENT_TRACE}-[0-9a-f]{16}-01$`));
    assert.is.not(tp.split('-')[2], CLIENT_SPAN);
    assert.is(upstream.tracestate, 'vendor=1');
    assert.match(String(backends.wsHeaders[0]!.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.match(String(backends.grpcMetadata[0]!.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    // Metrics: each family after the traffic that produces it.
    await waitFor(() => gw.stdout().split('\n').filter((l) => l.includes('"protocol":"TCP"')).length > 0, 30_000, 'TCP log line');
    const metrics = (await adminGet(admin, '/metrics')).body;
    assert.match(metrics, /portico_http_requests_total\{[^}]*route="HTTPRoute\/obs\/web"[^}]*code="200"\} 1/);
    assert.match(metrics, /portico_grpc_requests_total\{[^}]*route="GRPCRoute\/obs\/rpc"[^}]*grpc_status="0"\} 1/);
    assert.match(metrics, /portico_l4_connections_total\{[^}]*protocol="TCP"[^}]*status="200"\} 1/);
    assert.match(metrics, /portico_l4_received_bytes_total\{[^}]*protocol="TCP"[^}]*\} 5/);
    assert.not.match(metrics, /portico_http_requests_total\{[^}]*code="0"/);
    assert.match(metrics, /portico_http_request_bytes_total\{[^}]*route="HTTPRoute\/obs\/web"\} \d+/);
    assert.match(metrics, /portico_response_flags_total\{[^}]*flag="GW_ERR_NO_ROUTE"\} 1/);
    assert.match(metrics, /portico_response_flags_total\{[^}]*flag="GW_ERR_UPSTREAM_CONNECT"\} 1/);
    assert.match(metrics, /portico_upstream_errors_total\{[^}]*code="GW_ERR_UPSTREAM_CONNECT"\} 1/);
    assert.match(metrics, /portico_problems\{severity="error",reason="BackendNotFound"\} 1/);
    for (const family of ['process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'portico_config_generation 1',
      'portico_config_age_seconds', 'portico_translate_duration_seconds_count 1', 'portico_apply_duration_seconds_count 1']) {
      assert.ok(metrics.includes(family), `missing ${family}`);
    }
    assert.not.ok(metrics.includes('portico_process_'), 'process metrics carry no portico_ prefix');
    // Every metric the Grafana dashboard queries exists (Kubernetes-only ones: serve-kubernetes.test.ts).
    const names = new Set([...metrics.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )/gm)].map((m) => m[1]));
    const missing = dashboardMetrics().filter((m) => !KUBERNETES_ONLY.includes(m) && !names.has(m));
    assert.equal(missing, [], 'dashboard queries metrics that /metrics does not have');

    // One trace: client -> gateway (server span, parent = the client's span) -> upstream (client span).
    await waitFor(() => receiver.spans.some((s) => s.traceId === CLIENT_TRACE && s.kind === SPAN_KIND.CLIENT), 10000, 'exported spans');
    const server = receiver.spans.find((s) => s.traceId === CLIENT_TRACE && s.kind === SPAN_KIND.SERVER)!;
    assert.ok(server, 'server span exported');
    assert.is(server.parentSpanId, CLIENT_SPAN);
    assert.is(server.attributes['gateway_api.gateway'], 'obs/gw');
    assert.is(server.attributes['gateway_api.listener'], 'obs/gw/http');
    assert.is(server.attributes['gateway_api.route'], 'HTTPRoute/obs/web');
    assert.is(server.attributes['gateway_api.rule_name'], 'app');
    assert.match(String(server.attributes['gateway_api.backend']), /web/);
    assert.is(server.attributes['http.response.status_code'], 200);
    assert.is(server.resource['service.name'], 'portico-test');
    const attempt = receiver.spans.find((s) => s.traceId === CLIENT_TRACE && s.kind === SPAN_KIND.CLIENT)!;
    assert.is(attempt.parentSpanId, server.spanId);
    assert.is(attempt.spanId, tp.split('-')[2], 'the upstream saw the attempt span as its parent');
    assert.ok(receiver.contentTypes.every((t) => t === 'application/x-protobuf'), receiver.contentTypes.join());
  } finally {
    const code = await gw.stop();
    stdout = gw.stdout();
    await backends.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
    assert.is(code, 0, `serve exit code\n${gw.stderr().slice(-2000)}`);
  }

  // The access log, read after shutdown (a UDP flow is logged when it ends): one line per request
  // or connection, every field present on every line.
  const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const by = (p: (l: any) => boolean, what: string) => {
    const l = lines.find(p);
    assert.ok(l, `no access log line for ${what}:\n${stdout}`);
    for (const f of ACCESS_LOG_FIELDS) assert.ok(f in l, `${what} line lacks ${f}`);
    assert.is(l.clientAddress, '127.0.0.1');
    assert.ok(l.clientPort > 0);
    assert.is(l.gateway, 'obs/gw');
    assert.match(String(l.upstreamAddress), /^127\.0\.0\.1:\d+$/);
    assert.ok(l.durationMs >= 0);
    return l;
  };
  const h = by((l) => l.path === '/app/hello', 'HTTP');
  assert.is(h.method, 'POST');
  assert.is(h.authority, 'web.example');
  assert.is(h.protocol, 'HTTP/1.1');
  assert.is(h.status, 200);
  assert.is(h.bytesIn, 5);
  assert.is(h.bytesOut, 'hello from web\n'.length);
  assert.is(h.userAgent, 'obs-test/1');
  assert.is(h.traceId, CLIENT_TRACE);
  assert.is(h.requestId, backends.httpHeaders[0]!['x-request-id']);
  assert.is(h.route, 'HTTPRoute/obs/web');
  assert.is(h.ruleName, 'app');
  assert.ok(h.upstreamMs > 0);
  assert.equal(h.responseFlags, []);
  const w = by((l) => l.path === '/app/ws', 'WebSocket');
  assert.is(w.status, 101);
  assert.is(w.userAgent, 'obs-ws/1');
  assert.ok(w.bytesIn > 0 && w.bytesOut > 0, `WebSocket bytes ${w.bytesIn}/${w.bytesOut}`);
  const g = by((l) => l.route === 'GRPCRoute/obs/rpc', 'gRPC');
  assert.is(g.protocol, 'HTTP/2');
  assert.is(g.grpcStatus, 0);
  assert.match(String(g.traceId), /^[0-9a-f]{32}$/);
  const t = by((l) => l.protocol === 'TCP', 'TCP');
  assert.is(t.bytesIn, 5);
  assert.is(t.bytesOut, 5);
  assert.is(t.route, 'TCPRoute/obs/tcp');
  const u = by((l) => l.protocol === 'UDP', 'UDP');
  assert.is(u.bytesIn, 5);
  assert.is(u.bytesOut, 5);
  assert.is(u.route, 'UDPRoute/obs/udp');
});

test('the access log follows --access-log-fields and --access-log-format text; --access-log-sample 0 logs only flagged requests', async () => {
  const { createAccessLog } = await import('../../gateway/admin/access-log.ts');
  const out: string[] = [];
  const stream = { write: (s: string) => { out.push(s); } };
  const rec = {
    time: 't', gateway: 'g', listener: 'l', protocol: 'HTTP/1.1', clientAddress: '127.0.0.1', clientPort: 5, method: 'GET',
    authority: 'a b', path: '/', status: 404, durationMs: 1.23456, bytesIn: 0, bytesOut: 3,
  };
  createAccessLog({ mode: 'stdout', format: 'text', fields: ['method', 'authority', 'status', 'responseFlags', 'durationMs'], sample: 1 }, stream)!(rec);
  assert.equal(out, ['GET "a b" 404 - 1.235\n']);
  out.length = 0;
  const sampled = createAccessLog({ mode: 'stdout', format: 'json', fields: ['path', 'status'], sample: 0 }, stream)!;
  sampled(rec);
  assert.equal(out, []);
  sampled({ ...rec, responseFlags: ['GW_ERR_NO_ROUTE'] });
  assert.equal(JSON.parse(out[0]!), { level: 'info', path: '/', status: 404 });
  assert.is(createAccessLog({ mode: 'off', format: 'json', fields: ['path'], sample: 1 }, stream), undefined);
});

test.run();
