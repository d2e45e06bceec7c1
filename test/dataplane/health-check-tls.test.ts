// Active health checks of backends reached over TLS (BackendTLSPolicy): every probe (HTTP, TCP,
// gRPC) connects with the proxied traffic's TLS settings: the policy hostname as SNI, its CA,
// hostname verification and the Gateway's client certificate. Real TLS servers with certificates
// from a test CA; an endpoint whose certificate traffic would refuse is never marked healthy.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import https from 'node:https';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import { createProbe } from '../../gateway/dataplane/upstream/health-probes.ts';
import type { ActiveHealthCheckIR, BackendTlsIR, HttpBackendIR, RoutingTable, TrafficPolicyIR } from '../../gateway/ir/index.ts';
import { TestCA, type Pem } from './certs.ts';
import * as H from './server-helpers.ts';

const ca = new TestCA();
const rogue = new TestCA('Rogue CA');
const leaf = ca.issue('api.internal', ['api.internal']);
const untrusted = rogue.issue('api.internal', ['api.internal']);
const otherName = ca.issue('other.internal', ['other.internal']);
const clientCert = ca.issue('gateway', [], true);

test.after(() => {
  ca.cleanup();
  rogue.cleanup();
});

const tlsIR = (extra: Partial<BackendTlsIR> = {}): BackendTlsIR => ({ hostname: 'api.internal', caPem: [ca.ca.certPem], system: false, subjectAltNames: [], ...extra });

interface TlsEp {
  port: number;
  name: string;
  /** Status of /healthz. */
  health: number;
  /** SNI of every TLS connection (probes and traffic). */
  sni: (string | false)[];
  /** Client certificate subjects presented (mTLS endpoints). */
  clients: string[];
  close(): Promise<void>;
}

/** An HTTPS endpoint answering /healthz with `health` and anything else with its name. */
async function httpsEndpoint(name: string, pem: Pem, opts: { requireClientCert?: boolean } = {}): Promise<TlsEp> {
  const ep: TlsEp = { port: 0, name, health: 200, sni: [], clients: [], close: async () => {} };
  const server = https.createServer({
    cert: pem.certPem, key: pem.keyPem,
    ...(opts.requireClientCert ? { requestCert: true, rejectUnauthorized: true, ca: [ca.ca.certPem] } : {}),
  }, (req, res) => {
    req.resume();
    const s = req.socket as tls.TLSSocket;
    const peer = s.getPeerCertificate();
    if (peer?.subject?.CN) ep.clients.push(String(peer.subject.CN));
    if (req.url === '/healthz') {
      res.writeHead(ep.health);
      res.end();
      return;
    }
    res.writeHead(200, { 'x-ep': name });
    res.end(name);
  });
  server.on('secureConnection', (s: tls.TLSSocket) => ep.sni.push((s as tls.TLSSocket & { servername: string | false }).servername));
  // Handshakes the client aborts (untrusted certificate) are expected here.
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  ep.port = (server.address() as AddressInfo).port;
  ep.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return ep;
}

const httpCheck = (unhealthyThreshold = 1): ActiveHealthCheckIR => ({
  probe: { type: 'HTTP', path: '/healthz', method: 'GET', expectedStatuses: [{ from: 200, to: 299 }] },
  intervalMs: 20, timeoutMs: 2000, healthyThreshold: 1, unhealthyThreshold,
});

function backendOf(eps: { port: number }[], t: BackendTlsIR = tlsIR()): HttpBackendIR {
  return { ...H.backend('api', eps[0]!.port), endpoints: eps.map((e) => ({ address: '127.0.0.1', port: e.port })), tls: t };
}

function tableOf(b: HttpBackendIR, traffic: TrafficPolicyIR): RoutingTable {
  return H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [H.httpRule({}, { backends: [b], policies: { traffic } })] }])])]));
}

async function until(cond: () => boolean | Promise<boolean>, what: string, tries = 300): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

test('HTTP probe over TLS: a trusted endpoint passes with the policy hostname as SNI; failing /healthz, an untrusted CA, a wrong name and a cleartext server fail', async () => {
  const good = await httpsEndpoint('good', leaf);
  const bad = await httpsEndpoint('bad', untrusted);
  const misnamed = await httpsEndpoint('misnamed', otherName);
  const plain = http.createServer((_req, res) => res.end('cleartext'));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  const plainPort = (plain.address() as AddressInfo).port;
  const b = backendOf([good]);
  const probe = (port: number, t = tlsIR()) => createProbe(httpCheck(), { ...b, tls: t }, { address: '127.0.0.1', port })();
  try {
    assert.is(await probe(good.port), true);
    assert.equal(good.sni, ['api.internal']);
    good.health = 503;
    assert.is(await probe(good.port), false, 'a 503 from /healthz is a failure');
    assert.is(await probe(bad.port), false, 'a certificate from a CA the policy does not trust');
    assert.is(bad.sni.length, 0, 'the handshake with the untrusted endpoint never completed');
    assert.is(await probe(misnamed.port), false, 'a certificate for another hostname');
    assert.is(await probe(misnamed.port, tlsIR({ subjectAltNames: [{ type: 'Hostname', value: 'other.internal' }] })), true, 'the subjectAltNames the policy lists');
    assert.is(await probe(plainPort), false, 'a cleartext server behind a TLS backend');
    // The same backend without BackendTLSPolicy is probed in cleartext (unchanged).
    assert.is(await createProbe(httpCheck(), { ...b, tls: undefined }, { address: '127.0.0.1', port: plainPort })(), true);
  } finally {
    await good.close();
    await bad.close();
    await misnamed.close();
    plain.close();
  }
});

test('HTTP probe over TLS presents the Gateway client certificate to an mTLS backend', async () => {
  const mtls = await httpsEndpoint('mtls', leaf, { requireClientCert: true });
  const b = backendOf([mtls]);
  const ep = { address: '127.0.0.1', port: mtls.port };
  try {
    assert.is(await createProbe(httpCheck(), b, ep)(), false, 'without a client certificate the backend refuses');
    const withClient = { ...b, tls: tlsIR({ clientCertificate: { secret: 'ns/client', ...clientCert } }) };
    assert.is(await createProbe(httpCheck(), withClient, ep)(), true);
    assert.equal(mtls.clients, ['gateway']);
  } finally {
    await mtls.close();
  }
});

test('TCP probe over TLS: passes only after a verified handshake; send/receive go through TLS', async () => {
  const listen = async (pem: Pem) => {
    const server = tls.createServer({ cert: pem.certPem, key: pem.keyPem }, (s) => s.on('data', (d) => s.write(d.toString() === 'PING\r\n' ? '+PONG\r\n' : '-ERR\r\n')));
    server.on('tlsClientError', () => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { server, port: (server.address() as AddressInfo).port };
  };
  const good = await listen(leaf);
  const bad = await listen(untrusted);
  const b = backendOf([good]);
  const tcp = (port: number, send?: string, receive?: string) => createProbe({ ...httpCheck(), probe: { type: 'TCP', send, receive } }, b, { address: '127.0.0.1', port })();
  try {
    assert.is(await tcp(good.port), true);
    assert.is(await tcp(good.port, 'PING\r\n', '+PONG'), true);
    assert.is(await tcp(good.port, 'HELLO\r\n', '+PONG'), false);
    assert.is(await tcp(bad.port), false, 'the TCP connection opens, the untrusted handshake does not');
  } finally {
    good.server.close();
    bad.server.close();
  }
});

test('gRPC probe over TLS: grpc.health.v1 over a verified TLS channel; an untrusted server is not SERVING', async () => {
  const start = async (pem: Pem) => {
    const server = new grpc.Server();
    server.addService({
      Check: {
        path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false,
        requestSerialize: (s: { service: string }) => Buffer.from(s.service), requestDeserialize: (b: Buffer) => ({ service: b.subarray(2).toString() }),
        responseSerialize: (v: number) => Buffer.from([0x08, v]), responseDeserialize: (b: Buffer) => b[1]!,
      },
    } as grpc.ServiceDefinition, {
      Check: (_call: grpc.ServerUnaryCall<{ service: string }, number>, cb: grpc.sendUnaryData<number>) => cb(null, 1),
    });
    const creds = grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(pem.certPem), private_key: Buffer.from(pem.keyPem) }], false);
    const port = await new Promise<number>((r, j) => server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? j(e) : r(p))));
    return { server, port };
  };
  const good = await start(leaf);
  const bad = await start(untrusted);
  const b = backendOf([good]);
  const g = (port: number, backend = b) => createProbe({ ...httpCheck(), probe: { type: 'GRPC', service: '' } }, backend, { address: '127.0.0.1', port });
  const probes: ReturnType<typeof g>[] = [];
  const run = async (port: number, backend = b) => {
    const p = g(port, backend);
    probes.push(p);
    return p();
  };
  try {
    assert.is(await run(good.port), true);
    assert.is(await run(bad.port), false, 'a certificate from a CA the policy does not trust');
    assert.is(await run(good.port, { ...b, tls: tlsIR({ hostname: 'nope.internal' }) }), false, 'a policy hostname the certificate does not name');
    assert.is(await run(good.port, { ...b, tls: undefined }), false, 'cleartext against a TLS server');
  } finally {
    for (const p of probes) p.close?.();
    good.server.forceShutdown();
    bad.server.forceShutdown();
  }
});

test('through the data plane: a TLS backend\'s failing endpoint and its untrusted one leave the rotation, the healthy one keeps serving', async () => {
  const a = await httpsEndpoint('a', leaf);
  const failing = await httpsEndpoint('failing', leaf);
  const bad = await httpsEndpoint('bad', untrusted);
  failing.health = 503;
  const dp = createDataplane();
  try {
    const p = H.boundPort(await dp.apply(tableOf(backendOf([a, failing, bad]), { healthCheck: { active: httpCheck(2) } })), 0);
    // State, not timing: wait until ten answers in a row all come from "a", with no 502 (the
    // untrusted endpoint refused by the proxied request's own verification).
    await until(async () => {
      const names = [];
      for (let i = 0; i < 10; i++) names.push((await H.h1(p)).body);
      return names.every((n) => n === 'a');
    }, 'the failing and the untrusted endpoints to leave the rotation', 200);
    assert.ok(a.sni.length > 0 && a.sni.every((s) => s === 'api.internal'), 'probes and traffic use the policy hostname as SNI');
    assert.is(bad.sni.length, 0, 'no handshake with the untrusted endpoint ever completed');
    failing.health = 200;
    await until(async () => (await H.h1(p)).body === 'failing', 'the failing endpoint to come back', 300);
  } finally {
    await dp.close(0);
    await a.close();
    await failing.close();
    await bad.close();
  }
});

test('a changed BackendTLSPolicy restarts the checks with the new settings (an endpoint trusted under the new CA comes back)', async () => {
  const a = await httpsEndpoint('a', leaf);
  const rogueServed = await httpsEndpoint('rogue-served', untrusted);
  const dp = createDataplane();
  try {
    const both = (t: BackendTlsIR) => tableOf(backendOf([a, rogueServed], t), { healthCheck: { active: httpCheck(1) } });
    const p = H.boundPort(await dp.apply(both(tlsIR())), 0);
    await until(async () => {
      const names = [];
      for (let i = 0; i < 6; i++) names.push((await H.h1(p)).body);
      return names.every((n) => n === 'a');
    }, 'the untrusted endpoint to leave the rotation', 200);
    // The policy now trusts both CAs: the rogue-signed endpoint is verified and healthy again.
    await dp.apply(both(tlsIR({ caPem: [ca.ca.certPem, rogue.ca.certPem] })));
    await until(async () => (await H.h1(p)).body === 'rogue-served', 'the endpoint trusted under the new CA bundle to serve', 300);
  } finally {
    await dp.close(0);
    await a.close();
    await rogueServed.close();
  }
});

test.run();
