// TrafficPolicy constructs: the synthesized object (schema-valid against the generated CRD),
// construct-time errors that name the policy, the field and the fix, and the tenancy rule every
// Portico policy kind shares: a tenant attaches it to its own routes only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import {
  BackendRef, CertificateRef, FromNamespaces, Gateway, GatewayClass, HttpRoute, ListenerProtocol, Platform, PolicyTarget, TenantChart, TrafficPolicy,
} from '../../constructs/index.ts';
import { assertSchemaValid, synthErrors } from './fixtures.ts';

function platform() {
  const app = new App();
  const platform = new Platform(app, 'platform', { namespace: 'infra', validation: { printWarnings: false } });
  const gatewayClass = new GatewayClass(platform, 'class', { metadata: { name: 'portico' } });
  const gw = new Gateway(platform, 'edge', { metadata: { name: 'edge' }, gatewayClass });
  const https = gw.addListener({ name: 'https', port: 443, protocol: ListenerProtocol.HTTPS, hostname: '*.shop.example.com', tls: { certificateRefs: [CertificateRef.fromName('wildcard')] }, allowedRoutes: { namespaces: { from: FromNamespaces.ALL } } });
  const shop = platform.addTenant('shop', { name: 'shop', namespaces: ['shop'], hostnames: ['*.shop.example.com'], listeners: [https] });
  const tenant = new TenantChart(app, 'tenant-shop', { tenant: shop });
  const web = new kplus.Service(tenant, 'web', { metadata: { name: 'web' }, ports: [{ port: 8080 }] });
  const route = new HttpRoute(tenant, 'api', {
    metadata: { name: 'api' }, parentRefs: [https], hostnames: ['api.shop.example.com'],
    rules: [{ name: 'upload', backendRefs: [BackendRef.fromService(web)] }, { name: 'read', backendRefs: [BackendRef.fromService(web)] }],
  });
  return { app, platform, gw, https, tenant, route };
}

const rateLimit = { global: { rules: [{ limit: { requests: 60, unit: 'Minute' as const }, selectors: [{ type: 'ClientIP' as const }] }] } };

test('a tenant attaches a TrafficPolicy to its route and to one rule; the object validates against the generated CRD', () => {
  const { app, tenant, route } = platform();
  const limits = new TrafficPolicy(tenant, 'limits', { metadata: { name: 'limits' }, targets: [PolicyTarget.of(route)], rateLimit, compression: {} });
  const upload = new TrafficPolicy(tenant, 'upload', {
    metadata: { name: 'upload' }, targets: [PolicyTarget.rule(route, 'upload')], requestBody: { maxSize: '10Mi' }, disable: ['compression'],
    responseOverride: [{ match: { statusCodes: [{ type: 'Value', value: 413 }] }, response: { statusCode: 413, body: 'too big' } }],
    loadBalancer: { type: 'ConsistentHash', consistentHash: { type: 'Header', name: 'x-user' } },
    healthCheck: { active: { type: 'HTTP', http: { path: '/healthz' } }, passive: { consecutive5xx: 5 } },
    circuitBreaker: { maxConnections: 100, retryBudget: { percent: 20 } },
  });
  assert.equal(synthErrors(app), []);
  const m = limits.toManifest();
  assert.equal(m.apiVersion, 'policy.portico.dev/v1alpha1');
  assert.equal(m.kind, 'TrafficPolicy');
  assert.equal(m.metadata.namespace, 'shop');
  assert.equal(m.spec.targetRefs, [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'api' }]);
  assert.equal(m.spec.rateLimit, rateLimit);
  const u = upload.toManifest();
  assert.equal(u.spec.targetRefs, [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'api', sectionName: 'upload' }]);
  assert.equal(u.spec.disable, ['compression']);
  assertSchemaValid([m, u]);
});

test('a Cookie consistent hash with the issued cookie\'s attributes validates against the CRD; synth reports a setting browsers refuse', () => {
  const { app, tenant, route } = platform();
  const sticky = new TrafficPolicy(tenant, 'sticky', {
    metadata: { name: 'sticky' }, targets: [PolicyTarget.of(route)],
    loadBalancer: { type: 'ConsistentHash', consistentHash: { type: 'Cookie', name: 'lb', cookie: { ttl: '24h', path: '/shop', sameSite: 'Strict' } } },
  });
  assert.equal(synthErrors(app), []);
  assertSchemaValid([sticky.toManifest()]);
  new TrafficPolicy(tenant, 'cross-site', {
    metadata: { name: 'cross-site' }, targets: [PolicyTarget.rule(route, 'upload')],
    loadBalancer: { type: 'ConsistentHash', consistentHash: { type: 'Cookie', name: 'lb', cookie: { sameSite: 'None', secure: false } } },
  });
  const errors = synthErrors(app);
  assert.ok(errors.some((e) => e.includes('TrafficPolicy shop/cross-site spec.loadBalancer.consistentHash.cookie.secure: SameSite=None needs Secure')), errors.join('\n'));
});

test('construct errors name the policy, the field and the fix', () => {
  const { tenant, route } = platform();
  const t = [PolicyTarget.of(route)];
  assert.throws(() => new TrafficPolicy(tenant, 'empty', { targets: t }), /trafficPolicy empty: sets no section; pass rateLimit/);
  assert.throws(() => new TrafficPolicy(tenant, 'both', { targets: t, rateLimit, disable: ['rateLimit'] }), /trafficPolicy both: rateLimit both set and disabled; remove one of them/);
  assert.throws(() => new TrafficPolicy(tenant, 'nolimit', { targets: t, rateLimit: {} }), /trafficPolicy nolimit: rateLimit sets neither local nor global; add rateLimit.global/);
  assert.throws(() => new TrafficPolicy(tenant, 'size', { targets: t, requestBody: { maxSize: 'ten megs' } }), /trafficPolicy size: requestBody.maxSize "ten megs" is not a size; write a quantity such as 10Mi/);
  assert.throws(() => new TrafficPolicy(tenant, 'hash', { targets: t, loadBalancer: { type: 'ConsistentHash' } }), /trafficPolicy hash: loadBalancer ConsistentHash without consistentHash/);
});

test('synth rejects a tenant TrafficPolicy on the platform Gateway (the tenancy hook: route-level only), naming field and fix', () => {
  const { app, tenant } = platform();
  new TrafficPolicy(tenant, 'grab', { metadata: { name: 'grab' }, targets: [PolicyTarget.of({ kind: 'Gateway', name: 'edge', namespace: 'shop' })], rateLimit });
  const errors = synthErrors(app);
  assert.ok(errors.some((e) => e.startsWith('[tenant-shop/grab] TrafficPolicy shop/grab spec.targetRefs[0]: targets Gateway shop/edge: tenant "shop" may attach TrafficPolicy only to its own routes') && e.includes('(PolicyTargetNotAllowed) — fix:')), errors.join('\n'));
});

test('the platform sets a Gateway-wide TrafficPolicy', () => {
  const { app, platform: infra, gw } = platform();
  new TrafficPolicy(infra, 'gw', { metadata: { name: 'gw-defaults' }, targets: [PolicyTarget.of(gw)], compression: { algorithms: ['Brotli', 'Gzip'] }, rateLimit });
  assert.equal(synthErrors(app), []);
});

test.run();
