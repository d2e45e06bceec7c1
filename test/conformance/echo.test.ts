// The in-process echo-basic stand-ins, over real loopback sockets (addresses outside the runner's
// pod pool, so a conformance run on the same machine cannot collide with these tests).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import WebSocket from 'ws';
import { startPod, type RunningPod } from './echo/index.ts';
import type { EchoPod } from './pods.ts';
import { send } from './client/http-client.ts';
import { converse, dnsQuery, udpExchange } from './client/l4-client.ts';
import { answerDns, whoamiZones } from './echo/dns-echo.ts';
import { cleanPath } from './echo/http-echo.ts';
import { grpcCall } from './client/grpc-client.ts';
import { CertStore, SUITE_SECRETS } from './certs.ts';

const pod = (ip: string, env: Record<string, string> = {}, image = 'echo-basic'): EchoPod => ({
  name: 'infra-backend-v1-abcdefghij-klmno', namespace: 'ns', deployment: 'infra-backend-v1', ip, labels: {}, image,
  env: { POD_NAME: 'infra-backend-v1-abcdefghij-klmno', NAMESPACE: 'ns', ...env }, files: new Map(), ports: {},
});

const req = (ip: string, port: number, path: string, headers: Record<string, string> = {}) =>
  send({ scheme: 'http', address: ip, port, host: 'example.com', method: 'GET', path, headers, timeoutMs: 5000 });

let httpPod: RunningPod;
test.before(async () => { httpPod = await startPod(pod('127.0.4.1')); });
test.after(async () => { await httpPod.close(); });

test('HTTP echo: JSON fields in echo-basic order, canonical headers, X-Echo-Set-Header, log record', async () => {
  const res = await req('127.0.4.1', 3000, '/a/b?x=1', { 'x-custom': 'v', 'X-Echo-Set-Header': 'X-Out:1,X-Two:2' });
  assert.is(res.status, 200);
  assert.is(res.headers['Content-Type']?.[0], 'application/json');
  assert.is(res.headers['X-Out']?.[0], '1');
  assert.is(res.headers['X-Two']?.[0], '2');
  const body = JSON.parse(res.body);
  assert.equal(Object.keys(body), ['path', 'host', 'method', 'proto', 'headers', 'httpPort', 'namespace', 'ingress', 'service', 'pod']);
  assert.is(body.path, '/a/b?x=1');
  assert.is(body.host, 'example.com');
  assert.is(body.proto, 'HTTP/1.1');
  assert.equal(body.headers['X-Custom'], ['v']);
  assert.equal(body.headers['User-Agent'], ['Go-http-client/1.1']);
  assert.is(body.headers.Host, undefined);
  assert.is(body.pod, 'infra-backend-v1-abcdefghij-klmno');
  assert.ok(res.body.startsWith('{\n "path"'));
  assert.ok(httpPod.ctx.records.some((r) => r.uri === '/a/b?x=1'));
});

test('HTTP echo: /status/NNN, /retry simulation per uuid, ?delay, path cleaning', async () => {
  assert.is((await req('127.0.4.1', 3000, '/status/503')).status, 503);
  assert.is((await req('127.0.4.1', 3000, '/status')).status, 301);
  const p = '/retry/x?responseCode=500&succeedAfter=2&uuid=u1';
  assert.is((await req('127.0.4.1', 3000, p)).status, 500);
  assert.is((await req('127.0.4.1', 3000, p)).status, 500);
  assert.is((await req('127.0.4.1', 3000, p)).status, 200);
  const reset = '/retry/y?succeedAfter=1&uuid=u2';
  let failed = false;
  try { await req('127.0.4.1', 3000, reset); } catch { failed = true; }
  assert.ok(failed, 'the first attempt without responseCode is a TCP reset');
  assert.is((await req('127.0.4.1', 3000, reset)).status, 200);
  const t0 = Date.now();
  assert.is((await req('127.0.4.1', 3000, '/d?delay=300ms')).status, 200);
  assert.ok(Date.now() - t0 >= 290);
  assert.is(cleanPath('/a/./b/../c'), '/a/c');
  assert.is((await req('127.0.4.1', 3000, '/a/../b')).status, 301);
});

test('h2c port: prior knowledge answers HTTP/2.0, HTTP/1.1 gets 400', async () => {
  const res = await send({ scheme: 'http', address: '127.0.4.1', port: 3001, host: 'h2c.example', method: 'GET', path: '/h2', headers: {}, http2: true, timeoutMs: 5000 });
  assert.is(res.status, 200);
  const body = JSON.parse(res.body);
  assert.is(body.proto, 'HTTP/2.0');
  assert.is(body.host, 'h2c.example');
  const h1 = await req('127.0.4.1', 3001, '/');
  assert.is(h1.status, 400);
  assert.match(h1.body, /Expected h2c request/);
});

test('WebSocket echo needs Origin (x/net/websocket) and echoes text and binary', async () => {
  const refused = await new Promise<number>((resolve) => {
    const ws = new WebSocket('ws://127.0.4.1:3000/ws');
    ws.on('unexpected-response', (_r, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.on('error', () => resolve(-1));
  });
  assert.is(refused, 403);
  const got = await new Promise<string>((resolve, reject) => {
    const ws = new WebSocket('ws://127.0.4.1:3000/ws', { origin: 'ws://gateway/test' });
    ws.on('open', () => ws.send('hello'));
    ws.on('message', (d, bin) => { resolve(`${bin}:${d.toString()}`); ws.close(); });
    ws.on('error', reject);
  });
  assert.is(got, 'false:hello');
});

test('TCP echo conversation and UDP echo JSON', async () => {
  const tcp = await startPod(pod('127.0.4.2', { TCP_ECHO_SERVER: '1' }));
  const udp = await startPod(pod('127.0.4.3', { UDP_ECHO_SERVER: '1' }));
  try {
    const r = await converse({
      address: '127.0.4.2', port: 3000, timeoutMs: 3000,
      conv: { welcome: 'Gateway API Test TCP Server\n', exchange: [
        { send: 'PING\n', check: (l) => (l === 'PONG\n' ? undefined : l) },
        { send: 'IS_TLS\n', check: (l) => (l === 'false\n' ? undefined : l) },
        { send: 'TEST\n', check: (l) => (JSON.parse(l).pod.startsWith('infra-backend-v1') ? undefined : l) },
      ] },
    });
    assert.equal(r, { rejected: false });
    const refused = await converse({ address: '127.0.4.2', port: 3999, conv: { exchange: [], connectOnly: true }, timeoutMs: 2000 });
    assert.is(refused.kind, 'io');
    // A TLS dial that the peer cuts (EOF before the handshake ends) is a rejection; a refused dial is not.
    const cutter = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => cutter.listen(0, '127.0.4.2', () => r()));
    const port = (cutter.address() as net.AddressInfo).port;
    const cut = await converse({ address: '127.0.4.2', port, tls: { sni: 'x.example', roots: [] }, conv: { exchange: [], connectOnly: true }, timeoutMs: 2000 });
    cutter.close();
    assert.ok(cut.rejected, JSON.stringify(cut));
    const tlsRefused = await converse({ address: '127.0.4.2', port: 3999, tls: { sni: 'x.example', roots: [] }, conv: { exchange: [], connectOnly: true }, timeoutMs: 2000 });
    assert.not.ok(tlsRefused.rejected);
    const mismatch = await converse({ address: '127.0.4.2', port: 3000, timeoutMs: 2000,
      conv: { welcome: 'Gateway API Test TCP Server\n', exchange: [{ send: 'PING\n', check: (l) => (l === 'PANG\n' ? undefined : 'no') }] } });
    assert.is(mismatch.kind, 'mismatch');
    const u = await udpExchange({ address: '127.0.4.3', port: 8080, payload: Buffer.from('ping') });
    assert.equal(JSON.parse(u.reply!.toString()), { request: 'ping', namespace: 'ns', ingress: '', service: '', pod: 'infra-backend-v1-abcdefghij-klmno' });
  } finally {
    await tcp.close();
    await udp.close();
  }
});

test('gRPC echo: Echo answers assertions, EchoThree and unknown methods are UNIMPLEMENTED', async () => {
  const g = await startPod(pod('127.0.4.4', { GRPC_ECHO_SERVER: '1' }));
  try {
    const call = (method: string, service = 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho') =>
      grpcCall({ address: '127.0.4.4', port: 3000, authority: 'grpc.example.com', service, method, metadata: { 'X-Test': 'one' }, timeoutMs: 5000 });
    const ok = await call('Echo');
    assert.is(ok.code, 0);
    const a = ok.response.assertions;
    assert.is(a.fullyQualifiedMethod, '/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo');
    assert.is(a.authority, 'grpc.example.com');
    assert.is(a.context.pod, 'infra-backend-v1-abcdefghij-klmno');
    assert.ok(a.headers.some((h: { key: string; value: string }) => h.key === 'x-test' && h.value === 'one'));
    assert.is((await call('EchoThree')).code, 12);
    assert.is((await call('Nope', 'other.Service')).code, 12);
  } finally {
    await g.close();
  }
});

test('DNS stand-in: whoami for the Corefile zones over UDP, SERVFAIL elsewhere', async () => {
  const corefile = '.:53 {\n    forward . 8.8.8.8\n}\nfoo.bar.com:53 {\n  whoami\n}\n';
  assert.equal(whoamiZones(corefile), ['foo.bar.com']);
  const p = pod('127.0.4.5', {}, 'registry.k8s.io/coredns/coredns:v1.12.2');
  p.files.set('/root/Corefile', corefile);
  const dns = await startPod(p);
  try {
    const r = await udpExchange({ address: '127.0.4.5', port: 53, payload: dnsQuery('foo.bar.com.') });
    const msg = r.reply!;
    assert.is(msg[3] & 0x0f, 0); // NOERROR
    assert.is(msg.readUInt16BE(6), 1); // one A answer
    assert.is(msg.readUInt16BE(10), 1); // the _udp SRV record in the additional section
    const other = answerDns(dnsQuery('example.com'), ['foo.bar.com'], '127.0.0.1', 5000, 'udp')!;
    assert.is(other[3] & 0x0f, 2); // SERVFAIL
  } finally {
    await dns.close();
  }
});

test('TLS: HTTPS echo reports serverName/ALPN, TCP echo over TLS answers IS_TLS true, Go verification of the chain', async () => {
  const certs = new CertStore();
  const specs = new Map(SUITE_SECRETS.map((x) => [`${x.namespace}/${x.name}`, x]));
  const leaf = await certs.get(specs.get('gateway-conformance-infra/tls-passthrough-checks-certificate')!, specs);
  const ca = await certs.get(specs.get('gateway-conformance-infra/tls-checks-ca-certificate')!, specs);
  const httpsPod = pod('127.0.4.6', { TLS_SERVER_CERT: '/etc/secret-volume/crt', TLS_SERVER_PRIVKEY: '/etc/secret-volume/key' });
  const tcpPod = pod('127.0.4.7', { TCP_ECHO_SERVER: '1', TLS_SERVER_CERT: '/etc/secret-volume/crt', TLS_SERVER_PRIV_KEY: '/etc/secret-volume/key' });
  for (const p of [httpsPod, tcpPod]) { p.files.set('/etc/secret-volume/crt', leaf.cert); p.files.set('/etc/secret-volume/key', leaf.key); }
  const a = await startPod(httpsPod);
  const b = await startPod(tcpPod);
  try {
    const base = { scheme: 'https' as const, address: '127.0.4.6', port: 8443, host: 'abc.example.com', method: 'GET', path: '/', headers: {}, sni: 'abc.example.com', roots: [ca.cert], timeoutMs: 5000 };
    const h1 = await send(base);
    const body = JSON.parse(h1.body);
    assert.is(body.tls.serverName, 'abc.example.com');
    assert.is(body.tls.negotiatedProtocol, 'http/1.1');
    const h2 = await send({ ...base, http2: true });
    assert.is(JSON.parse(h2.body).tls.negotiatedProtocol, 'h2');
    let refused = '';
    try { await send({ ...base, sni: 'other.example.com', host: 'other.example.com' }); } catch (e) { refused = (e as Error).message; }
    assert.match(refused, /not valid for other.example.com/);
    const r = await converse({
      address: '127.0.4.7', port: 8443, tls: { sni: 'abc.example.com', roots: [ca.cert] }, timeoutMs: 5000,
      conv: { welcome: 'Gateway API Test TCP Server\n', exchange: [
        { send: 'IS_TLS\n', check: (l) => (l === 'true\n' ? undefined : l) },
        { send: 'TEST\n', check: (l) => (JSON.parse(l).tls.serverName === 'abc.example.com' ? undefined : l) },
      ] },
    });
    assert.equal(r, { rejected: false });
  } finally {
    await a.close();
    await b.close();
  }
});

test.run();
