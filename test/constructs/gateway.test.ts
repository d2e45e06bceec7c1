import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Chart } from 'cdk8s';
import {
  CertificateRef, FromNamespaces, Gateway, GatewayAddress, GatewayClass, ListenerProtocol, ListenerSet, RouteKind, TlsMode,
} from '../../constructs/index.ts';
import { assertGolden } from '../helpers/golden.ts';
import { assertSchemaValid, given, GOLDEN_DIR, objectsOf, synthErrors } from './fixtures.ts';

function platformGateway(chart: Chart) {
  const gatewayClass = new GatewayClass(chart, 'class', { metadata: { name: 'portico' }, description: 'Portico gateways' });
  return new Gateway(chart, 'edge', {
    metadata: { name: 'edge' },
    gatewayClass,
    addresses: [GatewayAddress.ipAddress('10.0.0.10')],
    infrastructure: { labels: { team: 'platform' } },
    allowedListeners: { namespaces: { from: FromNamespaces.SELECTOR, selector: { matchLabels: { listeners: 'enabled' } } } },
    listeners: [{ name: 'http', port: 80, protocol: ListenerProtocol.HTTP, allowedRoutes: { namespaces: { from: FromNamespaces.ALL } } }],
  });
}

test('gateway class and gateway synthesize listeners, tls modes, allowedRoutes, addresses (golden)', () => {
  // Given a platform gateway with HTTP, HTTPS (terminate) and TLS passthrough listeners
  const { chart } = given('infra');
  const gw = platformGateway(chart);
  gw.addListener({
    name: 'https', port: 443, protocol: ListenerProtocol.HTTPS, hostname: '*.example.com',
    tls: { certificateRefs: [CertificateRef.fromName('wildcard'), CertificateRef.fromName('other', { namespace: 'certs' })], options: { 'portico.dev/min-version': '1.3' } },
    allowedRoutes: { namespaces: { from: FromNamespaces.SELECTOR, selector: { matchLabels: { tier: 'web' } } }, kinds: [RouteKind.HTTP_ROUTE, RouteKind.GRPC_ROUTE] },
  });
  gw.addListener({ name: 'tls', port: 8443, protocol: ListenerProtocol.TLS, tls: { mode: TlsMode.PASSTHROUGH } });
  gw.addListener({ name: 'tcp', port: 5432, protocol: ListenerProtocol.TCP, allowedRoutes: { kinds: [RouteKind.TCP_ROUTE] } });
  // When synthesized
  const objects = objectsOf(chart);
  // Then the YAML matches the golden file, and the API server's schema accepts it
  assertGolden('gateway', objects, GOLDEN_DIR);
  assertSchemaValid(objects);
  assert.equal(objects[0].metadata.namespace, undefined, 'GatewayClass is cluster-scoped');
  assert.equal(gw.listener('https').port, 443);
});

test('listener set attaches listeners to a gateway (golden)', () => {
  const { chart } = given('infra');
  const gw = platformGateway(chart);
  const ls = new ListenerSet(chart, 'extra', { metadata: { name: 'extra', namespace: 'team' }, gateway: gw });
  ls.addListener({ name: 'team-https', port: 443, protocol: ListenerProtocol.HTTPS, hostname: 'team.example.com', tls: { certificateRefs: [CertificateRef.fromName('team-cert')] } });
  const objects = objectsOf(chart, 'ListenerSet');
  assertGolden('listener-set', objects, GOLDEN_DIR);
  assertSchemaValid(objects);
  assert.equal(objects[0].spec.parentRef, { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'infra' });
});

test('gateway frontend client validation and backend client certificate (golden)', () => {
  const { chart } = given('infra');
  new Gateway(chart, 'mtls', {
    metadata: { name: 'mtls' },
    gatewayClass: GatewayClass.fromGatewayClassName(chart, 'c', 'portico'),
    listeners: [{ name: 'https', port: 443, protocol: ListenerProtocol.HTTPS, tls: { certificateRefs: [CertificateRef.fromName('server')] } }],
    frontendCaCertificateRefs: [CertificateRef.fromName('client-ca', { kind: 'ConfigMap' })],
    backendClientCertificateRef: CertificateRef.fromName('gateway-client'),
  });
  const objects = objectsOf(chart, 'Gateway');
  assertGolden('gateway-mtls', objects, GOLDEN_DIR);
  assertSchemaValid(objects);
});

test('fails if an HTTPS listener has no certificateRefs', () => {
  const { chart } = given();
  const gw = platformGateway(chart);
  assert.throws(() => gw.addListener({ name: 'https', port: 443, protocol: ListenerProtocol.HTTPS }),
    /listener "https" has no certificateRefs; pass tls.certificateRefs or use protocol TLS with mode Passthrough/);
});

test('fails if two listeners share a name, or a TCP listener sets a hostname, or the port is out of range', () => {
  const { chart } = given();
  const gw = platformGateway(chart);
  assert.throws(() => gw.addListener({ name: 'http', port: 8080, protocol: ListenerProtocol.HTTP }), /there is already a listener named "http"/);
  assert.throws(() => gw.addListener({ name: 'db', port: 5432, protocol: ListenerProtocol.TCP, hostname: 'db.example.com' }), /protocol TCP has no hostnames; remove hostname/);
  assert.throws(() => gw.addListener({ name: 'big', port: 70000, protocol: ListenerProtocol.HTTP }), /has port 70000; use an integer between 1 and 65535/);
  assert.throws(() => gw.addListener({ name: 'plain', port: 81, protocol: ListenerProtocol.HTTP, tls: { mode: TlsMode.TERMINATE } }), /sets tls but protocol HTTP does not use it/);
});

test('fails if a listener handle names a listener the gateway does not have', () => {
  const { chart } = given();
  const gw = platformGateway(chart);
  assert.throws(() => gw.listener('https'), /gateway edge has no listener "https" \(listeners: http\)/);
});

test('imported gateways keep their listeners for attachment', () => {
  const { chart } = given('team');
  const gw = Gateway.fromGatewayAttributes(chart, 'shared', {
    name: 'edge', namespace: 'infra', listeners: [{ name: 'https', port: 443, protocol: ListenerProtocol.HTTPS, tls: { certificateRefs: [CertificateRef.fromName('c')] } }],
  });
  assert.equal(gw.listener('https')._toParentRef('team'), { namespace: 'infra', name: 'edge', sectionName: 'https' });
  assert.equal(gw._toParentRef('infra'), { name: 'edge' });
  assert.equal(objectsOf(chart), [], 'an imported gateway synthesizes nothing');
  assert.throws(() => gw.listener('http'), /imported gateway infra\/edge has no listener "http"/);
});

test('fails at synth if a gateway has no listeners', () => {
  const { app, chart } = given();
  new Gateway(chart, 'empty', { gatewayClass: GatewayClass.fromGatewayClassName(chart, 'c', 'portico') });
  assert.ok(synthErrors(app).some((e) => e.startsWith('[test/empty] gateway has no listeners; pass listeners or call addListener()')), synthErrors(app).join('\n'));
});

test.run();
