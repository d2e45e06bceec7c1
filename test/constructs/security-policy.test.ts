// SecurityPolicy constructs: typed targets, the synthesized object, construct-time errors, and
// tenancy through the one validation hook (gateway/validate/tenancy.ts): a tenant attaches
// route-level policies to its own routes only; Gateway- and listener-level ones are the platform's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import {
  BackendRef, CertificateRef, FromNamespaces, Gateway, GatewayClass, HttpRoute, ListenerProtocol, Platform, PolicyTarget, SecurityPolicy, TenantChart,
} from '../../constructs/index.ts';
import { formatProblem, tenancyRules, validateOffline, type TenantModel } from '../../gateway/validate/index.ts';
import { parseManifests } from '../../gateway/model/index.ts';
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
  const route = new HttpRoute(tenant, 'checkout', {
    metadata: { name: 'checkout' }, parentRefs: [https], hostnames: ['checkout.shop.example.com'],
    rules: [{ name: 'pay', backendRefs: [BackendRef.fromService(web)] }, { backendRefs: [BackendRef.fromService(web)] }],
  });
  return { app, platform, gw, https, tenant, route };
}

const jwt = { providers: [{ name: 'corp', issuer: 'https://login.example.com', jwks: { secretRef: { name: 'corp-jwks' } } }] };

test('a tenant attaches a SecurityPolicy to its own route and to one rule: valid, and the Secrets it names are assumed to exist', () => {
  const { app, tenant, route } = platform();
  const p = new SecurityPolicy(tenant, 'checkout-auth', { metadata: { name: 'checkout-auth' }, targets: [PolicyTarget.of(route)], jwt });
  new SecurityPolicy(tenant, 'pay-keys', { metadata: { name: 'pay-keys' }, targets: [PolicyTarget.rule(route, 'pay')], apiKeyAuth: { credentialRefs: [{ name: 'pay-keys' }], extractFrom: { headers: ['x-api-key'] } } });
  assert.equal(synthErrors(app), []);
  const m = p.toManifest();
  assert.equal(m.apiVersion, 'policy.portico.dev/v1alpha1');
  assert.equal(m.metadata.namespace, 'shop');
  assert.equal(m.spec.targetRefs, [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'checkout' }]);
  assert.equal(m.spec.jwt, jwt);
  assertSchemaValid([m]);
});

test('the platform sets Gateway- and listener-level policies, with disable on a route', () => {
  const { app, platform: infra, gw, https, tenant, route } = platform();
  new SecurityPolicy(infra, 'gw-jwt', { metadata: { name: 'gw-jwt' }, targets: [PolicyTarget.of(gw)], jwt });
  new SecurityPolicy(infra, 'https-ip', { metadata: { name: 'https-ip' }, targets: [PolicyTarget.listener(https)], authorization: { defaultAction: 'Allow', rules: [{ action: 'Deny', principal: { clientCIDRs: ['203.0.113.0/24'] } }] } });
  new SecurityPolicy(tenant, 'public', { metadata: { name: 'public' }, targets: [PolicyTarget.of(route)], disable: ['jwt'] });
  assert.equal(synthErrors(app), []);
});

test('synth rejects a tenant policy targeting the platform Gateway or one of its listeners (the tenancy hook), naming field and fix', () => {
  const { app, tenant } = platform();
  // A tenant cannot even name the platform's Gateway across namespaces; a raw target in its own namespace is what it could write.
  new SecurityPolicy(tenant, 'grab', { metadata: { name: 'grab' }, targets: [PolicyTarget.of({ kind: 'Gateway', name: 'edge', namespace: 'shop' })], jwt });
  const errors = synthErrors(app);
  assert.ok(errors.includes('[tenant-shop/grab] SecurityPolicy shop/grab spec.targetRefs[0]: targets Gateway shop/edge: tenant "shop" may attach SecurityPolicy only to its own routes; Gateway- and listener-level policies are the platform\'s (PolicyTargetNotAllowed) — fix: target one of the tenant\'s HTTPRoutes or GRPCRoutes (sectionName: a rule name), or ask the platform team to set the policy on the Gateway'), errors.join('\n'));
});

test('construct errors name the policy, the field and the fix', () => {
  const { tenant, route, gw } = platform();
  assert.throws(() => new SecurityPolicy(tenant, 'none', { targets: [] as any, jwt }), /securityPolicy none: targets is empty; pass at least one PolicyTarget/);
  assert.throws(() => new SecurityPolicy(tenant, 'empty', { targets: [PolicyTarget.of(route)] }), /securityPolicy empty: sets no section; pass jwt/);
  assert.throws(() => new SecurityPolicy(tenant, 'both', { targets: [PolicyTarget.of(route)], jwt, disable: ['jwt'] }), /securityPolicy both: jwt both set and disabled; remove one of them/);
  assert.throws(() => new SecurityPolicy(tenant, 'ext', { targets: [PolicyTarget.of(route)], extAuth: { protocol: 'HTTP', backendRef: { name: 'auth', port: 80 } } }), /extAuth targets a route; extAuth is for Gateway or listener targets/);
  assert.throws(() => new SecurityPolicy(tenant, 'far', { targets: [PolicyTarget.of(gw)], jwt }), /securityPolicy far: targets\[0\] \(Gateway infra\/edge\) is in another namespace than the policy \(shop\); declare the policy in namespace infra/);
  const standalone = new Chart(new App(), 'c', { namespace: 'x' });
  assert.ok(new SecurityPolicy(standalone, 'ok', { targets: [PolicyTarget.rule({ kind: 'GRPCRoute', name: 'g', namespace: 'x' }, 'r')], disable: ['jwt'] }).toManifest().spec.targetRefs[0].sectionName === 'r');
});

test('portico validate (validateOffline + tenancy hook): a tenant policy on another tenant\'s route or on the platform\'s route is refused', () => {
  const { objects } = parseManifests(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: blue-route, namespace: shared}
spec: {rules: [{backendRefs: [{name: svc, port: 80}]}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: platform-route, namespace: shared}
spec: {rules: [{backendRefs: [{name: svc, port: 80}]}]}
---
apiVersion: policy.portico.dev/v1alpha1
kind: SecurityPolicy
metadata: {name: green-policy, namespace: shared}
spec:
  targetRefs:
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: blue-route}
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: platform-route}
  - {group: gateway.networking.k8s.io, kind: Gateway, name: edge, sectionName: https}
  authorization: {defaultAction: Deny}
`, 'shared.yaml');
  const tenants: TenantModel[] = [
    { name: 'green', namespaces: ['shared'], hostnames: [], listeners: [], allowListenerSets: false },
    { name: 'blue', namespaces: ['shared'], hostnames: [], listeners: [], allowListenerSets: false },
  ];
  const owner: Record<string, string | undefined> = { 'blue-route': 'blue', 'green-policy': 'green', 'platform-route': undefined };
  const { problems } = validateOffline({ objects, controllerNames: ['portico.dev/gateway-controller'], hooks: [tenancyRules({ tenants, tenantOf: (o) => owner[o.metadata.name] })] });
  const lines = problems.filter((p) => p.reason === 'PolicyTargetNotAllowed').map((p) => formatProblem(p, 'shared.yaml'));
  assert.equal(lines, [
    'shared.yaml: SecurityPolicy shared/green-policy spec.targetRefs[0]: targets HTTPRoute shared/blue-route, which belongs to tenant "blue", not to tenant "green" (PolicyTargetNotAllowed) — fix: target a route of tenant "green", or ask tenant "blue" to attach the policy',
    'shared.yaml: SecurityPolicy shared/green-policy spec.targetRefs[1]: targets HTTPRoute shared/platform-route, which belongs to the platform, not to tenant "green" (PolicyTargetNotAllowed) — fix: target a route of tenant "green", or ask the platform team to attach the policy',
    'shared.yaml: SecurityPolicy shared/green-policy spec.targetRefs[2]: targets Gateway shared/edge (section "https"): tenant "green" may attach SecurityPolicy only to its own routes; Gateway- and listener-level policies are the platform\'s (PolicyTargetNotAllowed) — fix: target one of the tenant\'s HTTPRoutes or GRPCRoutes (sectionName: a rule name), or ask the platform team to set the policy on the Gateway',
  ]);
});

test.run();
