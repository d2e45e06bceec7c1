import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import {
  BackendRef, CertificateRef, HeaderMatch, HttpFilter, HttpMethod, HttpRoute, ListenerProtocol,
  PathMatch, PathModifier, QueryParamMatch, SessionPersistence,
} from '../../constructs/index.ts';
import { assertGolden } from '../helpers/golden.ts';
import { assertSchemaValid, edgeGateway, given, GOLDEN_DIR, objectsOf, synthErrors } from './fixtures.ts';

function setup() {
  const g = given('shop');
  const gw = edgeGateway(g.chart, { name: 'edge', namespace: 'infra' }, [
    { name: 'http', port: 80, protocol: ListenerProtocol.HTTP },
    { name: 'https', port: 443, protocol: ListenerProtocol.HTTPS, tls: { certificateRefs: [CertificateRef.fromName('cert')] } },
  ]);
  const svc = new kplus.Service(g.chart, 'web', { metadata: { name: 'web' }, ports: [{ port: 80 }, { port: 443 }] });
  return { ...g, gw, svc };
}

test('http route with every match, filter and rule option (golden)', () => {
  // Given a route on the https listener with all match kinds and filters
  const { chart, gw, svc } = setup();
  const auth = BackendRef.fromName('auth', { port: 9000 });
  const route = new HttpRoute(chart, 'shop', {
    metadata: { name: 'shop' },
    parentRefs: [gw.listener('https')],
    hostnames: ['shop.example.com', '*.shop.example.com'],
  });
  route.addRule({
    name: 'api',
    matches: [
      { path: PathMatch.prefix('/api'), method: HttpMethod.POST, headers: [HeaderMatch.exact('x-version', '2'), HeaderMatch.regex('accept', 'application/.*')], queryParams: [QueryParamMatch.exact('debug', '1'), QueryParamMatch.regex('id', '[0-9]+')] },
      { path: PathMatch.exact('/login') },
      { path: PathMatch.regex('/items/[0-9]+') },
    ],
    filters: [
      HttpFilter.requestHeaderModifier({ set: { 'x-env': 'prod' }, add: { 'x-trace': 'on' }, remove: ['x-debug'] }),
      HttpFilter.responseHeaderModifier({ set: { 'cache-control': 'no-store' } }),
      HttpFilter.requestMirror(BackendRef.fromName('shadow', { port: 8080 }), { percent: 5 }),
      HttpFilter.requestMirror(BackendRef.fromName('shadow2', { port: 8080 }), { fraction: { numerator: 1, denominator: 1000 } }),
      HttpFilter.cors({ allowOrigins: ['https://shop.example.com'], allowMethods: ['GET', 'POST'], allowHeaders: ['x-token'], exposeHeaders: ['x-id'], allowCredentials: true, maxAge: Duration.minutes(10) }),
      HttpFilter.externalAuthHttp(auth, { path: '/check', allowedHeaders: ['authorization'], allowedResponseHeaders: ['x-user'], forwardBodyMaxSize: 1024 }),
      HttpFilter.extensionRef({ group: 'portico.dev', kind: 'RateLimit', name: 'api' }),
    ],
    backendRefs: [
      BackendRef.fromService(svc, { port: 80, weight: 90 }),
      BackendRef.fromService(svc, { port: 443, weight: 10, filters: [HttpFilter.requestHeaderModifier({ set: { 'x-canary': '1' } })] }),
    ],
    requestTimeout: Duration.seconds(30),
    backendRequestTimeout: Duration.seconds(10),
    retry: { codes: [503, 502], attempts: 3, backoff: Duration.millis(250) },
    sessionPersistence: SessionPersistence.cookie({ sessionName: 'shop-session', absoluteTimeout: Duration.hours(1), lifetimeType: 'Permanent' }),
  });
  route.addRule({
    name: 'grpc-auth',
    matches: [{ path: PathMatch.prefix('/admin') }],
    filters: [HttpFilter.externalAuthGrpc(auth, { allowedHeaders: ['authorization'] }), HttpFilter.urlRewrite({ hostname: 'admin.internal', path: PathModifier.replacePrefixMatch('/') })],
    backendRefs: [BackendRef.fromService(svc, { port: 80 })],
  });
  route.addRule({ name: 'redirect', matches: [{ path: PathMatch.exact('/old') }], filters: [HttpFilter.requestRedirect({ scheme: 'https', hostname: 'new.example.com', path: PathModifier.replaceFullPath('/new'), statusCode: 301, port: 443 })] });
  route.addRule({ sessionPersistence: SessionPersistence.header({ sessionName: 'x-session' }), backendRefs: [BackendRef.fromService(svc, { port: 80 })] });
  // When synthesized, Then the YAML matches the golden and the CRD schema (with its CEL rules) accepts it
  const objects = objectsOf(chart, 'HTTPRoute');
  assertGolden('http-route', objects, GOLDEN_DIR);
  assertSchemaValid(objects);
  assert.equal(objects[0].spec.parentRefs, [{ name: 'edge', namespace: 'infra', sectionName: 'https' }]);
});

test('fails if backend port is not one the service exposes', () => {
  const { svc } = setup();
  assert.throws(() => BackendRef.fromService(svc, { port: 8080 }), /^service exposes ports 80,443 but backend is defined to use port 8080$/);
  assert.throws(() => BackendRef.fromService(svc), /service exposes ports 80,443; pass the port the backend should use/);
});

test('fromService uses the only port and the service namespace', () => {
  const b = BackendRef.fromService({ name: 'api', metadata: { namespace: 'payments' }, ports: [{ port: 8443 }] }, { weight: 2 });
  assert.equal(b._toKube('shop'), { name: 'api', namespace: 'payments', port: 8443, weight: 2 });
  assert.equal(b._toKube('payments'), { name: 'api', port: 8443, weight: 2 });
});

test('fails if a named Service backend has no port, or weight is out of range', () => {
  assert.throws(() => BackendRef.fromName('api'), /backend "api" is a Service but has no port; pass port/);
  assert.throws(() => BackendRef.fromName('api', { port: 80, weight: -1 }), /weight -1; use an integer between 0 and 1000000/);
  assert.equal(BackendRef.fromName('bucket', { kind: 'XBackend', group: 'gateway.networking.x-k8s.io' })._toKube(undefined),
    { group: 'gateway.networking.x-k8s.io', kind: 'XBackend', name: 'bucket' });
});

test('fails if a rule uses both requestRedirect and urlRewrite', () => {
  const { chart, gw } = setup();
  const route = new HttpRoute(chart, 'r', { parentRefs: [gw] });
  assert.throws(() => route.addRule({ filters: [HttpFilter.requestRedirect({ statusCode: 301 }), HttpFilter.urlRewrite({ hostname: 'x.example.com' })] }),
    /rule 0 has both requestRedirect and urlRewrite; a rule may use one of them/);
});

test('fails if replacePrefixMatch is used without a single PathPrefix match', () => {
  const { chart, gw } = setup();
  const route = new HttpRoute(chart, 'r', { parentRefs: [gw] });
  assert.throws(() => route.addRule({ name: 'x', matches: [{ path: PathMatch.exact('/a') }], filters: [HttpFilter.urlRewrite({ path: PathModifier.replacePrefixMatch('/b') })] }),
    /rule "x" uses replacePrefixMatch but does not have exactly one PathPrefix match/);
});

test('fails if backendRequestTimeout exceeds requestTimeout, or rule names repeat', () => {
  const { chart, gw } = setup();
  const route = new HttpRoute(chart, 'r', { parentRefs: [gw] });
  assert.throws(() => route.addRule({ requestTimeout: Duration.seconds(1), backendRequestTimeout: Duration.seconds(2) }), /backendRequestTimeout \(2000ms\) exceeds requestTimeout \(1000ms\)/);
  route.addRule({ name: 'a' });
  assert.throws(() => route.addRule({ name: 'a' }), /there is already a rule named "a"/);
});

test('fails if a path match is not absolute, a mirror takes percent and fraction, or a header is matched twice', () => {
  assert.throws(() => PathMatch.prefix('api'), /path "api" must start with "\/"; write "\/api"/);
  assert.throws(() => HttpFilter.requestMirror(BackendRef.fromName('m', { port: 1 }), { percent: 5, fraction: { numerator: 1 } }), /percent or fraction, not both/);
  assert.throws(() => HttpFilter.requestMirror(BackendRef.fromName('m', { port: 1 }), { percent: 101 }), /percent 101 is invalid/);
  const { chart, gw } = setup();
  const route = new HttpRoute(chart, 'r', { parentRefs: [gw] });
  assert.throws(() => route.addRule({ matches: [{ headers: [HeaderMatch.exact('X-A', '1'), HeaderMatch.exact('x-a', '2')] }] }), /header "x-a" is matched twice/);
});

test('fails at synth if a route has no parentRefs or no rules', () => {
  const { app, chart } = setup();
  new HttpRoute(chart, 'lonely', { metadata: { name: 'lonely' } });
  const errors = synthErrors(app);
  assert.ok(errors.includes('[test/lonely] httproute has no parentRefs; pass parentRefs or call addParent()'), errors.join('\n'));
  assert.ok(errors.includes('[test/lonely] httproute has no rules; pass rules or call addRule()'), errors.join('\n'));
});

test.run();
