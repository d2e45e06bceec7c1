import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import {
  Annotations, BackendRef, BackendTlsPolicy, CertificateRef, FromNamespaces, Gateway, GatewayClass, HttpFilter, HttpRoute, ListenerProtocol, ListenerSet,
  Platform, PolicyTargetRef, ReferenceGrant, TENANT_LABEL, TenantChart, validateApp,
} from '../../constructs/index.ts';
import { assertGolden } from '../helpers/golden.ts';
import { GOLDEN_DIR, synthErrors } from './fixtures.ts';

/** A platform with one gateway and a tenant "shop" that may use the https listener only. */
function platform(options: { allowListenerSets?: boolean } = {}) {
  const app = new App();
  const platform = new Platform(app, 'platform', { namespace: 'infra', validation: { printWarnings: false } });
  const gatewayClass = new GatewayClass(platform, 'class', { metadata: { name: 'portico' } });
  const gw = new Gateway(platform, 'edge', {
    metadata: { name: 'edge' }, gatewayClass,
    allowedListeners: { namespaces: { from: FromNamespaces.ALL } },
  });
  // Certificates stay out of git: the Secret is assumed to exist in the cluster (a warning).
  const cert = CertificateRef.fromName('wildcard');
  const https = gw.addListener({ name: 'https', port: 443, protocol: ListenerProtocol.HTTPS, hostname: '*.shop.example.com', tls: { certificateRefs: [cert] }, allowedRoutes: { namespaces: { from: FromNamespaces.ALL } } });
  const admin = gw.addListener({ name: 'admin', port: 8443, protocol: ListenerProtocol.HTTPS, hostname: 'admin.example.com', tls: { certificateRefs: [cert] }, allowedRoutes: { namespaces: { from: FromNamespaces.ALL } } });
  const shop = platform.addTenant('shop', {
    name: 'shop', namespaces: ['shop', 'shop-jobs'], hostnames: ['*.shop.example.com', 'api.example.com'], listeners: [https],
    allowListenerSets: options.allowListenerSets,
  });
  const http = gw.addListener({ name: 'http', port: 80, protocol: ListenerProtocol.HTTP, allowedRoutes: { namespaces: shop.routeNamespaces() } });
  const tenant = new TenantChart(app, 'tenant-shop', { tenant: shop });
  const web = new kplus.Service(tenant, 'web', { metadata: { name: 'web' }, ports: [{ port: 8080 }] });
  return { app, platform, gw, https, admin, http, shop, tenant, web };
}

test('a tenant synthesizes labelled namespaces, and its valid routes synthesize cleanly (golden)', () => {
  // Given a tenant route on the tenant's listener with an owned hostname
  const { app, tenant, https, web, shop } = platform();
  new HttpRoute(tenant, 'checkout', { metadata: { name: 'checkout' }, parentRefs: [https], hostnames: ['checkout.shop.example.com'], rules: [{ backendRefs: [BackendRef.fromService(web)] }] });
  // When synthesized, Then there are no errors and the namespaces carry the tenant label
  assert.equal(synthErrors(app), []);
  assert.equal(shop.routeNamespaces(), { from: 'Selector', selector: { matchLabels: { [TENANT_LABEL]: 'shop' } } });
  assert.is(tenant.namespace, 'shop');
  assertGolden('tenancy', app.charts.flatMap((c) => c.toJson()), GOLDEN_DIR);
});

test('fails if a route hostname is not owned by the tenant', () => {
  const { app, tenant, https, web } = platform();
  new HttpRoute(tenant, 'checkout', { metadata: { name: 'checkout' }, parentRefs: [https], hostnames: ['api.other.com'], rules: [{ backendRefs: [BackendRef.fromService(web)] }] });
  const errors = synthErrors(app);
  assert.ok(errors.includes('[tenant-shop/checkout] HTTPRoute shop/checkout spec.hostnames[0]: "api.other.com" is not owned by tenant "shop" (owns: *.shop.example.com, api.example.com) (HostnameNotOwned) — fix: use a hostname the tenant owns or ask the platform team to add it to the tenant'), errors.join('\n'));
});

test('wildcard containment: names below the tenant wildcard are owned, the apex and siblings are not', () => {
  const { shop } = platform();
  assert.ok(shop.ownsHostname('a.shop.example.com'));
  assert.ok(shop.ownsHostname('x.y.shop.example.com'));
  assert.ok(shop.ownsHostname('*.eu.shop.example.com'));
  assert.ok(shop.ownsHostname('api.example.com'));
  assert.not.ok(shop.ownsHostname('shop.example.com'));
  assert.not.ok(shop.ownsHostname('*.example.com'));
  assert.not.ok(shop.ownsHostname('www.example.com'));
});

test('fails if a route without hostnames takes a listener hostname the tenant does not own', () => {
  // Given the tenant may use the http listener, which has no hostname (every name)
  const { app, tenant, http, web, shop } = platform();
  shop.listeners.push(http);
  new HttpRoute(tenant, 'any', { metadata: { name: 'any' }, parentRefs: [http], rules: [{ backendRefs: [BackendRef.fromService(web)] }] });
  const errors = synthErrors(app);
  assert.ok(errors.includes('[tenant-shop/any] HTTPRoute shop/any spec.hostnames: is empty, so the route takes every hostname of gateway infra/edge listener "http" ("*"), which is not owned by tenant "shop" (owns: *.shop.example.com, api.example.com) (HostnameNotOwned) — fix: set spec.hostnames to hostnames the tenant owns'), errors.join('\n'));
});

test('a route without hostnames on a tenant listener is judged by the listener hostname', () => {
  const { app, tenant, https, web } = platform();
  new HttpRoute(tenant, 'all', { metadata: { name: 'all' }, parentRefs: [https], rules: [{ backendRefs: [BackendRef.fromService(web)] }] });
  assert.equal(synthErrors(app), []);
});

test('fails if a route attaches to a listener the tenant may not use', () => {
  const { app, tenant, admin, gw, web } = platform();
  new HttpRoute(tenant, 'sneaky', { metadata: { name: 'sneaky' }, parentRefs: [admin], hostnames: ['api.example.com'], rules: [{ backendRefs: [BackendRef.fromService(web)] }] });
  new HttpRoute(tenant, 'whole', { metadata: { name: 'whole' }, parentRefs: [gw], hostnames: ['a.shop.example.com'], rules: [{ backendRefs: [BackendRef.fromService(web)] }] });
  const errors = synthErrors(app);
  assert.ok(errors.includes('[tenant-shop/sneaky] HTTPRoute shop/sneaky spec.parentRefs[0]: attaches to gateway infra/edge listener "admin", which tenant "shop" may not use (may use: edge/https) (ListenerNotAllowed) — fix: attach to a listener the tenant may use or ask the platform team to add this one to the tenant'), errors.join('\n'));
  // A parentRef without sectionName attaches to every listener that admits the route.
  assert.ok(errors.some((e) => e.startsWith('[tenant-shop/whole] HTTPRoute shop/whole spec.parentRefs[0]: attaches to gateway infra/edge listener "admin"')), errors.join('\n'));
  assert.ok(errors.some((e) => e.includes('listener "http", which tenant "shop" may not use') && e.endsWith('— fix: set sectionName to a listener the tenant may use')), errors.join('\n'));
});

test('fails if a tenant resource lies outside its namespaces', () => {
  const { app, tenant } = platform();
  new kplus.ConfigMap(tenant, 'leak', { metadata: { name: 'leak', namespace: 'payments' } });
  const errors = synthErrors(app);
  assert.ok(errors.includes('[tenant-shop/leak] ConfigMap payments/leak metadata.namespace: "payments" is outside tenant "shop" (namespaces: shop, shop-jobs) (OutsideTenantNamespaces) — fix: move it into one of the tenant\'s namespaces or into a chart of the tenant that owns "payments"'), errors.join('\n'));
});

test('fails if a tenant declares a Gateway or a GatewayClass', () => {
  const { app, tenant } = platform();
  const gc = new GatewayClass(tenant, 'own-class', { metadata: { name: 'mine' } });
  new Gateway(tenant, 'own', { metadata: { name: 'own' }, gatewayClass: gc, listeners: [{ name: 'http', port: 80, protocol: ListenerProtocol.HTTP }] });
  const errors = synthErrors(app);
  assert.ok(errors.some((e) => e.startsWith('[tenant-shop/own] Gateway shop/own kind: is declared by tenant "shop", but Gateways are owned by the platform (TenantMayNotDeclare) — fix: attach routes to a platform listener the tenant may use (https)')), errors.join('\n'));
  assert.ok(errors.some((e) => e.startsWith('[tenant-shop/own-class] GatewayClass mine kind: is declared by tenant "shop", but GatewayClasses are owned by the platform')), errors.join('\n'));
});

test('fails if a tenant declares a ListenerSet the platform did not allow; passes when allowed', () => {
  for (const allowListenerSets of [false, true]) {
    const { app, tenant, gw } = platform({ allowListenerSets });
    const ls = new ListenerSet(tenant, 'extra', { metadata: { name: 'extra' }, gateway: gw });
    ls.addListener({ name: 'shop-http', port: 8080, protocol: ListenerProtocol.HTTP, hostname: 'extra.shop.example.com' });
    const errors = synthErrors(app);
    const denied = '[tenant-shop/extra] ListenerSet shop/extra kind: is declared by tenant "shop", which the platform does not allow to declare ListenerSets (TenantMayNotDeclare) — fix: attach routes to a platform listener instead, or ask the platform team to set allowListenerSets on the tenant';
    if (allowListenerSets) assert.equal(errors, []);
    else assert.ok(errors.includes(denied), errors.join('\n'));
  }
});

test('fails if an allowed ListenerSet listens on a hostname the tenant does not own', () => {
  const { app, tenant, gw } = platform({ allowListenerSets: true });
  const ls = new ListenerSet(tenant, 'extra', { metadata: { name: 'extra' }, gateway: gw });
  ls.addListener({ name: 'other', port: 8081, protocol: ListenerProtocol.HTTP, hostname: 'www.other.com' });
  const errors = synthErrors(app);
  assert.ok(errors.includes('[tenant-shop/extra] ListenerSet shop/extra spec.listeners[0].hostname: "www.other.com" is not owned by tenant "shop" (owns: *.shop.example.com, api.example.com) (HostnameNotOwned) — fix: use a hostname the tenant owns or ask the platform team to add it to the tenant'), errors.join('\n'));
});

test('fails if a cross-namespace backendRef, mirror or auth backend has no ReferenceGrant; passes with one', () => {
  for (const grant of [false, true]) {
    const { app, tenant, https } = platform();
    const pay = BackendRef.fromName('api', { namespace: 'payments', port: 80 });
    const route = new HttpRoute(tenant, 'checkout', {
      metadata: { name: 'checkout' }, parentRefs: [https], hostnames: ['checkout.shop.example.com'],
      rules: [{ filters: [HttpFilter.requestMirror(pay), HttpFilter.externalAuthHttp(BackendRef.fromName('auth', { namespace: 'security', port: 9000 }))], backendRefs: [pay] }],
    });
    if (grant) {
      ReferenceGrant.allow(tenant, 'pay', { from: route, to: pay });
      ReferenceGrant.allow(tenant, 'auth', { from: route, to: BackendRef.fromName('auth', { namespace: 'security', port: 9000 }) });
    }
    const errors = synthErrors(app);
    if (grant) {
      // The grants live in other namespaces than the tenant's: that is itself an ownership error.
      assert.ok(errors.every((e) => e.includes('metadata.namespace')), errors.join('\n'));
      assert.ok(errors.some((e) => e.startsWith('[tenant-shop/pay] ReferenceGrant payments/')), errors.join('\n'));
      continue;
    }
    for (const field of ['spec.rules[0].backendRefs[0]', 'spec.rules[0].filters[0].requestMirror.backendRef', 'spec.rules[0].filters[1].externalAuth.backendRef']) {
      // Reported once, by the translator (the same RefNotPermitted the route's status carries).
      const mine = errors.filter((e) => e.startsWith(`[tenant-shop/checkout] HTTPRoute shop/checkout ${field}: Service `));
      assert.is(mine.length, 1, `${field}\n${errors.join('\n')}`);
      assert.ok(mine[0].includes('is in another namespace and no ReferenceGrant in ') && mine[0].includes('(RefNotPermitted) — fix: add a ReferenceGrant'), mine[0]);
    }
  }
});

test('a platform-owned ReferenceGrant satisfies a tenant route; a cross-namespace certificateRef needs one too', () => {
  const { app, tenant, https, platform: p, gw } = platform();
  const pay = BackendRef.fromName('api', { namespace: 'payments', port: 80 });
  const route = new HttpRoute(tenant, 'checkout', { metadata: { name: 'checkout' }, parentRefs: [https], hostnames: ['checkout.shop.example.com'], rules: [{ backendRefs: [pay] }] });
  ReferenceGrant.allow(p, 'pay', { from: route, to: pay });
  gw.addListener({ name: 'other-cert', port: 9443, protocol: ListenerProtocol.HTTPS, hostname: 'x.example.com', tls: { certificateRefs: [CertificateRef.fromName('c', { namespace: 'certs' })] } });
  const errors = synthErrors(app);
  assert.equal(errors.filter((e) => e.includes('checkout')), []);
  assert.ok(errors.some((e) => e.startsWith('[platform/edge] Gateway infra/edge spec.listeners[3].tls.certificateRefs[0]: Secret certs/c is in another namespace and no ReferenceGrant in certs allows it (RefNotPermitted)')), errors.join('\n'));
});

test('fails if a tenant declares a policy kind the platform did not give it; passes when listed', () => {
  for (const policyKinds of [[], ['BackendTLSPolicy']]) {
    const app = new App();
    const p = new Platform(app, 'platform', { namespace: 'infra', validation: { printWarnings: false } });
    const team = p.addTenant('team', { name: 'team', namespaces: ['team'], policyKinds });
    const chart = new TenantChart(app, 'tenant-team', { tenant: team });
    const svc = new kplus.Service(chart, 'api', { metadata: { name: 'api' }, ports: [{ port: 443 }] });
    new BackendTlsPolicy(chart, 'api-tls', { metadata: { name: 'api-tls' }, targetRefs: [PolicyTargetRef.fromService(svc)], hostname: 'api.team.svc', useSystemCertificates: true });
    const errors = synthErrors(app);
    if (policyKinds.length > 0) assert.equal(errors, []);
    else assert.ok(errors.includes('[tenant-team/api-tls] BackendTLSPolicy team/api-tls kind: is a policy kind tenant "team" may not set (may set: none) (PolicyNotAllowed) — fix: ask the platform team to add BackendTLSPolicy to the tenant\'s policy kinds, or to set the policy for you'), errors.join('\n'));
  }
});

test('services not defined in the app are warnings, not errors', () => {
  const { app, tenant, https } = platform();
  const route = new HttpRoute(tenant, 'ext', { metadata: { name: 'ext' }, parentRefs: [https], hostnames: ['ext.shop.example.com'], rules: [{ backendRefs: [BackendRef.fromName('elsewhere', { port: 80 })] }] });
  assert.equal(synthErrors(app), []);
  const result = validateApp(app);
  assert.equal(result.errors, []);
  assert.ok(result.warnings.some((w) => w.path === 'tenant-shop/ext' && w.text.includes('Service shop/elsewhere is not in the manifests; assuming it exists')), JSON.stringify(result.warnings.map((w) => w.text)));
  // And synth puts it on the route as a construct warning
  synthErrors(app);
  synthErrors(app);
  assert.equal(Annotations.of(route).warnings.filter((w) => w.includes('shop/elsewhere')).length, 1, Annotations.of(route).warnings.join('\n'));
});

test.run();
