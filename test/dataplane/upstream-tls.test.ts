// BackendTLSPolicy on the upstream side: SNI, CA trust, hostname and subjectAltNames checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createUpstreams } from '../../gateway/dataplane/upstream/index.ts';
import type { BackendTlsIR } from '../../gateway/ir/index.ts';
import { serveHandler } from '../helpers/exchange.ts';
import { TestCA } from './certs.ts';
import { backend, get, noHooks, rule } from './upstream-fixtures.ts';

const ca = new TestCA();
const other = new TestCA('Other CA');
// The "," smuggles a URI SAN through TestCA's DNS list, like the conformance tls-checks cert.
const leaf = ca.issue('abc.example.com', ['abc.example.com', 'other.example.com,URI:spiffe://abc.example.com/test-identity']);
const ups = createUpstreams();

test.after(async () => {
  await ups.close();
  ca.cleanup();
  other.cleanup();
});

async function tlsBackend() {
  const seen: { sni: string | false; alpn: string | false | null }[] = [];
  const server = createServer({ cert: leaf.certPem, key: leaf.keyPem, ALPNProtocols: ['h2', 'http/1.1'] }, (req, res) => {
    const s = req.socket as TLSSocket;
    seen.push({ sni: (s as TLSSocket & { servername: string | false }).servername, alpn: s.alpnProtocol });
    res.end('secure');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const tls = (extra: Partial<BackendTlsIR>): BackendTlsIR => ({ hostname: 'abc.example.com', caPem: [ca.ca.certPem], system: false, subjectAltNames: [], ...extra });

test('verified TLS to the backend with the policy hostname as SNI', async () => {
  const be = await tlsBackend();
  const gw = await serveHandler(ups.compileRule(rule([backend('tls', [be.port], { tls: tls({}) })]), noHooks));
  try {
    const r = await get(gw.port, '/');
    assert.is(r.status, 200);
    assert.is(r.body, 'secure');
    assert.equal(be.seen[0], { sni: 'abc.example.com', alpn: 'http/1.1' });
  } finally {
    await gw.close();
    await be.close();
  }
});

test('SNI is the policy hostname, not the request Host', async () => {
  const be = await tlsBackend();
  const gw = await serveHandler(ups.compileRule(rule([backend('tls', [be.port], { tls: tls({ hostname: 'other.example.com' }) })]), noHooks), {
    prepare: (ex) => (ex.upstreamHost = 'abc.example.com'),
  });
  try {
    for (let i = 0; i < 3; i++) assert.is((await get(gw.port, '/')).status, 200);
    assert.equal(be.seen.map((s) => s.sni), ['other.example.com', 'other.example.com', 'other.example.com']);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('untrusted CA, hostname mismatch and SAN mismatch fail with 502; matching SANs pass', async () => {
  const be = await tlsBackend();
  const cases: [BackendTlsIR, number][] = [
    [tls({ caPem: [other.ca.certPem] }), 502],
    [tls({ hostname: 'nope.example.com' }), 502],
    [tls({ subjectAltNames: [{ type: 'Hostname', value: 'nope.example.com' }] }), 502],
    [tls({ subjectAltNames: [{ type: 'URI', value: 'spiffe://abc.example.com/other' }] }), 502],
    [tls({ subjectAltNames: [{ type: 'Hostname', value: 'other.example.com' }] }), 200],
    [tls({ subjectAltNames: [{ type: 'URI', value: 'spiffe://abc.example.com/test-identity' }] }), 200],
    [tls({ subjectAltNames: [{ type: 'Hostname', value: 'nope.example.com' }, { type: 'Hostname', value: 'abc.example.com' }] }), 200],
  ];
  try {
    for (const [t, status] of cases) {
      const gw = await serveHandler(ups.compileRule(rule([backend('tls', [be.port], { tls: t })]), noHooks));
      try {
        const r = await get(gw.port, '/');
        assert.is(r.status, status, JSON.stringify(t.subjectAltNames) + t.hostname);
        if (status === 502) assert.is(gw.records[0]!.responseFlags?.join(','), 'GW_ERR_UPSTREAM_TLS');
      } finally {
        await gw.close();
      }
    }
  } finally {
    await be.close();
  }
});

test.run();
