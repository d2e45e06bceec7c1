// The example app: it synthesizes without errors, every seed scenario is in its output, and the
// committed dist/ is exactly what a fresh synth writes (the check CI makes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { buildApp, TENANTS_FILE, tenantsFileText } from '../../apps/main.ts';

const DIST = resolve(import.meta.dirname, '../../dist');

/** Synthesizes the app into a temp dir once: file name → text. */
function synthFiles(): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-example-app-'));
  try {
    buildApp({ outdir: dir, printWarnings: false }).synth();
    return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const files = synthFiles();
const objects: any[] = [...files.values()].flatMap((text) => parseAllDocuments(text).map((d) => d.toJS()));

function find(kind: string, namespace: string | undefined, name: string): any {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name && x.metadata.namespace === namespace);
  assert.ok(o, `${kind} ${namespace ?? ''}/${name} is not synthesized`);
  return o;
}

function rule(kind: string, namespace: string, route: string, ruleName: string): any {
  const r = find(kind, namespace, route).spec.rules.find((x: any) => x.name === ruleName);
  assert.ok(r, `${kind} ${namespace}/${route} has no rule "${ruleName}"`);
  return r;
}

test('the committed dist/ equals a fresh synth, byte for byte', () => {
  const committed = readdirSync(DIST).filter((f) => f.endsWith('.yaml')).sort();
  assert.equal(committed, [...files.keys()], 'dist/ holds other files than a synth writes: run `npm run synth` and commit dist/');
  for (const [name, text] of files) {
    assert.ok(readFileSync(join(DIST, name), 'utf8') === text, `dist/${name} is stale: run \`npm run synth\` and commit dist/`);
  }
});

test('the committed platform tenants file equals what synth writes', () => {
  const fresh = tenantsFileText(buildApp({ outdir: mkdtempSync(join(tmpdir(), 'portico-tenants-')), printWarnings: false }));
  assert.ok(readFileSync(resolve(DIST, '..', TENANTS_FILE), 'utf8') === fresh, `${TENANTS_FILE} is stale: run \`npm run synth\` and commit it`);
});

test('a second synth is identical (no timestamps, no random names)', () => {
  assert.equal(synthFiles(), files);
});

test('platform: class, public gateway with the four listeners, ListenerSets only from payments', () => {
  assert.is(find('GatewayClass', undefined, 'portico').spec.controllerName, 'portico.dev/gateway-controller');
  const gw = find('Gateway', 'portico-system', 'public');
  assert.is(gw.spec.gatewayClassName, 'portico');
  const byName = Object.fromEntries(gw.spec.listeners.map((l: any) => [l.name, l]));
  assert.equal(Object.keys(byName), ['http', 'https', 'tls-passthrough', 'redis']);
  assert.equal([byName.http.protocol, byName.http.port], ['HTTP', 80]);
  assert.equal([byName.https.protocol, byName.https.port, byName.https.hostname], ['HTTPS', 443, '*.example.com']);
  assert.equal(byName.https.tls.certificateRefs, [{ name: 'wildcard-example-com-tls' }]);
  assert.equal([byName['tls-passthrough'].protocol, byName['tls-passthrough'].port, byName['tls-passthrough'].tls.mode], ['TLS', 8443, 'Passthrough']);
  assert.equal([byName.redis.protocol, byName.redis.port], ['TCP', 6379]);
  assert.equal(byName.redis.allowedRoutes.namespaces.selector, { matchLabels: { 'portico.dev/tenant': 'data' } });
  assert.equal(gw.spec.allowedListeners.namespaces, { from: 'Selector', selector: { matchLabels: { 'portico.dev/tenant': 'payments' } } });
});

test('tenancy: each tenant namespace carries the label the listeners select', () => {
  for (const t of ['shop', 'payments', 'data', 'catalog']) {
    assert.equal(find('Namespace', undefined, t).metadata.labels, { 'portico.dev/tenant': t });
  }
});

test('shop: header canary with a 300ms request timeout', () => {
  const canary = rule('HTTPRoute', 'shop', 'storefront', 'canary');
  assert.equal(canary.matches[0].headers, [{ name: 'x-canary', type: 'Exact', value: 'true' }]);
  assert.equal(canary.backendRefs, [{ name: 'storefront-v2', port: 8080 }]);
  assert.is(canary.timeouts.request, '300ms');
  const stable = rule('HTTPRoute', 'shop', 'storefront', 'stable');
  assert.equal(stable.backendRefs, [{ name: 'storefront-v1', port: 8080 }]);
  assert.is(stable.timeouts.request, '300ms');
  assert.equal(find('HTTPRoute', 'shop', 'storefront').spec.hostnames, ['www.shop.example.com']);
});

test('shop: /api/v1 rewritten to /v1, with CORS and a response header modifier', () => {
  const r = rule('HTTPRoute', 'shop', 'api', 'v1');
  assert.equal(r.matches, [{ path: { type: 'PathPrefix', value: '/api/v1' } }]);
  const f = Object.fromEntries(r.filters.map((x: any) => [x.type, x]));
  assert.equal(f.URLRewrite.urlRewrite.path, { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v1' });
  assert.equal(f.CORS.cors.allowOrigins, ['https://www.shop.example.com']);
  assert.is(f.CORS.cors.allowCredentials, true);
  assert.equal(f.ResponseHeaderModifier.responseHeaderModifier, { set: [{ name: 'cache-control', value: 'no-store' }], remove: ['server', 'x-powered-by'] });
});

test('shop: plain HTTP answers 301 to https', () => {
  const route = find('HTTPRoute', 'shop', 'https-redirect');
  assert.equal(route.spec.parentRefs, [{ name: 'public', namespace: 'portico-system', sectionName: 'http' }]);
  assert.equal(rule('HTTPRoute', 'shop', 'https-redirect', 'to-https').filters, [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }]);
});

test('shop: 90/10 weights, retries on 500/502/503/504 with backoff, mirror, cross-namespace search', () => {
  assert.equal(rule('HTTPRoute', 'shop', 'recommendations', 'split').backendRefs, [
    { name: 'recommendations-v1', port: 8080, weight: 90 }, { name: 'recommendations-v2', port: 8080, weight: 10 },
  ]);
  assert.equal(rule('HTTPRoute', 'shop', 'inventory', 'reads').retry, { codes: [500, 502, 503, 504], attempts: 3, backoff: '100ms' });
  const search = rule('HTTPRoute', 'shop', 'search', 'search');
  assert.equal(search.filters, [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'search-shadow', port: 8080 }, percent: 25 } }]);
  assert.equal(search.backendRefs, [{ name: 'search', namespace: 'catalog', port: 8080 }]);
  find('Service', 'catalog', 'search');
  assert.equal(find('ReferenceGrant', 'catalog', 'shop-routes-to-search').spec, {
    from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' }],
    to: [{ group: '', kind: 'Service', name: 'search' }],
  });
});

test('shop: checkout behind HTTP ExternalAuth, with cookie session persistence', () => {
  const r = rule('HTTPRoute', 'shop', 'checkout', 'checkout');
  assert.equal(r.filters[0].type, 'ExternalAuth');
  assert.equal(r.filters[0].externalAuth.protocol, 'HTTP');
  assert.equal(r.filters[0].externalAuth.backendRef, { name: 'auth', port: 9000 });
  assert.equal(r.sessionPersistence.type, 'Cookie');
  assert.is(r.sessionPersistence.sessionName, 'checkout-session');
  find('Service', 'shop', 'auth');
});

test('payments: GRPCRoute by service, and a ListenerSet with its own hostname and certificate', () => {
  const ledger = rule('GRPCRoute', 'payments', 'ledger', 'ledger');
  assert.equal(ledger.matches, [{ method: { type: 'Exact', service: 'payments.v1.Ledger' } }]);
  const ls = find('ListenerSet', 'payments', 'portal');
  assert.equal(ls.spec.parentRef, { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'portico-system' });
  assert.equal(ls.spec.listeners, [{ name: 'portal-https', hostname: 'pay.example.net', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'pay-example-net-tls' }] } }]);
  assert.equal(find('HTTPRoute', 'payments', 'portal').spec.parentRefs, [{ group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'portal', sectionName: 'portal-https' }]);
});

test('data: TCPRoute to redis on 6379, TLSRoute passthrough to the database', () => {
  assert.equal(find('TCPRoute', 'data', 'redis').spec.parentRefs, [{ name: 'public', namespace: 'portico-system', sectionName: 'redis' }]);
  assert.equal(rule('TCPRoute', 'data', 'redis', 'redis').backendRefs, [{ name: 'redis', port: 6379 }]);
  const db = find('TLSRoute', 'data', 'db');
  assert.equal(db.spec.hostnames, ['db.data.example.com']);
  assert.equal(db.spec.parentRefs, [{ name: 'public', namespace: 'portico-system', sectionName: 'tls-passthrough' }]);
});

test('every backend a route names is a Service the app defines (so demo backends can serve it)', () => {
  const services = new Set(objects.filter((o) => o.kind === 'Service').map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
  for (const o of objects.filter((x) => /Route$/.test(x.kind))) {
    for (const r of o.spec.rules) {
      const refs = [...(r.backendRefs ?? []), ...(r.filters ?? []).flatMap((f: any) => [f.requestMirror?.backendRef, f.externalAuth?.backendRef]).filter(Boolean)];
      for (const b of refs) assert.ok(services.has(`${b.namespace ?? o.metadata.namespace}/${b.name}`), `${o.kind} ${o.metadata.name} uses ${b.name}, which the app does not define`);
    }
  }
});

test.run();
