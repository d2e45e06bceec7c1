// compareMatches is the one tuple comparator for HTTPRoute precedence (HTTPRoute CRD,
// rules.matches docs). Adversarial inputs break weighted-sum schemes: these must not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HttpMatchIR, HttpRuleIR } from '../../gateway/ir/index.ts';
import { compareGrpcMatches, compareMatches, sortRules } from '../../gateway/translator/index.ts';

const m = (over: Partial<HttpMatchIR> = {}): HttpMatchIR => ({ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [], ...over });
const h = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `h${i}`, type: 'Exact' as const, value: 'v' }));
const q = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `q${i}`, type: 'Exact' as const, value: 'v' }));
const first = (a: HttpMatchIR, b: HttpMatchIR) => {
  assert.ok(compareMatches(a, b) < 0, 'a before b');
  assert.ok(compareMatches(b, a) > 0, 'and antisymmetric');
};

test('Exact beats a 900-character PathPrefix', () => {
  first(m({ path: { type: 'Exact', value: '/x' } }), m({ path: { type: 'PathPrefix', value: '/' + 'a'.repeat(899) } }));
});

test('the longer PathPrefix wins', () => {
  first(m({ path: { type: 'PathPrefix', value: '/api/v1' } }), m({ path: { type: 'PathPrefix', value: '/api' } }));
});

test('path type outranks everything after it: a bare Exact beats a PathPrefix with method, headers and query', () => {
  first(m({ path: { type: 'Exact', value: '/a' } }), m({ path: { type: 'PathPrefix', value: '/a' }, method: 'GET', headers: h(5), queryParams: q(5) }));
});

test('RegularExpression paths rank after PathPrefix ones, however long', () => {
  first(m({ path: { type: 'PathPrefix', value: '/' } }), m({ path: { type: 'RegularExpression', value: '/' + '.'.repeat(500) } }));
});

test('a method match beats two (or ten) header matches', () => {
  first(m({ method: 'GET' }), m({ headers: h(2) }));
  first(m({ method: 'GET' }), m({ headers: h(10), queryParams: q(10) }));
});

test('more header matches beat more query matches', () => {
  first(m({ headers: h(2) }), m({ headers: h(1), queryParams: q(5) }));
  first(m({ queryParams: q(2) }), m({ queryParams: q(1) }));
});

test('identical matches tie (the caller\'s stable order decides)', () => {
  assert.is(compareMatches(m({ method: 'GET', headers: h(1) }), m({ method: 'POST', headers: h(1) })), 0);
});

const rule = (id: string, match: HttpMatchIR, grpc = false): HttpRuleIR => ({
  id, match, grpc, filters: [], backends: [], timeouts: {},
  route: { kind: grpc ? 'GRPCRoute' : 'HTTPRoute', namespace: 'ns', name: id, ruleIndex: 0, matchIndex: 0 },
});

test('sortRules is stable: ties keep creation/name/rule order', () => {
  const rules = ['old', 'mid', 'new'].map((id) => rule(id, m({ path: { type: 'PathPrefix', value: '/same' } })));
  assert.equal(sortRules(rules).map((r) => r.id), ['old', 'mid', 'new']);
  assert.equal(sortRules([rules[2], rules[0], rules[1]]).map((r) => r.id), ['new', 'old', 'mid']);
});

test('compareGrpcMatches: service characters, then method characters, then headers', () => {
  const g = (service?: string, method?: string, headers = 0) => m({ grpcMethod: { service, method }, headers: h(headers) });
  assert.ok(compareGrpcMatches(g('pkg.LongService'), g('pkg.S', 'VeryLongMethodName')) < 0);
  assert.ok(compareGrpcMatches(g('pkg.S', 'Method'), g('pkg.S', 'M', 9)) < 0);
  assert.ok(compareGrpcMatches(g(undefined, 'Ping'), g(undefined, undefined, 3)) < 0, 'a method match beats header matches');
  assert.is(compareGrpcMatches(g('a', 'b', 1), g('c', 'd', 1)), 0);
});

test('sortRules orders gRPC rules by gRPC precedence and never reorders HTTP rules among themselves by it', () => {
  const grpcHeaderOnly = rule('g-headers', m({ headers: h(2), grpcMethod: {} }), true);
  const grpcMethodOnly = rule('g-method', m({ path: { type: 'RegularExpression', value: '/[^/]+/Ping' }, grpcMethod: { method: 'Ping' } }), true);
  const httpLong = rule('h-long', m({ path: { type: 'PathPrefix', value: '/long/prefix' } }));
  const httpRoot = rule('h-root', m());
  const out = sortRules([grpcHeaderOnly, httpRoot, grpcMethodOnly, httpLong]).map((r) => r.id);
  assert.ok(out.indexOf('g-method') < out.indexOf('g-headers'), `gRPC order: ${out}`);
  assert.ok(out.indexOf('h-long') < out.indexOf('h-root'), `HTTP order: ${out}`);
  assert.is(out.length, 4);
});

test.run();
