// TLS listeners on real sockets: passthrough by SNI to two TLS backends (their own
// certificates reach the client), HTTPS, TLS-Terminate and passthrough listeners sharing one
// port (the SNI picks the listener, most specific first), rejection without a route, and a
// reload that keeps an established passthrough connection.
import net from 'node:net';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { Dataplane } from '../../gateway/dataplane/api.ts';
import type { AccessRecord } from '../../gateway/dataplane/observer.ts';
import type { ListenerIR } from '../../gateway/ir/index.ts';
import { TestCA } from './certs.ts';
import * as H from './server-helpers.ts';
import {
  LineClient, l4Backend, l4Listener, l4Route, passthroughListener, startTcpEcho, startTlsTagServer, tlsLine, type TestServer,
} from './l4-helpers.ts';

const ca = new TestCA();
const pem = {
  abc: ca.issue('backend-a', ['abc.example.com']),
  wild: ca.issue('backend-b', ['*.wild.test']),
  secure: ca.issue('gateway-https', ['secure.example.com']),
  term: ca.issue('gateway-terminate', ['term.example.com']),
};

let backA: TestServer;
let backB: TestServer;
let plain: TestServer;
let dp: Dataplane;
let port = 0;
let onlyPort = 0;
const records: AccessRecord[] = [];

function sharedListeners(): ListenerIR[] {
  // Most specific first, as the translator sorts them.
  return [
    H.listener('https', 'HTTPS', 'secure.example.com', [{ hostname: 'secure.example.com', rules: [H.direct(200, 'https-ok')] }],
      { mode: 'Terminate', certificates: [H.cert(pem.secure, ['secure.example.com'])] }),
    l4Listener('terminate', 'TLS', [l4Route('term', [l4Backend('plain', plain.port)], 'TLSRoute')], 'term.example.com',
      { mode: 'Terminate', certificates: [H.cert(pem.term, [])] }),
    passthroughListener('passthrough', undefined, [
      { hostname: 'abc.example.com', routes: [l4Route('abc', [l4Backend('a', backA.port)], 'TLSRoute'), l4Route('abc-newer', [l4Backend('b', backB.port)], 'TLSRoute')] },
      { hostname: '*.wild.test', routes: [l4Route('wild', [l4Backend('b', backB.port)], 'TLSRoute')] },
    ]),
  ];
}

function tableFor(listeners: ListenerIR[]) {
  return H.table(
    H.gateway([H.port(0, listeners)]),
    H.gateway([H.port(0, [passthroughListener('only', 'only.example.com', [{ hostname: 'only.example.com', routes: [l4Route('only', [l4Backend('a', backA.port)], 'TLSRoute')] }])])], 'ns/only'),
  );
}

test.before(async () => {
  backA = await startTlsTagServer('A', pem.abc);
  backB = await startTlsTagServer('B', pem.wild);
  plain = await startTcpEcho('plain');
  dp = createDataplane({ observer: { onRequest: (r) => records.push(r) } });
  const res = await dp.apply(tableFor(sharedListeners()));
  port = H.boundPort(res, 0);
  onlyPort = H.boundPort(res, 0, 'ns/only');
});

test.after(async () => {
  await dp.close();
  await backA.close();
  await backB.close();
  await plain.close();
  ca.cleanup();
});

/** Expects the gateway to end the connection during the handshake (EOF or reset). */
async function expectRejected(p: number, servername: string | undefined): Promise<void> {
  const err = await tlsLine(p, { ...(servername ? { servername } : {}), ca: ca.ca.certPem }).then(
    (line) => assert.unreachable(`handshake succeeded: ${line}`),
    (e: NodeJS.ErrnoException) => e,
  );
  assert.is((err as NodeJS.ErrnoException).code, 'ECONNRESET', `sni ${servername}: ${(err as Error).message}`);
}

test('passthrough: the SNI picks the host bucket and its oldest route; the backend terminates TLS', async () => {
  assert.is(await tlsLine(port, { servername: 'abc.example.com', ca: ca.ca.certPem, ALPNProtocols: ['x-test'] }), 'A abc.example.com x-test');
  assert.is(await tlsLine(port, { servername: 'x.wild.test', ca: ca.ca.certPem }), 'B x.wild.test -');
  assert.is(await tlsLine(port, { servername: 'deep.x.wild.test', ca: ca.ca.certPem, rejectUnauthorized: false }), 'B deep.x.wild.test -');
  const rec = records.find((r) => r.authority === 'x.wild.test')!;
  assert.is(rec.protocol, 'TLS');
  assert.is(rec.listener, 'passthrough');
  assert.is(rec.route, 'TLSRoute/ns/wild');
  assert.ok(rec.bytesIn > 100, 'the ClientHello went to the backend');
});

test('HTTPS on the same port: its SNI goes to the HTTP server (h1 and h2)', async () => {
  const r1 = await H.h1(port, { host: 'secure.example.com', tls: { servername: 'secure.example.com', ca: ca.ca.certPem } });
  assert.is(r1.status, 200);
  assert.is(r1.body.trim(), 'https-ok');
  assert.is(r1.peerCertCN, 'gateway-https');
  const r2 = await H.h2(port, { host: 'secure.example.com', tls: { servername: 'secure.example.com', ca: ca.ca.certPem } });
  assert.is(r2.status, 200);
  assert.is(r2.alpn, 'h2');
});

test('TLS Terminate on the same port: the gateway certificate, plaintext to the backend', async () => {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'term.example.com', ca: ca.ca.certPem });
  await new Promise<void>((resolve, reject) => { socket.once('secureConnect', resolve); socket.once('error', reject); });
  assert.is((socket.getPeerCertificate().subject as { CN?: string }).CN, 'gateway-terminate');
  const c = new LineClient(socket as unknown as net.Socket);
  assert.is(await c.line(), 'plain');
  c.send('PING');
  assert.is(await c.line(), 'plain:PING');
  c.close();
});

test('no listener or no route for the SNI: the connection is closed during the handshake', async () => {
  await expectRejected(port, 'nothing.other.test');
  await expectRejected(onlyPort, 'abc.example.com');
  await expectRejected(onlyPort, undefined);
  assert.is(await tlsLine(onlyPort, { servername: 'only.example.com', ca: ca.ca.certPem, rejectUnauthorized: false }), 'A only.example.com -');
});

test('a wildcard passthrough listener beside a catch-all HTTPS listener: names it does not own go to HTTPS', async () => {
  const local = createDataplane();
  try {
    const res = await local.apply(H.table(H.gateway([H.port(0, [
      passthroughListener('wild', '*.wild.test', [{ hostname: '*.wild.test', routes: [l4Route('wild', [l4Backend('b', backB.port)], 'TLSRoute')] }]),
      H.listener('https-any', 'HTTPS', undefined, [{ hostname: '*', rules: [H.direct(200, 'any-https')] }],
        { mode: 'Terminate', certificates: [H.cert(pem.secure, ['secure.example.com'])] }),
    ])])));
    const p = H.boundPort(res, 0);
    assert.is(await tlsLine(p, { servername: 'x.wild.test', ca: ca.ca.certPem }), 'B x.wild.test -');
    const r = await H.h1(p, { host: 'other.test', tls: { servername: 'other.test', ca: ca.ca.certPem } });
    assert.is(r.status, 200);
    assert.is(r.body.trim(), 'any-https');
    assert.is(r.peerCertCN, 'gateway-https');
  } finally {
    await local.close();
  }
});

test('not TLS at all on a TLS port: closed', async () => {
  const s = net.connect(onlyPort, '127.0.0.1');
  s.on('error', () => undefined);
  s.write('GET / HTTP/1.1\r\nHost: only.example.com\r\n\r\n');
  const closed = await new Promise<boolean>((r) => { const t = setTimeout(() => r(false), 2_000); s.once('close', () => { clearTimeout(t); r(true); }); });
  assert.ok(closed);
});

test('reload: an established terminated connection survives; new handshakes see the new table', async () => {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'term.example.com', ca: ca.ca.certPem });
  await new Promise<void>((resolve, reject) => { socket.once('secureConnect', resolve); socket.once('error', reject); });
  const c = new LineClient(socket as unknown as net.Socket);
  assert.is(await c.line(), 'plain');
  // The new table drops the terminate listener and the abc bucket's older route.
  const next = sharedListeners().filter((l) => l.id !== 'terminate');
  next[1]!.passthrough![0]!.routes.shift();
  const res = await dp.apply(tableFor(next));
  assert.is(H.boundPort(res, 0), port);
  c.send('after-reload');
  assert.is(await c.line(), 'plain:after-reload');
  c.close();
  assert.is(await tlsLine(port, { servername: 'abc.example.com', ca: ca.ca.certPem, rejectUnauthorized: false }), 'B abc.example.com -');
  await expectRejected(port, 'term.example.com');
  // And back, so the port also gains listeners in place.
  await dp.apply(tableFor(sharedListeners()));
  assert.is(await tlsLine(port, { servername: 'abc.example.com', ca: ca.ca.certPem }), 'A abc.example.com -');
});

test.run();
