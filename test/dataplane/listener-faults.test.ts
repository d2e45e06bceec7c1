// Fault isolation in the data plane's apply: a listener whose certificate OpenSSL refuses (here
// fed straight into the table, bypassing the input stage's checks) is left out and reported in
// ApplyResult.listenerErrors; every other listener, on the same port, on other ports and on
// other Gateways, is served, and apply() never rejects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { Dataplane } from '../../gateway/dataplane/api.ts';
import { TestCA } from './certs.ts';
import * as H from './server-helpers.ts';

const ca = new TestCA();
const good = ca.issue('good', ['good.example.com']);
const other = ca.issue('other', ['bad.example.com']);
const tlsOf = (pem: { certPem: string; keyPem: string }, names: string[]) => ({ mode: 'Terminate' as const, certificates: [H.cert(pem, names)] });
const ok = (name: string) => [{ hostname: '*', rules: [H.direct(200, name)] }];

let dp: Dataplane;

test.before(() => { dp = createDataplane(); });
test.after(async () => {
  await dp.close();
  ca.cleanup();
});

test('a key that does not match its certificate fails only its listener; the port and the other Gateway serve', async () => {
  const mismatched = { certPem: other.certPem, keyPem: good.keyPem };
  const garbage = { certPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', keyPem: good.keyPem };
  const table = H.table(
    H.gateway([
      H.port(0, [
        H.listener('good', 'HTTPS', 'good.example.com', ok('good'), tlsOf(good, ['good.example.com'])),
        H.listener('mismatch', 'HTTPS', 'bad.example.com', ok('mismatch'), tlsOf(mismatched, ['bad.example.com'])),
        H.listener('garbage', 'HTTPS', 'garbage.example.com', ok('garbage'), tlsOf(garbage, ['garbage.example.com'])),
      ]),
    ], 'ns/gw', ['127.0.0.1']),
    H.gateway([H.port(0, [H.listener('plain', 'HTTP', undefined, ok('plain'))])], 'ns/other', ['127.0.0.1']),
  );
  const res = await dp.apply(table);
  assert.equal(res.errors, []);
  assert.equal((res.listenerErrors ?? []).map((f) => f.listener).sort(), ['garbage', 'mismatch']);
  for (const f of res.listenerErrors ?? []) {
    assert.is(f.gateway, 'ns/gw');
    assert.is(f.source.sectionName, f.listener);
    assert.ok(f.message.length > 0);
  }
  const port = H.boundPort(res, 0);
  const r = await H.h1(port, { host: 'good.example.com', tls: { servername: 'good.example.com', ca: ca.ca.certPem } });
  assert.is(r.status, 200);
  assert.is(r.peerCertCN, 'good');
  const plain = await H.h1(H.boundPort(res, 0, 'ns/other'), { host: 'x.example.com' });
  assert.is(plain.status, 200);

  // The next apply with the fault fixed brings the listener up on the same socket.
  const fixed = H.table(H.gateway([H.port(0, [
    H.listener('good', 'HTTPS', 'good.example.com', ok('good'), tlsOf(good, ['good.example.com'])),
    H.listener('mismatch', 'HTTPS', 'bad.example.com', ok('mismatch'), tlsOf(other, ['bad.example.com'])),
  ])]));
  const res2 = await dp.apply(fixed);
  assert.equal(res2.listenerErrors, []);
  assert.is(H.boundPort(res2, 0), port, 'the socket was kept');
  const r2 = await H.h1(port, { host: 'bad.example.com', tls: { servername: 'bad.example.com', ca: ca.ca.certPem } });
  assert.is(r2.status, 200);
  assert.is(r2.peerCertCN, 'other');
});

test.run();
