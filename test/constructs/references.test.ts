import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as kplus from 'cdk8s-plus-33';
import { Chart } from 'cdk8s';
import {
  BackendRef, BackendTlsPolicy, CertificateRef, Gateway, GatewayClass, HttpRoute, ListenerProtocol, PolicyTargetRef,
  ReferenceGrant, SubjectAltName,
} from '../../constructs/index.ts';
import { assertGolden } from '../helpers/golden.ts';
import { assertSchemaValid, given, GOLDEN_DIR, objectsOf } from './fixtures.ts';

test('ReferenceGrant.allow grants a route access to a service in another namespace (golden)', () => {
  // Given a route in "shop" and a Service in "payments"
  const { app, chart } = given('shop');
  const payments = new Chart(app, 'payments', { namespace: 'payments' });
  const svc = new kplus.Service(payments, 'api', { metadata: { name: 'api' }, ports: [{ port: 8080 }] });
  const gw = Gateway.fromGatewayAttributes(chart, 'gw', { name: 'edge', namespace: 'infra' });
  const route = new HttpRoute(chart, 'checkout', { metadata: { name: 'checkout' }, parentRefs: [gw], rules: [{ backendRefs: [BackendRef.fromService(svc)] }] });
  // When the payments team allows it
  ReferenceGrant.allow(payments, 'allow-shop', { from: route, to: svc });
  new ReferenceGrant(payments, 'plain', {
    metadata: { name: 'plain' },
    from: [{ kind: 'Gateway', namespace: 'infra' }, { kind: 'HTTPRoute', namespace: 'blog' }],
    to: [{ kind: 'Secret', name: 'cert' }, { kind: 'Service' }],
  });
  // Then the grant sits in the target namespace and names exactly that Service
  const grants = objectsOf(payments, 'ReferenceGrant');
  assertGolden('reference-grant', grants, GOLDEN_DIR);
  assertSchemaValid(grants);
  assert.equal(grants[0].metadata.namespace, 'payments');
  assert.equal(grants[0].spec, { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' }], to: [{ group: '', kind: 'Service', name: 'api' }] });
  assert.equal(objectsOf(chart, 'HTTPRoute')[0].spec.rules[0].backendRefs, [{ name: 'api', namespace: 'payments', port: 8080 }]);
});

test('fails if ReferenceGrant.allow is used within one namespace', () => {
  const { chart } = given('shop');
  const svc = new kplus.Service(chart, 'api', { ports: [{ port: 80 }] });
  const gw = Gateway.fromGatewayAttributes(chart, 'gw', { name: 'edge', namespace: 'infra' });
  const route = new HttpRoute(chart, 'r', { parentRefs: [gw] });
  assert.throws(() => ReferenceGrant.allow(chart, 'g', { from: route, to: svc }), /are both in namespace "shop"; a ReferenceGrant is only needed across namespaces/);
});

test('backend tls policy (golden)', () => {
  const { chart } = given('shop');
  const svc = new kplus.Service(chart, 'api', { metadata: { name: 'api' }, ports: [{ port: 443, name: 'https' }] });
  new BackendTlsPolicy(chart, 'api-tls', {
    metadata: { name: 'api-tls' },
    targetRefs: [PolicyTargetRef.fromService(svc, { sectionName: 'https' })],
    hostname: 'api.shop.svc',
    caCertificateRefs: [CertificateRef.fromName('api-ca', { kind: 'ConfigMap' })],
    subjectAltNames: [SubjectAltName.hostname('api.shop.svc'), SubjectAltName.uri('spiffe://cluster/ns/shop/sa/api')],
  });
  new BackendTlsPolicy(chart, 'system', { metadata: { name: 'system' }, targetRefs: [PolicyTargetRef.fromName('other')], hostname: 'other.example.com', useSystemCertificates: true });
  const objects = objectsOf(chart, 'BackendTLSPolicy');
  assertGolden('backend-tls-policy', objects, GOLDEN_DIR);
  assertSchemaValid(objects);
  assert.equal(objects[1].spec.validation.wellKnownCACertificates, 'System');
  assert.throws(() => new BackendTlsPolicy(chart, 'bad', { targetRefs: [PolicyTargetRef.fromService(svc)], hostname: 'x' }), /needs exactly one of caCertificateRefs or useSystemCertificates/);
});

test('gateway class defaults to the portico controller and rejects a bad controller name', () => {
  const { chart } = given('x');
  const gc = new GatewayClass(chart, 'gc', { metadata: { name: 'portico' } });
  assert.equal(objectsOf(chart, 'GatewayClass')[0], { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } });
  assert.equal(gc.namespace, undefined);
  assert.throws(() => new GatewayClass(chart, 'bad', { controllerName: 'nodomain' }), /controllerName "nodomain" is not a domain-prefixed path/);
  assert.ok(new Gateway(chart, 'gw', { gatewayClass: gc, listeners: [{ name: 'h', port: 80, protocol: ListenerProtocol.HTTP }] }));
});

test.run();
