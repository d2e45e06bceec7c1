import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BackendRef, CertificateRef, GrpcFilter, GrpcMethodMatch, GrpcRoute, HeaderMatch, ListenerProtocol,
  TcpRoute, TlsMode, TlsRoute, UdpRoute,
} from '../../constructs/index.ts';
import { assertGolden } from '../helpers/golden.ts';
import { assertSchemaValid, edgeGateway, given, GOLDEN_DIR, objectsOf } from './fixtures.ts';

function setup() {
  const g = given('apps');
  const gw = edgeGateway(g.chart, { name: 'edge' }, [
    { name: 'grpc', port: 443, protocol: ListenerProtocol.HTTPS, tls: { certificateRefs: [CertificateRef.fromName('cert')] } },
    { name: 'tls', port: 8443, protocol: ListenerProtocol.TLS, tls: { mode: TlsMode.PASSTHROUGH } },
    { name: 'tcp', port: 5432, protocol: ListenerProtocol.TCP },
    { name: 'udp', port: 53, protocol: ListenerProtocol.UDP },
  ]);
  return { ...g, gw };
}

test('grpc route with method/header matches, filters and weighted backends (golden)', () => {
  const { chart, gw } = setup();
  const route = new GrpcRoute(chart, 'greeter', { metadata: { name: 'greeter' }, parentRefs: [gw.listener('grpc')], hostnames: ['grpc.example.com'] });
  route.addRule({
    name: 'hello',
    matches: [{ method: GrpcMethodMatch.exact('helloworld.Greeter', 'SayHello'), headers: [HeaderMatch.exact('x-tenant', 'a')] }, { method: GrpcMethodMatch.regex('helloworld\\..*') }],
    filters: [GrpcFilter.requestHeaderModifier({ set: { 'x-via': 'portico' } }), GrpcFilter.requestMirror(BackendRef.fromName('shadow', { port: 50051 }), { percent: 50 })],
    backendRefs: [BackendRef.fromName('greeter-v1', { port: 50051, weight: 80 }), BackendRef.fromName('greeter-v2', { port: 50051, weight: 20, filters: [GrpcFilter.responseHeaderModifier({ add: { 'x-v': '2' } })] })],
  });
  const objects = objectsOf(chart, 'GRPCRoute');
  assertGolden('grpc-route', objects, GOLDEN_DIR);
  assertSchemaValid(objects);
  assert.throws(() => GrpcMethodMatch.exact(), /needs a service or a method/);
  assert.throws(() => GrpcMethodMatch.exact('not a service'), /grpc service "not a service" is not a fully-qualified name/);
});

test('tls, tcp and udp routes (golden)', () => {
  const { chart, gw } = setup();
  new TlsRoute(chart, 'db-tls', { metadata: { name: 'db-tls' }, parentRefs: [gw.listener('tls')], hostnames: ['db.example.com'], rules: [{ backendRefs: [BackendRef.fromName('db', { port: 5433 })] }] });
  new TcpRoute(chart, 'db', { metadata: { name: 'db' }, parentRefs: [gw.listener('tcp')], rules: [{ name: 'pg', backendRefs: [BackendRef.fromName('pg-a', { port: 5432, weight: 1 }), BackendRef.fromName('pg-b', { port: 5432, weight: 3 })] }] });
  new UdpRoute(chart, 'dns', { metadata: { name: 'dns' }, parentRefs: [gw.listener('udp')], rules: [{ backendRefs: [BackendRef.fromName('coredns', { port: 53 })] }] });
  const objects = objectsOf(chart).filter((o) => o.kind.endsWith('Route'));
  assertGolden('l4-routes', objects, GOLDEN_DIR);
  assertSchemaValid(objects);
});

test('fails if a grpc rule repeats a header modifier', () => {
  const { chart, gw } = setup();
  const route = new GrpcRoute(chart, 'g', { parentRefs: [gw] });
  assert.throws(() => route.addRule({ filters: [GrpcFilter.requestHeaderModifier({ set: { a: '1' } }), GrpcFilter.requestHeaderModifier({ set: { b: '2' } })] }),
    /rule 0 has RequestHeaderModifier more than once; merge them into one filter/);
});

test('fails if an l4 rule has no backendRefs, or a parent is added twice', () => {
  const { chart, gw } = setup();
  const route = new TcpRoute(chart, 'r');
  assert.throws(() => route.addRule({ backendRefs: [] }), /TCPRoute rule has no backendRefs; pass at least one/);
  route.addParent(gw.listener('tcp'));
  assert.throws(() => route.addParent(gw.listener('tcp')), /the route already has parentRef/);
});

test.run();
