// One bad object never blocks another, end to end through `portico validate` and `portico
// serve` (file provider, pipeline, real TLS sockets):
// - every kind of unusable certificate (key mismatch, unparseable, wrong Secret type, empty CA
//   bundle) fails only its own listener; an expired certificate is served with a warning;
// - a rotation to an unusable certificate keeps the last good one serving, a good rotation
//   replaces it;
// - 100 objects failing schema or reference validation, mixed into a valid config, leave every
//   valid route served, and a valid route edited into a schema violation keeps its last version.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runNode, tempDir, tsxArgv } from '../helpers/cli.ts';
import { selfSignedCert } from '../helpers/self-signed.ts';
import { echoBackend, GATEWAY_CLASS } from '../helpers/manifests.ts';
import { waitFor } from '../provider/wait.ts';
import { PLACEHOLDER_EXPIRED_CERT_PEM, PLACEHOLDER_EXPIRED_KEY_PEM } from '../translator/placeholder-pem.ts';
import { adminGet, freePort, httpGet, serve, type Served } from './serve-process.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Replaces a watched file in one step, so the gateway never reads it half written. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

function tlsSecret(name: string, cert: string, key: string, type = 'kubernetes.io/tls'): string {
  return `apiVersion: v1
kind: Secret
metadata: { name: ${name}, namespace: edge }
type: ${type}
data: { tls.crt: ${b64(cert)}, tls.key: ${b64(key)} }
`;
}

/** GET https://host/ on 127.0.0.1:port; the served certificate is reported, not verified. */
function peek(port: number, host: string): Promise<{ status: number; cn: string; fingerprint: string }> {
  return new Promise((done, fail) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/', servername: host, headers: { host }, rejectUnauthorized: false, agent: false, timeout: 10000 }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      res.resume();
      res.on('end', () => done({ status: res.statusCode!, cn: String(peer.subject?.CN ?? ''), fingerprint: peer.fingerprint256 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  });
}

async function startBackend(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => res.end(JSON.stringify({ host: req.headers.host, path: req.url })));
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

async function statusOf(admin: string): Promise<any> {
  return JSON.parse((await adminGet(admin, '/status')).body);
}

function listenerConditions(status: any, gateway: string, listener: string): Record<string, any> {
  const item = status.items.find((i: any) => i.kind === 'Gateway' && i.metadata.name === gateway);
  const l = item?.status?.listeners?.find((x: any) => x.name === listener);
  return Object.fromEntries((l?.conditions ?? []).map((c: any) => [c.type, c]));
}

async function ready(gw: Served): Promise<string> {
  const admin = await waitFor(() => gw.admin(), 45000, `admin address\n${gw.stderr()}`);
  let ok = false;
  await waitFor(() => {
    void adminGet(admin, '/readyz').then((r) => { ok = r.status === 200; }, () => {});
    return ok;
  }, 45000, `readyz\n${gw.stderr()}`);
  return admin;
}

/** Polls `fn` (async) until it resolves truthy. */
async function eventually<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 45000): Promise<T> {
  let value: T | undefined | false;
  let pending = false;
  return waitFor(() => {
    if (!pending) {
      pending = true;
      void fn().then((v) => { value = v; }, () => { value = undefined; }).finally(() => { pending = false; });
    }
    return value;
  }, timeoutMs, what);
}

test('each unusable certificate fails only its listener; validate reports it; a bad rotation keeps the last good certificate', async () => {
  const dir = tempDir('portico-e2e-faults-');
  const backend = await startBackend();
  const good = selfSignedCert(dir, 'good', ['good.example.com']);
  const stranger = selfSignedCert(dir, 'stranger', ['stranger.example.com']);
  const gatewayYaml = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: edge }
spec:
  gatewayClassName: portico
  tls:
    frontend:
      default: {}
      perPort:
        - port: 8443
          tls: { validation: { caCertificateRefs: [{ group: "", kind: ConfigMap, name: empty-ca }] } }
  listeners:
    - { name: good, port: 443, protocol: HTTPS, hostname: good.example.com, tls: { certificateRefs: [{ name: good }] } }
    - { name: mismatch, port: 443, protocol: HTTPS, hostname: mismatch.example.com, tls: { certificateRefs: [{ name: mismatch }] } }
    - { name: garbage, port: 443, protocol: HTTPS, hostname: garbage.example.com, tls: { certificateRefs: [{ name: garbage }] } }
    - { name: opaque, port: 443, protocol: HTTPS, hostname: opaque.example.com, tls: { certificateRefs: [{ name: opaque }] } }
    - { name: expired, port: 443, protocol: HTTPS, hostname: expired.example.com, tls: { certificateRefs: [{ name: expired }] } }
    - { name: client-ca, port: 8443, protocol: HTTPS, tls: { certificateRefs: [{ name: good }] } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: plain, namespace: edge }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, port: 80, protocol: HTTP }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: edge }
spec:
  parentRefs: [{ name: gw }, { name: plain }]
  rules: [{ backendRefs: [{ name: echo, port: 8080 }] }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: empty-ca, namespace: edge }
data: { ca.crt: "" }
---
${echoBackend('edge', backend.port)}`;
  const secrets = (goodSecret: string) => [
    goodSecret,
    tlsSecret('mismatch', good.cert, stranger.key),
    tlsSecret('garbage', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n', good.key),
    tlsSecret('opaque', good.cert, good.key, 'Opaque'),
    tlsSecret('expired', PLACEHOLDER_EXPIRED_CERT_PEM, PLACEHOLDER_EXPIRED_KEY_PEM),
  ].join('---\n');
  writeFileSync(join(dir, 'gateway.yaml'), `${GATEWAY_CLASS}---\n${gatewayYaml}`);
  writeFileSync(join(dir, 'secrets.yaml'), secrets(tlsSecret('good', good.cert, good.key)));

  // validate: exit 1, the mismatch named with its Secret, listener, field and fix.
  const v = await runNode([...tsxArgv('gateway/cli.ts'), 'validate', dir], { timeoutMs: 60000, timeoutMessage: (r) => `validate hung\n${r.output}` });
  assert.is(v.code, 1, v.output);
  const line = v.stdout.split('\n').find((l) => l.includes('edge/mismatch')) ?? '';
  assert.match(line, 'Gateway edge/gw');
  assert.match(line, 'spec.listeners[1].tls.certificateRefs[0]');
  assert.match(line, 'listener "mismatch"');
  assert.match(line, 'key values mismatch');
  assert.match(line, 'put the private key that belongs to the certificate into tls.key');
  for (const s of ['edge/garbage', 'edge/opaque', 'edge/empty-ca']) assert.ok(v.stdout.includes(s), `${s} reported:\n${v.output}`);
  assert.match(v.stderr, /warning: .*listener "expired".*expired at/);
  assert.not.ok(v.stdout.includes('edge/good:'), 'the good Secret is not reported');

  const port = await freePort();
  const gw = serve(['--manifests', dir, '--port-offset', String(port - 443), '--admin', '127.0.0.1:0', '--access-log', 'off', '--poll-ms', '100']);
  try {
    const admin = await ready(gw);
    assert.not.match(gw.stderr(), 'reload failed');
    const first = await peek(port, 'good.example.com');
    assert.is(first.status, 200);
    assert.is(first.cn, 'good.example.com');
    const expired = await peek(port, 'expired.example.com');
    assert.is(expired.status, 200, 'an expired certificate is still served');
    assert.is(expired.cn, 'expired.portico.invalid');
    assert.is((await httpGet('127.0.0.1', port - 443 + 80, '/', { host: 'any.example.com' })).status, 200, 'the other Gateway serves');

    const status = await statusOf(admin);
    for (const [name, reason] of [['mismatch', 'InvalidCertificateRef'], ['garbage', 'InvalidCertificateRef'], ['opaque', 'InvalidCertificateRef'], ['client-ca', 'InvalidCACertificateRef']]) {
      const c = listenerConditions(status, 'gw', name);
      assert.is(c.ResolvedRefs?.status, 'False', `${name} ResolvedRefs`);
      assert.is(c.ResolvedRefs?.reason, reason, `${name} reason`);
      assert.is(c.Programmed?.status, 'False', `${name} Programmed`);
    }
    for (const name of ['good', 'expired']) assert.is(listenerConditions(status, 'gw', name).Programmed?.status, 'True', `${name} Programmed`);
    assert.match(listenerConditions(status, 'gw', 'expired').ResolvedRefs.message, 'expired at');
    const metrics = (await adminGet(admin, '/metrics')).body;
    assert.match(metrics, /portico_listeners_certificate_outside_validity 1/);
    assert.match(metrics, /portico_certificate_expiration_timestamp_seconds\{secret="edge\/good"\}/);

    // A rotation to a key that does not belong to the certificate: the old pair keeps serving.
    replaceFile(join(dir, 'secrets.yaml'), secrets(tlsSecret('good', good.cert, stranger.key)));
    await eventually(async () => listenerConditions(await statusOf(admin), 'gw', 'good').ResolvedRefs?.status === 'False', 'the bad rotation reported');
    const kept = listenerConditions(await statusOf(admin), 'gw', 'good');
    assert.is(kept.ResolvedRefs.reason, 'InvalidCertificateRef');
    assert.match(kept.ResolvedRefs.message, 'last good version keeps serving');
    assert.is(kept.Programmed.status, 'True');
    const during = await peek(port, 'good.example.com');
    assert.is(during.status, 200);
    assert.is(during.fingerprint, first.fingerprint, 'the last good certificate is served');

    // A good rotation replaces it.
    const renewed = selfSignedCert(dir, 'renewed', ['good.example.com']);
    replaceFile(join(dir, 'secrets.yaml'), secrets(tlsSecret('good', renewed.cert, renewed.key)));
    const after = await eventually(async () => {
      const r = await peek(port, 'good.example.com');
      return r.fingerprint !== first.fingerprint ? r : undefined;
    }, 'the renewed certificate served');
    assert.is(after.status, 200);
    assert.is(listenerConditions(await statusOf(admin), 'gw', 'good').ResolvedRefs.status, 'True');
    assert.not.match(gw.stderr(), 'reload failed');
  } finally {
    await gw.stop();
    backend.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('100 objects failing schema or reference validation leave every valid route served; a route edited into a violation keeps its last version', async () => {
  const dir = tempDir('portico-e2e-bulk-');
  const backend = await startBackend();
  const N = 10;
  const route = (name: string, host: string, rule: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: apps }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [${host}]
  rules: [${rule}]
`;
  const validRule = '{ backendRefs: [{ name: echo, port: 8080 }] }';
  // Would take every valid route's traffic if served: same host and match, and a name that
  // sorts first (the precedence tie-break), answering with a redirect.
  const schemaBad = (i: number) => route(`a-schema-${i}`, `r${i % N}.example.com`,
    '{ filters: [{ type: RequestRedirect, requestRedirect: { statusCode: 999 } }] }');
  const referenceBad = (i: number) => {
    switch (i % 5) {
      case 0: return route(`a-ref-${i}`, `r${i % N}.example.com`, `{ matches: [{ path: { type: PathPrefix, value: /bad-${i} } }], backendRefs: [{ name: missing-${i}, port: 8080 }] }`);
      case 1: return route(`a-ref-${i}`, `r${i % N}.example.com`, `{ matches: [{ path: { type: PathPrefix, value: /bad-${i} } }], backendRefs: [{ name: echo, namespace: elsewhere, port: 8080 }] }`);
      case 2: return route(`a-ref-${i}`, `r${i % N}.example.com`, validRule).replace('[{ name: gw }]', `[{ name: gw, sectionName: nope-${i} }]`);
      case 3: return route(`a-ref-${i}`, `r${i % N}.example.com`, validRule).replace('[{ name: gw }]', `[{ name: missing-gateway-${i} }]`);
      default: return `apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: { name: a-ls-${i}, namespace: apps }
spec:
  parentRef: { name: gw }
  listeners: [{ name: extra, port: 80, protocol: HTTP, hostname: r${i % N}.example.com }]
`;
    }
  };
  const valid = Array.from({ length: N }, (_, i) => route(`r${i}`, `r${i}.example.com`, validRule));
  const bad = [...Array.from({ length: 50 }, (_, i) => schemaBad(i)), ...Array.from({ length: 50 }, (_, i) => referenceBad(i))];
  const gatewayYaml = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: apps }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, port: 80, protocol: HTTP }]
`;
  writeFileSync(join(dir, 'base.yaml'), [GATEWAY_CLASS, gatewayYaml, echoBackend('apps', backend.port)].join('---\n'));
  writeFileSync(join(dir, 'bad.yaml'), bad.join('---\n'));
  const write = (routes: string[]) => replaceFile(join(dir, 'routes.yaml'), routes.join('---\n'));
  write(valid);
  const port = await freePort();
  const gw = serve(['--manifests', dir, '--port-offset', String(port - 80), '--admin', '127.0.0.1:0', '--access-log', 'off', '--poll-ms', '100']);
  try {
    const admin = await ready(gw);
    for (let i = 0; i < N; i++) {
      const r = await httpGet('127.0.0.1', port, '/', { host: `r${i}.example.com` });
      assert.is(r.status, 200, `r${i}: ${r.body}`);
      assert.is(JSON.parse(r.body).host, `r${i}.example.com`);
    }
    const s = await statusOf(admin);
    const problemsAbout = (prefix: string) => new Set(s.problems.filter((p: any) => p.ref?.name?.startsWith(prefix)).map((p: any) => p.ref.name)).size;
    assert.is(problemsAbout('a-schema-'), 50, 'every schema violation is reported');
    assert.ok(problemsAbout('a-ref-') + problemsAbout('a-ls-') >= 30, 'the reference problems are reported');

    // Edit three valid routes into schema violations: they keep serving their last version.
    const edited = valid.map((r, i) => (i < 3 ? r.replace(validRule, '{ filters: [{ type: RequestRedirect, requestRedirect: { statusCode: 999 } }] }') : r));
    write(edited);
    await eventually(async () => (await statusOf(admin)).problems.some((p: any) => p.ref?.name === 'r0' && p.reason === 'Rejected'), 'the edit rejected');
    for (let i = 0; i < N; i++) {
      const r = await httpGet('127.0.0.1', port, '/', { host: `r${i}.example.com` });
      assert.is(r.status, 200, `r${i} after the bad edit: ${r.body}`);
    }
    const r0 = (await statusOf(admin)).items.find((x: any) => x.kind === 'HTTPRoute' && x.metadata.name === 'r0');
    const accepted = r0.status.parents[0].conditions.find((c: any) => c.type === 'Accepted');
    assert.is(accepted.status, 'True');
    assert.match(accepted.message, 'last accepted version keeps serving');
  } finally {
    await gw.stop();
    backend.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
