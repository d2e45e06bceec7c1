import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.ts';
import { GATEWAY_CLASS, httpGateway, httpsGateway } from '../helpers/manifests.ts';
import { runCli } from './run-cli.ts';

const base = `${GATEWAY_CLASS}---
${httpGateway('gw', 'apps')}`;

const route = (path: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: apps }
spec:
  parentRefs: [{ name: gw }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: "${path}" } }]
      backendRefs: [{ name: web, port: 8080 }]
`;

const dir = (files: Record<string, string>): string => tempDir('portico-validate-', files);

test('valid manifests exit 0; a Service missing from the manifests is only a warning', async () => {
  const d = dir({ 'base.yaml': base, 'route.yaml': route('/app') });
  try {
    const r = await runCli(['validate', d], { cwd: d });
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /warning: route\.yaml:8: HTTPRoute apps\/web spec\.rules\[0\]\.backendRefs\[0\]: Service apps\/web is not in the manifests/);
    assert.match(r.stderr, '0 errors');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('fails with exit 1 and one line per problem in the documented format', async () => {
  const d = dir({ 'base.yaml': base, 'route.yaml': route('no-slash'), 'broken.yaml': 'kind: [\n' });
  try {
    const r = await runCli(['validate', d], { cwd: d });
    assert.is(r.code, 1, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.length >= 2, r.stdout);
    const routeLine = lines.find((l) => l.startsWith('route.yaml:7: HTTPRoute apps/web '));
    assert.ok(routeLine, `no route line in:\n${r.stdout}`);
    assert.match(routeLine!, /^route\.yaml:7: HTTPRoute apps\/web spec\.rules\[0\]\.matches\[0\]\.path\S*: .+ \(\w+\)( — fix: .+)?$/);
    const parseLine = lines.find((l) => l.startsWith('broken.yaml:2: '));
    assert.ok(parseLine, `no parse error line in:\n${r.stdout}`);
    assert.match(parseLine!, /\(ParseError\) — fix: /);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

const crossNamespace = `apiVersion: v1
kind: Service
metadata: { name: billing, namespace: payments }
spec: { ports: [{ port: 8080 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: shop, namespace: apps }
spec:
  parentRefs: [{ name: gw }]
  rules:
    - backendRefs: [{ name: billing, namespace: payments, port: 8080 }]
`;

const grant = `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: shop-to-billing, namespace: payments }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps }]
  to: [{ group: "", kind: Service, name: billing }]
`;

test("a route to another namespace's Service without a ReferenceGrant exits 1 naming route, backendRef and grant", async () => {
  const d = dir({ 'base.yaml': base, 'route.yaml': crossNamespace });
  try {
    const r = await runCli(['validate', d], { cwd: d });
    assert.is(r.code, 1, r.stdout + r.stderr);
    const line = r.stdout.trim().split('\n').find((l) => l.includes('HTTPRoute apps/shop'));
    assert.ok(line, r.stdout);
    assert.match(line!, 'spec.rules[0].backendRefs[0]');
    assert.match(line!, 'Service payments/billing');
    assert.match(line!, 'no ReferenceGrant in payments');
    assert.match(line!, '(RefNotPermitted)');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
  // given the grant, the same manifests are clean
  const ok = dir({ 'base.yaml': base, 'route.yaml': crossNamespace, 'grant.yaml': grant });
  try {
    const r = await runCli(['validate', ok], { cwd: ok });
    assert.is(r.code, 0, r.stdout + r.stderr);
  } finally {
    rmSync(ok, { recursive: true, force: true });
  }
});

test('--format json prints {problems} with severity, ref, field, reason and file', async () => {
  const d = dir({ 'base.yaml': base, 'route.yaml': route('no-slash') });
  try {
    const r = await runCli(['validate', '--format', 'json', join(d, 'base.yaml'), join(d, 'route.yaml')], { cwd: d });
    assert.is(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(Array.isArray(out.problems));
    const err = out.problems.find((p: any) => p.severity === 'error' && p.ref.kind === 'HTTPRoute');
    assert.ok(err, r.stdout);
    assert.is(err.file, 'route.yaml');
    assert.is(err.line, 7, 'the line of spec.rules[0].matches[0].path');
    assert.is(err.ref.name, 'web');
    assert.ok(err.field.startsWith('spec.rules[0].matches[0].path'));
    assert.ok(out.problems.some((p: any) => p.severity === 'warning' && p.reason === 'AssumedExternal'));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a certificate Secret and a CA ConfigMap missing from the manifests are assumed, not errors', async () => {
  const tls = `${httpsGateway('tls', 'apps')}---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: apps }
spec: { ports: [{ name: https, port: 443 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: { name: web-tls, namespace: apps }
spec:
  targetRefs: [{ group: "", kind: Service, name: web }]
  validation:
    hostname: web.apps.svc
    caCertificateRefs: [{ group: "", kind: ConfigMap, name: web-ca }]
`;
  const d = dir({ 'base.yaml': base, 'tls.yaml': tls });
  try {
    const r = await runCli(['validate', '--format', 'json', d], { cwd: d });
    assert.is(r.code, 0, r.stdout + r.stderr);
    const { problems } = JSON.parse(r.stdout);
    const assumed = problems.filter((p: any) => p.reason === 'AssumedExternal').map((p: any) => p.message);
    assert.ok(assumed.some((m: string) => m.startsWith('Secret apps/site-cert ')), JSON.stringify(problems));
    assert.ok(assumed.some((m: string) => m.startsWith('ConfigMap apps/web-ca ')), JSON.stringify(problems));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('usage errors exit 2', async () => {
  const r = await runCli(['validate']);
  assert.is(r.code, 2);
  assert.match(r.stderr, 'usage: portico validate');
  const r2 = await runCli(['frobnicate']);
  assert.is(r2.code, 2);
});

test.run();
