// The runner pieces whose mistakes would make conformance results lie: Go's header and TLS rules,
// upstream's address placeholders, the weight tolerance, the API-server metadata, and the checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { X509Certificate } from 'node:crypto';
import { canonicalHeaderKey, goVerifyChain, goVerifyHostname, parseGoDuration, validHostname } from './go-rules.ts';
import { expandAddresses, prepareObject } from './placeholders.ts';
import { backendOfPod, checkDistribution, eventually } from './checks/timing.ts';
import { mergePatch, ObjectStore, setPath } from './store.ts';
import { compareRoundTrip } from './checks/http-compare.ts';
import { checkOne, parentMatches } from './checks/conditions.ts';
import { CertStore, sansFromHosts, SUITE_SECRETS } from './certs.ts';
import { goRequestHeaders } from './client/http-client.ts';
import { profilesOf } from './profiles.ts';
import { buildReport } from './report.ts';
import { withinThreeSigma } from './checks/requests.ts';

test('canonicalHeaderKey follows textproto.CanonicalMIMEHeaderKey', () => {
  assert.is(canonicalHeaderKey('x-header-add'), 'X-Header-Add');
  assert.is(canonicalHeaderKey('ACCESS-CONTROL-REQUEST-METHOD'), 'Access-Control-Request-Method');
  assert.is(canonicalHeaderKey('content-md5'), 'Content-Md5');
  assert.is(canonicalHeaderKey('x--y'), 'X--Y');
  // Keys with bytes outside the token set come back unchanged.
  assert.is(canonicalHeaderKey('bad key'), 'bad key');
  assert.is(canonicalHeaderKey('x_under'), 'X_under');
});

test('Go client header set: Host, UA, Content-Length on empty POST only, Accept-Encoding', () => {
  const get = goRequestHeaders({ method: 'GET', headers: { 'x-a': '1' }, host: 'example.com' });
  assert.equal(get, [['Host', 'example.com'], ['User-Agent', 'Go-http-client/1.1'], ['X-A', '1'], ['Accept-Encoding', 'gzip']]);
  const post = goRequestHeaders({ method: 'POST', headers: {}, host: 'h' });
  assert.ok(post.some(([k, v]) => k === 'Content-Length' && v === '0'));
  assert.not.ok(goRequestHeaders({ method: 'DELETE', headers: {}, host: 'h' }).some(([k]) => k === 'Content-Length'));
});

test('Go hostname verification: one-label wildcards, even over a TLD; bare * is not a DNS pattern', () => {
  assert.ok(goVerifyHostname(['*.org'], [], 'example.org'));
  assert.ok(goVerifyHostname(['*.org'], [], 'EXAMPLE.org.'));
  assert.not.ok(goVerifyHostname(['*.org'], [], 'a.example.org'));
  assert.ok(goVerifyHostname(['*.wildcard.org'], [], 'fourth-example.wildcard.org'));
  assert.not.ok(goVerifyHostname(['*.wildcard.org'], [], 'wildcard.org'));
  assert.not.ok(validHostname('*', true));
  assert.not.ok(goVerifyHostname(['*'], [], 'example.org'));
  assert.ok(goVerifyHostname(['abc.example.com'], [], 'abc.example.com'));
  assert.not.ok(goVerifyHostname(['abc.example.com'], [], 'other.example.com'));
  assert.ok(goVerifyHostname([], ['127.0.0.1'], '127.0.0.1'));
  assert.not.ok(goVerifyHostname(['127.0.0.1'], [], '127.0.0.1'));
});

test('Go durations', () => {
  assert.is(parseGoDuration('1s'), 1000);
  assert.is(parseGoDuration('1m30s'), 90000);
  assert.is(parseGoDuration('1.5s'), 1500);
  assert.is(parseGoDuration('250ms'), 250);
  assert.is(parseGoDuration('5'), undefined);
  assert.is(parseGoDuration(''), undefined);
});

test('address placeholders: explicit entries kept, unusable then usable appended', () => {
  const o = { usable: [{ type: 'IPAddress', value: '127.0.1.254' }], unusable: [{ type: 'IPAddress', value: '192.0.2.1' }] };
  const got = expandAddresses([
    { type: 'test/fake-invalid-type', value: 'fake address teehee!' },
    { value: 'PLACEHOLDER_USABLE_ADDRS' },
    { value: 'PLACEHOLDER_UNUSABLE_ADDRS' },
  ], o);
  assert.equal(got, [{ type: 'test/fake-invalid-type', value: 'fake address teehee!' }, o.unusable[0], o.usable[0]]);
  const gw = prepareObject({ kind: 'Gateway', spec: { gatewayClassName: '{GATEWAY_CLASS_NAME}', addresses: [{ value: 'PLACEHOLDER_USABLE_ADDRS' }] } },
    { gatewayClassName: 'suite', controllerName: 'c', ...o });
  assert.equal(gw.spec, { gatewayClassName: 'suite', addresses: [o.usable[0]] });
  const cls = prepareObject({ kind: 'GatewayClass', spec: { controllerName: 'x' } }, { gatewayClassName: 'suite', controllerName: 'mine', ...o });
  assert.is(cls.spec.controllerName, 'mine');
  const route = prepareObject({ kind: 'HTTPRoute', spec: { note: 'class {GATEWAY_CLASS_NAME}' } }, { gatewayClassName: 'suite', controllerName: 'c', ...o });
  assert.is(route.spec.note, 'class suite');
});

test('weight tolerance: ±5 % of the weight, weight-0 backends never seen, unknown backends rejected', () => {
  const w = { a: 0.7, b: 0.3, c: 0 };
  assert.is(checkDistribution({ a: 350, b: 150 }, w), undefined);
  assert.is(checkDistribution({ a: 375, b: 125 }, w), undefined); // exactly +5 %
  assert.match(checkDistribution({ a: 380, b: 120 }, w)!, /share/);
  assert.match(checkDistribution({ a: 349, b: 150, c: 1 }, w)!, /weight 0/);
  assert.match(checkDistribution({ a: 500 }, { a: 0.97, b: 0.03 })!, /b got no requests/);
  assert.match(checkDistribution({ a: 300, b: 150, d: 50 }, w)!, /unexpected backend d/);
  assert.is(backendOfPod('infra-backend-v1-7b9c4d5f6g-x2k9z'), 'infra-backend-v1');
});

test('percentage mirrors: 3σ of a binomial count', () => {
  assert.ok(withinThreeSigma(250, 500, 0.5));
  assert.ok(withinThreeSigma(283, 500, 0.5)); // 3σ ≈ 33.5
  assert.not.ok(withinThreeSigma(284, 500, 0.5));
  assert.ok(withinThreeSigma(500, 500, 1));
  assert.not.ok(withinThreeSigma(499, 500, 1));
  assert.ok(withinThreeSigma(0, 500, 0));
});

test('eventually wants consecutive successes and reports the last failure', async () => {
  let n = 0;
  const seq = [false, true, true, false, true, true, true];
  const err = await eventually(async () => (seq[n++] ? undefined : `fail ${n}`), { maxTimeMs: 2000, threshold: 3, pauseMs: 1 });
  assert.is(err, undefined);
  assert.is(n, 7);
  const never = await eventually(async () => 'nope', { maxTimeMs: 50, threshold: 3, pauseMs: 10 });
  assert.match(never!, /not consistent .* nope/);
});

test('object store: generation bumps on spec changes only, identity kept', () => {
  const s = new ObjectStore();
  const a = s.put({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'ns' }, spec: { x: 1 } });
  assert.is(a.metadata.generation, 1);
  const b = s.put({ ...a, metadata: { ...a.metadata, labels: { l: '1' } } });
  assert.is(b.metadata.generation, 1);
  assert.is(b.metadata.uid, a.metadata.uid);
  assert.is.not(b.metadata.resourceVersion, a.metadata.resourceVersion);
  const c = s.patch('HTTPRoute', 'ns', 'r', (o) => mergePatch(o, { spec: { x: 2 } }) as typeof o);
  assert.is(c.metadata.generation, 2);
  assert.is(c.metadata.creationTimestamp, a.metadata.creationTimestamp);
  const svc = s.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {} });
  assert.is(svc.metadata.generation, undefined);
  assert.is(svc.metadata.namespace, 'default');
});

test('merge patch replaces lists and deletes nulls; set paths', () => {
  assert.equal(mergePatch({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { d: null } }), { a: [3], b: { c: 1 } });
  const o: Record<string, unknown> = { spec: { rules: [{ backendRefs: [{ name: 'v1' }] }] } };
  setPath(o, 'spec.rules[0].backendRefs[0].name', 'v2');
  assert.equal(o, { spec: { rules: [{ backendRefs: [{ name: 'v2' }] }] } });
});

const echoBody = (o: Record<string, unknown>) => JSON.stringify({ path: '/', host: 'h', method: 'GET', proto: 'HTTP/1.1', headers: {}, namespace: 'gateway-conformance-infra', pod: 'infra-backend-v1-abc-def', ...o });
const sent = { scheme: 'http', path: '/', host: 'h', urlPort: '' };

test('CompareRoundTrip: status set, 408/504 alike, pod prefix, headers joined with commas', () => {
  const ok = { status: 200, headers: {}, body: echoBody({ headers: { 'X-A': ['1', '2'] } }), protocol: 'HTTP/1.1' };
  assert.is(compareRoundTrip({ gateway: 'g', backend: 'infra-backend-v1' }, sent, ok, '/'), undefined);
  assert.match(compareRoundTrip({ gateway: 'g', backend: 'infra-backend-v2' }, sent, ok, '/')!, /pod of infra-backend-v2/);
  assert.is(compareRoundTrip({ gateway: 'g', expectedRequest: { path: '/', headers: { 'x-a': '1,2' } } }, sent, ok, '/'), undefined);
  // No expectedRequest: the request's own headers must reach the backend.
  assert.is(compareRoundTrip({ gateway: 'g', request: { headers: { 'x-a': '1,2' } } }, sent, ok, '/'), undefined);
  assert.match(compareRoundTrip({ gateway: 'g', request: { headers: { 'X-B': 'v' } } }, sent, ok, '/')!, /X-B/);
  assert.match(compareRoundTrip({ gateway: 'g', expectedRequest: { path: '/', absentHeaders: ['X-A'] } }, sent, ok, '/')!, /must not/);
  assert.is(compareRoundTrip({ gateway: 'g', response: { statusCodes: [504] } }, sent, { ...ok, status: 408 }, '/'), undefined);
  assert.match(compareRoundTrip({ gateway: 'g' }, sent, { ...ok, status: 404 }, '/')!, /expected status 200, got 404/);
  assert.match(compareRoundTrip({ gateway: 'g', namespace: 'other' }, sent, ok, '/')!, /namespace other/);
});

test('CompareRoundTrip: headerNamesPod wants one header value naming the answering pod', () => {
  const at = (headers: Record<string, string[]>) => ({ status: 200, headers: {}, body: echoBody({ headers }), protocol: 'HTTP/1.1' });
  assert.is(compareRoundTrip({ gateway: 'g', headerNamesPod: 'Backend' }, sent, at({ Backend: ['infra-backend-v1'] }), '/'), undefined);
  assert.match(compareRoundTrip({ gateway: 'g', headerNamesPod: 'Backend' }, sent, at({ Backend: ['infra-backend-v2'] }), '/')!, /another backend/);
  assert.match(compareRoundTrip({ gateway: 'g', headerNamesPod: 'Backend' }, sent, at({}), '/')!, /exactly one/);
  assert.match(compareRoundTrip({ gateway: 'g', headerNamesPod: 'Backend' }, sent, at({ Backend: ['infra-backend-v1', 'x'] }), '/')!, /exactly one/);
});

test('CompareRoundTrip redirects: omitted port accepts none or the scheme default', () => {
  const res = (loc: string) => ({ status: 302, headers: { Location: [loc] }, body: '', protocol: 'HTTP/1.1' });
  const spec = (r: object) => ({ gateway: 'g', response: { statusCodes: [302] }, redirectRequest: r });
  const s = { ...sent, path: '/p', urlPort: '8080' };
  assert.is(compareRoundTrip(spec({ host: 'example.org' }), s, res('http://example.org/p'), '/p'), undefined);
  assert.is(compareRoundTrip(spec({ host: 'example.org' }), s, res('http://example.org:80/p'), '/p'), undefined);
  assert.match(compareRoundTrip(spec({ host: 'example.org' }), s, res('http://example.org:8080/p'), '/p')!, /port/);
  assert.is(compareRoundTrip(spec({ scheme: 'https', port: '8443' }), s, res('https://x:8443/p'), '/p'), undefined);
  assert.match(compareRoundTrip(spec({ path: '/new' }), s, res('http://x/p'), '/p')!, /path \/new/);
  assert.match(compareRoundTrip(spec({}), s, res('https://x/p'), '/p')!, /scheme http/);
});

test('CORS-style entries: the gateway itself must answer', () => {
  const r = { gateway: 'g', expectedRequest: { method: 'OPTIONS', path: '' }, namespace: '', response: { statusCodes: [200, 204], validHeaderValues: { 'access-control-allow-methods': ['GET, OPTIONS', 'OPTIONS, GET'] }, ignoreWhitespace: true } };
  const res = { status: 204, headers: { 'Access-Control-Allow-Methods': ['OPTIONS,GET'] }, body: '', protocol: 'HTTP/1.1' };
  assert.is(compareRoundTrip(r, sent, res, '/'), undefined);
  assert.match(compareRoundTrip(r, sent, { ...res, status: 200, body: echoBody({}) }, '/')!, /gateway to answer/);
  assert.match(compareRoundTrip(r, sent, { ...res, headers: { 'Access-Control-Allow-Methods': ['GET'] } }, '/')!, /not one of/);
});

test('conditions: parents, strict refs, observed generation, listener counts', () => {
  const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'ns', generation: 2 },
    status: { parents: [{ controllerName: 'me', parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', observedGeneration: 2 }] }] } };
  const gw = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'ns', generation: 1 },
    status: { conditions: [{ type: 'Accepted', status: 'True', observedGeneration: 1 }], listeners: [{ name: 'http', attachedRoutes: 1, supportedKinds: [{ kind: 'HTTPRoute' }], conditions: [] }] } };
  const env = { status: [route, gw], live: () => undefined, controllerName: 'me', gatewayClassName: 'c', addresses: { usable: [], unusable: [] }, seen: new Map() };
  assert.is(checkOne(env, { kind: 'HTTPRoute', namespace: 'ns', name: 'r', parent: { name: 'gw', namespace: 'ns' }, type: 'Accepted', status: 'True', reason: 'Accepted' }, 0), undefined);
  assert.match(checkOne(env, { kind: 'HTTPRoute', namespace: 'ns', name: 'r', parent: { name: 'gw' }, type: 'Accepted', status: 'False' }, 0)!, /is True/);
  assert.is(checkOne(env, { kind: 'HTTPRoute', namespace: 'ns', name: 'r', latestObservedGeneration: true }, 0), undefined);
  assert.is(checkOne(env, { kind: 'HTTPRoute', namespace: 'ns', name: 'r', parent: { name: 'other' }, absent: true }, 0), undefined);
  assert.is(checkOne(env, { kind: 'Gateway', namespace: 'ns', name: 'gw', listener: 'http', attachedRoutes: 1, supportedKinds: [{ kind: 'HTTPRoute' }] }, 0), undefined);
  assert.match(checkOne(env, { kind: 'Gateway', namespace: 'ns', name: 'gw', listenerCount: 2 }, 0)!, /1 listeners/);
  assert.match(checkOne({ ...env, live: () => ({ apiVersion: 'v', kind: 'Gateway', metadata: { name: 'gw', generation: 2 } }) }, { kind: 'Gateway', namespace: 'ns', name: 'gw', latestObservedGeneration: true }, 0)!, /want 2/);
  // strict: group and kind must be written exactly as expected; the namespace may be omitted.
  assert.ok(parentMatches({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }, { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', namespace: 'ns' }, 'ns', true, false));
  assert.not.ok(parentMatches({ name: 'gw' }, { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }, 'ns', true, false));
  assert.not.ok(parentMatches({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }, { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', namespace: 'ns' }, 'ns', true, true));
});

test('SANs from hosts as Go sorts them; profiles from features', () => {
  assert.equal(sansFromHosts(['abc.example.com', 'spiffe://abc.example.com/id', '10.0.0.1']), { dns: ['abc.example.com'], uri: ['spiffe://abc.example.com/id'], ip: ['10.0.0.1'] });
  const c = (features: string[]) => ({ features } as any);
  assert.equal(profilesOf(c(['Gateway', 'HTTPRoute'])), ['http']);
  assert.equal(profilesOf(c(['Gateway'])), ['http']);
  assert.equal(profilesOf(c(['Gateway', 'HTTPRoute', 'TLSRoute'])), ['http', 'tls']);
  assert.equal(profilesOf(c(['UDPRoute', 'Gateway'])), ['udp']);
});

test('generated suite certificates verify with Go rules (openssl CLI)', async () => {
  const store = new CertStore();
  const specs = new Map(SUITE_SECRETS.map((s) => [`${s.namespace}/${s.name}`, s]));
  const wildcard = await store.get(specs.get('gateway-conformance-infra/tls-validity-checks-certificate')!, specs);
  const leaf = await store.get(specs.get('gateway-conformance-infra/tls-checks-certificate')!, specs);
  const ca = await store.get(specs.get('gateway-conformance-infra/tls-checks-ca-certificate')!, specs);
  const w = new X509Certificate(wildcard.cert);
  assert.is(goVerifyChain([w], [w], 'example.org'), undefined);
  assert.match(goVerifyChain([w], [w], 'a.b.example.org')!, /not valid for/);
  const l = new X509Certificate(leaf.cert);
  const caCert = new X509Certificate(ca.cert);
  assert.ok(caCert.ca);
  assert.is(goVerifyChain([l], [caCert], 'abc.example.com'), undefined);
  assert.match(goVerifyChain([l], [w], 'abc.example.com')!, /unknown authority/);
  assert.match(l.subjectAltName!, /URI:spiffe:\/\/abc.example.com\/test-identity/);
  const clientOnlySpec = { namespace: 't', name: 'client-only', type: 'kubernetes.io/tls', hosts: ['c.example.com'], signedBy: 'self', extKeyUsage: ['clientAuth'] };
  const clientOnly = new X509Certificate((await store.get(clientOnlySpec, specs)).cert);
  assert.match(goVerifyChain([clientOnly], [clientOnly], 'c.example.com')!, /incompatible key usage/);
});

test('ConformanceReport: core vs extended statistics per profile, features from the GatewayClass', () => {
  const c = (name: string, features: string[]) => ({ name, features } as any);
  const cases = [c('A', ['Gateway', 'HTTPRoute']), c('B', ['Gateway', 'HTTPRoute', 'HTTPRouteRetry']), c('C', ['Gateway', 'HTTPRoute', 'HTTPRouteCORS']), c('G', ['Gateway', 'GRPCRoute'])];
  const results = [
    { name: 'A', result: 'PASS' as const, reason: '', ms: 1 },
    { name: 'B', result: 'FAIL' as const, reason: 'x', ms: 1 },
    { name: 'C', result: 'SKIP' as const, reason: 'y', ms: 1 },
  ];
  const r = buildReport({ cases, results, profiles: ['http'], supported: ['HTTPRouteRetry'], version: '1.2.3', date: new Date('2026-01-02T03:04:05.678Z') });
  assert.is(r.kind, 'ConformanceReport');
  assert.is(r.apiVersion, 'gateway.networking.k8s.io/v1');
  assert.is(r.date, '2026-01-02T03:04:05Z');
  assert.is(r.gatewayAPIVersion, 'v1.6.1');
  assert.is(r.implementation.version, '1.2.3');
  const p = r.profiles[0];
  assert.is(p.name, 'GATEWAY-HTTP');
  assert.equal(p.core.statistics, { Passed: 1, Failed: 0, Skipped: 0 });
  assert.is(p.core.result, 'success');
  assert.equal(p.extended.statistics, { Passed: 0, Failed: 1, Skipped: 1 });
  assert.is(p.extended.result, 'failure');
  assert.equal(p.extended.failedTests, ['B']);
  assert.equal(p.extended.supportedFeatures, ['HTTPRouteRetry']);
  assert.equal(p.extended.unsupportedFeatures, ['HTTPRouteCORS']);
});

test.run();
