// `portico validate --tenants FILE`: an app repo's plain manifests judged by the platform's
// tenancy rules, from the tenants file the platform app synthesizes (platform-tenants.yaml).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '../helpers/cli.ts';
import { REPO, runCli } from './run-cli.ts';

const TENANTS = join(REPO, 'platform-tenants.yaml');
// The payments team's repo: only its own chart's output (routes, a ListenerSet), no Gateway, no Namespace.
const PAYMENTS = readFileSync(join(REPO, 'dist/tenant-payments.k8s.yaml'), 'utf8');

const route = (name: string, spec: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: payments }
spec:
${spec}`;

async function validatePayments(extra: string, args: string[] = ['--tenant', 'payments']) {
  return withTempDir('portico-tenants-', { 'payments.k8s.yaml': PAYMENTS + extra }, async (d) => {
    copyFileSync(TENANTS, join(d, 'tenants.yaml'));
    return runCli(['validate', '--tenants', 'tenants.yaml', ...args, 'payments.k8s.yaml'], { cwd: d });
  });
}

test('the payments tenant\'s manifests (a ListenerSet on the platform Gateway, routes) pass against the platform\'s tenants file, without the platform\'s objects', async () => {
  const r = await validatePayments('');
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, / 0 errors/);
});

test('fails if a route uses a hostname the tenant does not own (the tenancy rule, with its fix)', async () => {
  const extra = route('stolen', `  parentRefs: [{ name: public, namespace: portico-system, sectionName: https }]
  hostnames: [www.shop.example.com]
  rules: [{ backendRefs: [{ name: ledger, port: 8080 }] }]`);
  const r = await validatePayments(extra);
  assert.is(r.code, 1, r.stdout + r.stderr);
  const line = (PAYMENTS + extra).split('\n').findIndex((l) => l.startsWith('  hostnames: [www.shop')) + 1;
  assert.match(r.stdout, `payments.k8s.yaml:${line}: HTTPRoute payments/stolen spec.hostnames[0]: `);
  assert.match(r.stdout, /payments\.k8s\.yaml:\d+: HTTPRoute payments\/stolen spec\.hostnames\[0\]: "www\.shop\.example\.com" is not owned by tenant "payments" \(owns: \*\.payments\.example\.com, pay\.example\.net\) \(HostnameNotOwned\) — fix: use a hostname the tenant owns/);
});

test('fails if a route attaches to a platform listener the tenant may not use', async () => {
  const r = await validatePayments(route('plain', `  parentRefs: [{ name: public, namespace: portico-system, sectionName: http }]
  hostnames: [plain.payments.example.com]
  rules: [{ backendRefs: [{ name: ledger, port: 8080 }] }]`));
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /HTTPRoute payments\/plain spec\.parentRefs\[0\]: attaches to gateway portico-system\/public listener "http", which tenant "payments" may not use \(may use: public\/https\) \(ListenerNotAllowed\)/);
});

test('without --tenant, objects belong to the tenant owning their namespace; --tenant puts everything in one tenant', async () => {
  const outside = `---
apiVersion: v1
kind: Service
metadata: { name: stray, namespace: shop }
spec: { ports: [{ port: 80 }] }
`;
  const byNamespace = await validatePayments(outside, []);
  assert.is(byNamespace.code, 0, byNamespace.stdout + byNamespace.stderr);
  const asShop = await validatePayments(outside);
  assert.is(asShop.code, 1, asShop.stdout + asShop.stderr);
  assert.match(asShop.stdout, /Service shop\/stray metadata\.namespace: "shop" is outside tenant "payments" \(namespaces: payments\) \(OutsideTenantNamespaces\)/);
});

test('fails with a clear message for an unknown tenant, a missing file or one that is not a TenantSet', async () => {
  const unknown = await validatePayments('', ['--tenant', 'nobody']);
  assert.is(unknown.code, 1);
  assert.match(unknown.stdout, /tenant "nobody" is not in the tenants file \(tenants: shop, payments, data, catalog\)/);
  const missing = await withTempDir('portico-tenants-', { 'a.yaml': PAYMENTS }, (d) => runCli(['validate', '--tenants', 'nope.yaml', 'a.yaml'], { cwd: d }));
  assert.is(missing.code, 1);
  assert.match(missing.stdout, /nope\.yaml: .*\(NotFound\) — fix: fetch or vendor the platform's tenants file/);
  const wrong = await withTempDir('portico-tenants-', { 'a.yaml': PAYMENTS, 't.yaml': 'kind: Nope\n' }, (d) => runCli(['validate', '--tenants', 't.yaml', 'a.yaml'], { cwd: d }));
  assert.is(wrong.code, 1);
  assert.match(wrong.stdout, /t\.yaml: is not a portico\.dev\/v1alpha1 TenantSet \(InvalidTenantSet\)/);
  const usage = await runCli(['validate', '--tenant', 'payments', 'dist/']);
  assert.is(usage.code, 2);
  assert.match(usage.stderr, /--tenant needs --tenants FILE/);
});

test.run();
