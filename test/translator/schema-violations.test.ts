// One violation per test, each asserting every problem the API server would return for it:
// the exact CRD rule message (or Kubernetes' schema wording) and the field path.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateObject } from '../../gateway/translator/schema/index.ts';
import * as c from './schema-cases.ts';

type Expected = [reason: 'CEL' | 'Schema', field: string, message: string];

function expectOnly(obj: unknown, expected: Expected[]): void {
  const got = validateObject(obj).map((p): Expected => [p.reason as Expected[0], p.field, p.message]);
  assert.equal(got, expected);
}

const path = (type: string, value: string) => ({ path: { type, value } });
const rewritePrefix = { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' } } };

test('baselines are valid', () => {
  expectOnly(c.httpRoute({ rules: [{ matches: [path('PathPrefix', '/a')], backendRefs: [c.backend()] }] }), []);
  expectOnly(c.gateway([c.httpListener(), c.httpsListener()]), []);
  expectOnly(c.grpcRoute({ rules: [{ matches: [{ method: { service: 'pkg.Svc', method: 'Get' } }] }] }), []);
  expectOnly(c.listenerSet([c.httpListener('a', 80)]), []);
  expectOnly(c.tlsRoute({ hostnames: ['*.example.com'] }), []);
  expectOnly(c.backendTLSPolicy({ wellKnownCACertificates: 'System' }), []);
});

test('HTTPRoute: path match value must start with /', () => {
  expectOnly(c.httpRoute({ rules: [{ matches: [path('PathPrefix', 'foo')] }] }), [
    ['CEL', 'spec.rules[0].matches[0].path', "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"],
  ]);
});

test('HTTPRoute: path match must not contain /../', () => {
  expectOnly(c.httpRoute({ rules: [{ matches: [path('Exact', '/a'), path('PathPrefix', '/a/../b')] }] }), [
    ['CEL', 'spec.rules[0].matches[1].path', "must not contain '/../' when type one of ['Exact', 'PathPrefix']"],
  ]);
});

test('HTTPRoute: RegularExpression path with ReplacePrefixMatch', () => {
  expectOnly(c.httpRoute({ rules: [{ matches: [path('RegularExpression', '/a.*')], filters: [rewritePrefix] }] }), [
    ['CEL', 'spec.rules[0]', 'When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'],
  ]);
});

test('HTTPRoute: ReplacePrefixMatch redirect without a PathPrefix match', () => {
  const redirect = { type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' } } };
  expectOnly(c.httpRoute({ rules: [{ matches: [path('Exact', '/a')], filters: [redirect] }] }), [
    ['CEL', 'spec.rules[0]', 'When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'],
  ]);
});

test('HTTPRoute: ReplacePrefixMatch rewrite inside a backendRef with two matches', () => {
  expectOnly(c.httpRoute({ rules: [{ matches: [path('PathPrefix', '/a'), path('PathPrefix', '/c')], backendRefs: [{ ...c.backend(), filters: [rewritePrefix] }] }] }), [
    ['CEL', 'spec.rules[0]', 'Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'],
  ]);
});

test('HTTPRoute: redirect and URLRewrite in the same rule', () => {
  const filters = [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }, { type: 'URLRewrite', urlRewrite: { hostname: 'x.example.com' } }];
  expectOnly(c.httpRoute({ rules: [{ filters }] }), [
    ['CEL', 'spec.rules[0].filters', 'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both'],
  ]);
});

test('HTTPRoute: RequestHeaderModifier twice', () => {
  const mod = (m: Record<string, unknown>) => ({ type: 'RequestHeaderModifier', requestHeaderModifier: m });
  expectOnly(c.httpRoute({ rules: [{ filters: [mod({ set: [{ name: 'a', value: 'b' }] }), mod({ remove: ['c'] })] }] }), [
    ['CEL', 'spec.rules[0].filters', 'RequestHeaderModifier filter cannot be repeated'],
  ]);
});

test('HTTPRoute: filter type without its config', () => {
  expectOnly(c.httpRoute({ rules: [{ filters: [{ type: 'RequestMirror' }] }] }), [
    ['CEL', 'spec.rules[0].filters[0]', 'filter.requestMirror must be specified for RequestMirror filter.type'],
  ]);
});

test('HTTPRoute: a redirect next to backendRefs', () => {
  expectOnly(c.httpRoute({ rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { statusCode: 301 } }], backendRefs: [c.backend()] }] }), [
    ['CEL', 'spec.rules[0]', 'RequestRedirect filter must not be used together with backendRefs'],
  ]);
});

test('HTTPRoute: more than 16 backendRefs (schema maxItems)', () => {
  expectOnly(c.httpRoute({ rules: [{ backendRefs: Array.from({ length: 17 }, (_, i) => c.backend(`s${i}`)) }] }), [
    ['Schema', 'spec.rules[0].backendRefs', 'Too many: 17: must have at most 16 items'],
  ]);
});

test('HTTPRoute: backend weight out of range (schema maximum)', () => {
  const problems = validateObject(c.httpRoute({ rules: [{ backendRefs: [{ ...c.backend(), weight: 1000001 }] }] }));
  assert.equal(problems.map((p) => [p.reason, p.field, p.message, p.fix]), [
    ['Schema', 'spec.rules[0].backendRefs[0].weight', 'Invalid value: 1000001: should be less than or equal to 1000000', 'use a value of at most 1000000'],
  ]);
});

test('HTTPRoute: Service backendRef without port', () => {
  expectOnly(c.httpRoute({ rules: [{ backendRefs: [{ name: 'svc' }] }] }), [
    ['CEL', 'spec.rules[0].backendRefs[0]', 'Must have port for Service reference'],
  ]);
});

test('HTTPRoute: invalid enum value names the allowed values', () => {
  const problems = validateObject(c.httpRoute({ rules: [{ matches: [path('Prefix', '/a')] }] }));
  assert.equal(problems.map((p) => [p.reason, p.field, p.message, p.fix]), [
    ['Schema', 'spec.rules[0].matches[0].path.type', 'Unsupported value: "Prefix": supported values: "Exact", "PathPrefix", "RegularExpression"', 'must be one of: Exact, PathPrefix, RegularExpression'],
    ['CEL', 'spec.rules[0].matches[0].path', "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']", undefined],
  ]);
});

test('HTTPRoute: missing required parentRef name', () => {
  const problems = validateObject(c.httpRoute({ parentRefs: [{ sectionName: 'http' }] }));
  assert.equal(problems.map((p) => [p.reason, p.field, p.message, p.fix]), [['Schema', 'spec.parentRefs[0].name', 'Required value', 'set name']]);
  assert.equal(problems[0].ref, { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'ns', name: 'r' });
  assert.is(problems[0].severity, 'error');
});

test('HTTPRoute: unknown field (strict field validation)', () => {
  expectOnly(c.httpRoute({ rulez: [] }), [['Schema', 'spec.rulez', 'unknown field "spec.rulez"']]);
});

test('HTTPRoute: backendRequest timeout longer than request timeout (duration)', () => {
  expectOnly(c.httpRoute({ rules: [{ timeouts: { request: '1s', backendRequest: '1500ms' } }] }), [
    ['CEL', 'spec.rules[0].timeouts', 'backendRequest timeout cannot be longer than request timeout'],
  ]);
  expectOnly(c.httpRoute({ rules: [{ timeouts: { request: '2s', backendRequest: '1500ms' } }] }), []);
});

test('HTTPRoute: parentRefs to one parent, with and without sectionName', () => {
  expectOnly(c.httpRoute({ parentRefs: [{ name: 'gw' }, { name: 'gw', sectionName: 'http' }] }), [
    ['CEL', 'spec.parentRefs', 'sectionName or port must be specified when parentRefs includes 2 or more references to the same parent'],
  ]);
});

test('Gateway: tls on an HTTP listener', () => {
  expectOnly(c.gateway([c.httpListener('http', 80, { tls: { certificateRefs: [{ name: 'c' }] } })]), [
    ['CEL', 'spec.listeners', "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"],
  ]);
});

test('Gateway: HTTPS listener with mode Terminate and no certificates', () => {
  const problems = validateObject(c.gateway([{ name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate' } }]));
  assert.equal(problems.map((p) => [p.reason, p.field, p.message]), [
    ['CEL', 'spec.listeners[0].tls', 'certificateRefs or options must be specified when mode is Terminate'],
  ]);
  // The CRD itself accepts an HTTPS listener without tls (the controller reports it instead).
  expectOnly(c.gateway([{ name: 'https', port: 443, protocol: 'HTTPS' }]), []);
});

test('Gateway: HTTPS listener in Passthrough mode', () => {
  expectOnly(c.gateway([{ name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Passthrough' } }]), [
    ['CEL', 'spec.listeners', "tls mode must be Terminate for protocol HTTPS"],
  ]);
});

test('Gateway: duplicate listener names (list-map key and CEL rule)', () => {
  const problems = validateObject(c.gateway([c.httpListener('web', 80), c.httpListener('web', 8080)]));
  assert.equal(problems.map((p) => [p.reason, p.field, p.message, p.fix]), [
    ['Schema', 'spec.listeners[1]', 'Duplicate value: {"name":"web"}', 'name must be unique in spec.listeners'],
    ['CEL', 'spec.listeners', 'Listener name must be unique within the Gateway', undefined],
  ]);
});

test('Gateway: two listeners with the same port, protocol and hostname', () => {
  expectOnly(c.gateway([c.httpListener('a', 80), c.httpListener('b', 80)]), [
    ['CEL', 'spec.listeners', 'Combination of port, protocol and hostname must be unique for each listener'],
  ]);
});

test('Gateway: hostname on a TCP listener', () => {
  expectOnly(c.gateway([{ name: 'tcp', port: 9000, protocol: 'TCP', hostname: 'a.example.com' }]), [
    ['CEL', 'spec.listeners', "hostname must not be specified for protocols ['TCP', 'UDP']"],
  ]);
});

test('Gateway: port out of range', () => {
  expectOnly(c.gateway([c.httpListener('http', 70000)]), [
    ['Schema', 'spec.listeners[0].port', 'Invalid value: 70000: should be less than or equal to 65535'],
  ]);
});

test('Gateway: invalid addresses (oneOf on type, ipv4/ipv6 formats, Hostname rule)', () => {
  // The upstream CEL suite (pkg/test/cel/gateway_test.go) expects the ipv4 wording for the first.
  const addresses = [
    { type: 'IPAddress', value: '1.2.3.4:8080' },
    { type: 'Hostname', value: '*foo/bar' },
    { type: 'IPAddress', value: '1111:2222:3333:4444::' },
    { type: 'example.com/custom', value: 'anything goes' },
  ];
  expectOnly(c.gateway([c.httpListener()], { addresses }), [
    ['Schema', 'spec.addresses[0].value', 'Invalid value: "1.2.3.4:8080": must be of type ipv4'],
    ['CEL', 'spec.addresses[1]', 'Hostname value must be empty or contain only valid characters (matching ^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)'],
  ]);
  expectOnly(c.gateway([c.httpListener()], { addresses: [{ type: 'IPAddress', value: '2001:db8::1' }, { value: '10.0.0.1' }] }), []);
});

test('GRPCRoute: method match with neither service nor method', () => {
  expectOnly(c.grpcRoute({ rules: [{ matches: [{ method: { type: 'Exact' } }] }] }), [
    ['CEL', 'spec.rules[0].matches[0].method', "One or both of 'service' or 'method' must be specified"],
  ]);
});

test('GRPCRoute: invalid service name (RE2 regex with (?i))', () => {
  expectOnly(c.grpcRoute({ rules: [{ matches: [{ method: { service: 'bad service!' } }] }] }), [
    ['CEL', 'spec.rules[0].matches[0].method', 'service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)'],
  ]);
  expectOnly(c.grpcRoute({ rules: [{ matches: [{ method: { service: 'Pkg.V1.Svc' } }] }] }), []);
});

test('BackendTLSPolicy: both caCertificateRefs and wellKnownCACertificates, or neither', () => {
  expectOnly(c.backendTLSPolicy({ caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], wellKnownCACertificates: 'System' }), [
    ['CEL', 'spec.validation', 'must not contain both CACertificateRefs and WellKnownCACertificates'],
  ]);
  expectOnly(c.backendTLSPolicy({}), [['CEL', 'spec.validation', 'must specify either CACertificateRefs or WellKnownCACertificates']]);
});

test('BackendTLSPolicy: URI SAN without uri', () => {
  expectOnly(c.backendTLSPolicy({ wellKnownCACertificates: 'System', subjectAltNames: [{ type: 'URI', hostname: 'a.example.com' }] }), [
    ['CEL', 'spec.validation.subjectAltNames[0]', 'SubjectAltName element must not contain Hostname, if Type is not set to Hostname'],
    ['CEL', 'spec.validation.subjectAltNames[0]', 'SubjectAltName element must contain URI, if Type is set to URI'],
  ]);
});

test('ListenerSet: duplicate names and tls on HTTP', () => {
  expectOnly(c.listenerSet([c.httpListener('a', 80), c.httpListener('a', 81)]), [
    ['Schema', 'spec.listeners[1]', 'Duplicate value: {"name":"a"}'],
    ['CEL', 'spec.listeners', 'Listener name must be unique within the Gateway'],
  ]);
  expectOnly(c.listenerSet([c.httpListener('a', 80, { tls: { certificateRefs: [{ name: 'c' }] } })]), [
    ['CEL', 'spec.listeners', "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"],
  ]);
});

test('TLSRoute: hostnames must not be IPs and wildcards only as the first label', () => {
  expectOnly(c.tlsRoute({ hostnames: ['10.0.0.1'] }), [['CEL', 'spec.hostnames', 'Hostnames cannot contain an IP']]);
  expectOnly(c.tlsRoute({ hostnames: ['a.*.example.com'] }), [
    ['Schema', 'spec.hostnames[0]', "Invalid value: \"a.*.example.com\": should match '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'"],
    ['CEL', 'spec.hostnames', 'Wildcards on hostnames must be the first label, and the rest of hostname must be valid based on RFC-1123'],
  ]);
});

test('metadata.name must be a DNS subdomain', () => {
  const route = c.httpRoute({});
  (route.metadata as Record<string, unknown>).name = 'Bad_Name';
  const problems = validateObject(route);
  assert.equal(problems.map((p) => [p.field, p.reason]), [['metadata.name', 'Schema']]);
  assert.match(problems[0].message, /^Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
});

test.run();
