// Secrets and the admin endpoint: /status and /config (the routing table) need a bearer token
// when served off loopback; the probe endpoints never do; no private key or session-signing key
// appears in /config, /status, the logs or the error of a broken certificate.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseServeArgs, startGateway } from '../../gateway/cli/serve.ts';
import { createLogger } from '../../gateway/admin/log.ts';
import { tempDir } from '../helpers/cli.ts';
import { selfSignedCert } from '../helpers/self-signed.ts';
import { GATEWAY_CLASS } from '../helpers/manifests.ts';
import { adminGet, freePort, httpGet } from '../e2e/serve-process.ts';

test('serving /status or /config off loopback without --admin-token-file is refused at start', () => {
  assert.throws(() => parseServeArgs(['--manifests', 'x', '--admin', '0.0.0.0:9901']), /not a loopback address .* --admin-token-file/);
  assert.throws(() => parseServeArgs(['--manifests', 'x', '--probes', '0.0.0.0:9902', '--probes-all-endpoints']), /0\.0\.0\.0:9902 is not a loopback address/);
  assert.is(parseServeArgs(['--manifests', 'x', '--admin', '0.0.0.0:9901', '--admin-token-file', '/t']).adminTokenFile, '/t');
  assert.is(parseServeArgs(['--manifests', 'x', '--probes', '0.0.0.0:9902']).probes?.allEndpoints, false, 'probes alone need no token');
  assert.is(parseServeArgs(['--manifests', 'x', '--admin', '127.0.0.2:9901']).admin, '127.0.0.2:9901');
});

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

test('/status and /config need the bearer token; no private key or session key in /config, /status, logs or errors', async () => {
  const dir = tempDir('portico-secrets-');
  const good = selfSignedCert(dir, 'good', ['secure.example.com']);
  const other = selfSignedCert(dir, 'other', ['other.example.com']);
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'token'), `${token}\n`);
  const sessionKey = randomBytes(48);
  writeFileSync(join(dir, 'session.key'), sessionKey);
  const secret = (name: string, cert: string, key: string) => `apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { name: ${name}, namespace: sec }
data: { tls.crt: ${b64(cert)}, tls.key: ${b64(key)} }
`;
  writeFileSync(join(dir, 'app.yaml'), `${GATEWAY_CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: sec }
spec:
  gatewayClassName: portico
  listeners:
    - { name: good, port: 443, protocol: HTTPS, hostname: secure.example.com, tls: { certificateRefs: [{ name: good }] } }
    - { name: broken, port: 443, protocol: HTTPS, hostname: broken.example.com, tls: { certificateRefs: [{ name: broken }] } }
---
${secret('good', good.cert, good.key)}---
${secret('broken', good.cert, other.key)}`);
  const lines: string[] = [];
  const log = createLogger((l) => lines.push(l), () => new Date().toISOString(), 'debug');
  const base = await freePort();
  const opts = parseServeArgs(['--manifests', dir, '--admin', '127.0.0.1:0', '--admin-token-file', join(dir, 'token'),
    '--session-key-file', join(dir, 'session.key'), '--port-offset', String(base - 443), '--access-log', 'off']);
  const gw = await startGateway(opts, log, () => new Date().toISOString());
  try {
    await gw.pipeline.idle();
    const admin = gw.admin.address;
    const [host, port] = [admin.slice(0, admin.lastIndexOf(':')), Number(admin.slice(admin.lastIndexOf(':') + 1))];
    for (const path of ['/status', '/config']) {
      const none = await adminGet(admin, path);
      assert.is(none.status, 401, `${path} without a token`);
      assert.is(none.headers['www-authenticate'], 'Bearer realm="portico-admin"');
      assert.is((await httpGet(host, port, path, { authorization: 'Bearer wrong-token-of-some-length' })).status, 401, `${path} with a wrong token`);
    }
    for (const path of ['/healthz', '/readyz', '/metrics']) assert.ok((await adminGet(admin, path)).status !== 401, `${path} needs no token`);
    const auth = { authorization: `Bearer ${token}` };
    const config = await httpGet(host, port, '/config', auth);
    const status = await httpGet(host, port, '/status', auth);
    assert.is(config.status, 200);
    assert.is(status.status, 200);
    assert.match(config.body, /secure\.example\.com/, 'the config is there');

    // What must never appear: the key PEMs (whole or their base64 body), the session key, the token.
    const keyBodies = [good.key, other.key].map((k) => k.split('\n').filter((l) => l && !l.startsWith('-----')).join(''));
    const secrets = [
      ...keyBodies, ...keyBodies.map((k) => k.slice(0, 40)), b64(good.key), b64(other.key),
      sessionKey.toString('base64'), sessionKey.toString('hex'), token,
    ];
    const logs = lines.join('\n');
    assert.match(logs, /broken/, 'the broken certificate is reported');
    const problems = JSON.stringify(gw.admin.state.current?.problems ?? []);
    for (const [where, text] of [['/config', config.body], ['/status', status.body], ['logs', logs], ['problems', problems]] as const) {
      for (const s of secrets) assert.not.ok(text.includes(s), `${where} contains a secret (${s.slice(0, 12)}…)`);
      assert.not.match(text, /PRIVATE KEY-----\s*[A-Za-z0-9+/]/, `${where} contains a private key block`);
    }
  } finally {
    await gw.stop({ delayMs: 0, timeoutMs: 1000 });
  }
});

test.run();
