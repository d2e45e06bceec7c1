// HTTPS listeners: SNI certificate selection, ALPN h2 and http/1.1, 421 for misdirected
// requests (the conformance case's 15 requests), frontend client certificate validation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { Dataplane } from '../../gateway/dataplane/api.ts';
import type { ListenerIR } from '../../gateway/ir/index.ts';
import { TestCA } from './certs.ts';
import * as H from './server-helpers.ts';

const ca = new TestCA();
const pems = {
  example: ca.issue('example', ['example.org']),
  second: ca.issue('second', ['second-example.org']),
  wild: ca.issue('wild', ['*.wildcard.org']),
  fourth: ca.issue('fourth', ['fourth-example.wildcard.org']),
  other: ca.issue('other', ['other.test']),
};
const clientCA = new TestCA('Client CA');
const client = clientCA.issue('client-1', [], true);
const stranger = new TestCA('Stranger CA').issue('stranger', [], true);

const tlsOf = (...c: ReturnType<typeof H.cert>[]) => ({ mode: 'Terminate' as const, certificates: c });
const tag = (name: string) => H.direct(200, name, { path: { type: 'PathPrefix', value: '/detect-misdirected-requests' } });

function misdirectedListeners(): ListenerIR[] {
  // base/manifests.yaml same-namespace-with-https-listener, sorted most specific first.
  return [
    H.listener('https-with-hostname', 'HTTPS', 'second-example.org', [{ hostname: 'second-example.org', rules: [tag('v2')] }], tlsOf(H.cert(pems.second, ['second-example.org']))),
    H.listener('https-with-hostname-matching-wildcard', 'HTTPS', 'fourth-example.wildcard.org', [{ hostname: 'fourth-example.wildcard.org', rules: [tag('v1-fourth')] }], tlsOf(H.cert(pems.fourth, ['fourth-example.wildcard.org']))),
    H.listener('https-with-wildcard-hostname', 'HTTPS', '*.wildcard.org', [{ hostname: '*.wildcard.org', rules: [tag('v3')] }], tlsOf(H.cert(pems.wild, ['*.wildcard.org']))),
    H.listener('https', 'HTTPS', undefined, [{ hostname: 'example.org', rules: [tag('v1')] }], tlsOf(H.cert(pems.example, ['example.org']))),
  ];
}

let dp: Dataplane;
let port = 0;

test.before(async () => {
  dp = createDataplane();
  const res = await dp.apply(H.table(H.gateway([H.port(0, misdirectedListeners())])));
  port = H.boundPort(res, 0);
});

test.after(async () => {
  await dp.close();
  ca.cleanup();
  clientCA.cleanup();
});

test('HTTPRouteHTTPSListenerDetectMisdirectedRequests over h2 (ALPN h2)', async () => {
  const cases: [host: string, sni: string, status: number, body?: string][] = [
    ['example.org', 'example.org', 200, 'v1'],
    ['second-example.org', 'example.org', 421],
    ['unknown-example.org', 'example.org', 404],
    ['second-example.org', 'second-example.org', 200, 'v2'],
    ['example.org', 'second-example.org', 421],
    ['unknown-example.org', 'second-example.org', 421],
    ['third-example.wildcard.org', 'third-example.wildcard.org', 200, 'v3'],
    ['fith-example.wildcard.org', 'third-example.wildcard.org', 200, 'v3'],
    ['fourth-example.wildcard.org', 'third-example.wildcard.org', 421],
    ['second-example.org', 'third-example.wildcard.org', 421],
    ['unknown-example.org', 'third-example.wildcard.org', 421],
    ['fourth-example.wildcard.org', 'fourth-example.wildcard.org', 200, 'v1-fourth'],
    ['fith-example.wildcard.org', 'fourth-example.wildcard.org', 421],
    ['example.org', 'unknown-example.org', 200, 'v1'],
    ['unknown-example.org', 'unknown-example.org', 404],
  ];
  for (const [host, sni, status, body] of cases) {
    const r = await H.h2(port, { host, path: '/detect-misdirected-requests', tls: { servername: sni, ca: ca.ca.certPem } });
    assert.is(r.alpn, 'h2');
    assert.is(r.status, status, `host ${host} sni ${sni}`);
    if (body) assert.is(r.body.trim(), body, `host ${host} sni ${sni}`);
  }
});

test('SNI picks the owning listener certificate; http/1.1 over TLS works too', async () => {
  const want: [string, string][] = [
    ['example.org', 'example'],
    ['second-example.org', 'second'],
    ['x.wildcard.org', 'wild'],
    ['fourth-example.wildcard.org', 'fourth'],
    ['unknown.test', 'example'], // no listener owns it: the catch-all listener's certificate
  ];
  for (const [sni, cn] of want) {
    const r = await H.h1(port, { host: sni, path: '/detect-misdirected-requests', tls: { servername: sni, ca: ca.ca.certPem } });
    assert.is(r.peerCertCN, cn, sni);
    assert.is(r.alpn, 'http/1.1');
  }
  // 421 on HTTP/1.1 as well.
  const r = await H.h1(port, { host: 'example.org', path: '/detect-misdirected-requests', tls: { servername: 'second-example.org', ca: ca.ca.certPem } });
  assert.is(r.status, 421);
});

test('within one listener: exact dnsName, then wildcard, then the first certificate', async () => {
  const d = createDataplane();
  try {
    const l = H.listener('multi', 'HTTPS', undefined, [{ hostname: '*', rules: [H.direct(200, 'ok')] }], tlsOf(
      H.cert(pems.other, ['other.test']),
      H.cert(pems.wild, ['*.wildcard.org']),
      H.cert(pems.fourth, ['fourth-example.wildcard.org']),
    ));
    const res = await d.apply(H.table(H.gateway([H.port(0, [l])])));
    const p = H.boundPort(res, 0);
    const cn = async (sni: string) => (await H.h2(p, { host: sni, tls: { servername: sni, ca: ca.ca.certPem } })).peerCertCN;
    assert.is(await cn('fourth-example.wildcard.org'), 'fourth');
    assert.is(await cn('a.wildcard.org'), 'wild');
    assert.is(await cn('b.a.wildcard.org'), 'other'); // X.509 wildcards cover one label only
    assert.is(await cn('nothing.test'), 'other');
  } finally {
    await d.close();
  }
});

test('the certificates\' own SANs decide when the table carries no dnsNames (as the translator emits)', async () => {
  const d = createDataplane();
  try {
    const l = H.listener('multi', 'HTTPS', undefined, [{ hostname: '*', rules: [H.direct(200, 'ok')] }], tlsOf(
      H.cert(pems.other, []),
      H.cert(pems.wild, []),
      H.cert(pems.fourth, []),
    ));
    const res = await d.apply(H.table(H.gateway([H.port(0, [l])])));
    const p = H.boundPort(res, 0);
    const cn = async (sni: string) => (await H.h2(p, { host: sni, tls: { servername: sni, ca: ca.ca.certPem } })).peerCertCN;
    assert.is(await cn('fourth-example.wildcard.org'), 'fourth');
    assert.is(await cn('a.wildcard.org'), 'wild');
    assert.is(await cn('nothing.test'), 'other');
  } finally {
    await d.close();
  }
});

test('client certificate validation: AllowValidOnly rejects, AllowInsecureFallback admits', async () => {
  const d = createDataplane();
  try {
    const strict = H.listener('strict', 'HTTPS', 'strict.test', [{ hostname: 'strict.test', rules: [H.direct(200, 'strict')] }], {
      mode: 'Terminate', certificates: [H.cert(pems.other, ['other.test'])], clientValidation: { caPem: [clientCA.ca.certPem], mode: 'AllowValidOnly' },
    });
    const lax = H.listener('lax', 'HTTPS', 'lax.test', [{ hostname: 'lax.test', rules: [H.direct(200, 'lax')] }], {
      mode: 'Terminate', certificates: [H.cert(pems.other, ['other.test'])], clientValidation: { caPem: [clientCA.ca.certPem], mode: 'AllowInsecureFallback' },
    });
    const open = H.listener('open', 'HTTPS', undefined, [{ hostname: '*', rules: [H.direct(200, 'open')] }], tlsOf(H.cert(pems.example, ['example.org'])));
    const res = await d.apply(H.table(H.gateway([H.port(0, [strict, lax, open])])));
    const p = H.boundPort(res, 0);
    const go = (sni: string, withCert?: { certPem: string; keyPem: string }) =>
      H.h2(p, { host: sni, tls: { servername: sni, ca: ca.ca.certPem, ...(withCert ? { cert: withCert.certPem, key: withCert.keyPem } : {}) } });
    assert.is((await go('strict.test', client)).body.trim(), 'strict');
    await assert.not.ok(await go('strict.test').then(() => true, () => false), 'no client cert must fail');
    await assert.not.ok(await go('strict.test', stranger).then(() => true, () => false), 'untrusted client cert must fail');
    assert.is((await go('lax.test')).body.trim(), 'lax');
    assert.is((await go('lax.test', stranger)).body.trim(), 'lax');
    assert.is((await go('anything.test')).body.trim(), 'open');
  } finally {
    await d.close();
  }
});

test.run();
