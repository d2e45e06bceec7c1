// Hostile configuration: values a tenant writes into a route must not inject anything. Each row
// puts one bad value in one field; the translator must report it (UnsupportedValue, a message
// naming the field) and program the rule to answer 500 without the value (fail closed: its
// requests never fall through to a less specific route, which would skip an ExternalAuth or a
// redirect), and leave every other route alone. A fast-check property then throws random and
// malformed resources at translate().
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { fromObjects, type Snapshot } from '../../gateway/model/index.ts';
import { translate } from '../../gateway/translator/index.ts';
import { validateObject } from '../../gateway/translator/schema/index.ts';
import type { HttpRuleIR } from '../../gateway/ir/index.ts';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { AccessRecord } from '../../gateway/dataplane/index.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fuzzRuns } from './fuzz-runs.ts';

const CONTROLLER = 'portico.dev/gateway-controller';
const NOW = '2026-01-01T00:00:00Z';

const base = [
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: CONTROLLER } },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'ns' },
    spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'ns' }, spec: { ports: [{ port: 80 }] } },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'neighbour', namespace: 'ns' },
    spec: { parentRefs: [{ name: 'gw' }], hostnames: ['ok.example'], rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }] } },
];

function route(rule: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'evil', namespace: 'ns' },
    spec: { parentRefs: [{ name: 'gw' }], hostnames: ['evil.example'], rules: [{ backendRefs: [{ name: 'svc', port: 80 }], ...rule }] } };
}
const filter = (f: Record<string, unknown>) => route({ filters: [f] });
const hdr = (which: 'requestHeaderModifier' | 'responseHeaderModifier', part: 'set' | 'add', name: string, value: string) =>
  filter({ type: which === 'requestHeaderModifier' ? 'RequestHeaderModifier' : 'ResponseHeaderModifier', [which]: { [part]: [{ name, value }] } });

// [what, the route, the field the condition must name]
const ROWS: [string, Record<string, unknown>, string][] = [
  ['CR LF in a request header value', hdr('requestHeaderModifier', 'set', 'x-a', 'v\r\nx-injected: 1'), 'filters[0].requestHeaderModifier.set[0].value'],
  ['LF in a response header value', hdr('responseHeaderModifier', 'add', 'x-a', 'v\nSet-Cookie: s=1'), 'filters[0].responseHeaderModifier.add[0].value'],
  ['NUL in a header value', hdr('requestHeaderModifier', 'add', 'x-a', 'a\u0000b'), 'filters[0].requestHeaderModifier.add[0].value'],
  ['a non-Latin-1 character in a header value', hdr('responseHeaderModifier', 'set', 'x-a', 'snow ☃'), 'filters[0].responseHeaderModifier.set[0].value'],
  ['a space in a header name', hdr('requestHeaderModifier', 'set', 'x a', 'v'), 'filters[0].requestHeaderModifier.set[0].name'],
  ['a colon in a header name', hdr('responseHeaderModifier', 'set', 'x-a:b', 'v'), 'filters[0].responseHeaderModifier.set[0].name'],
  ['CR LF in a removed header name', filter({ type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['x\r\ny'] } }), 'filters[0].requestHeaderModifier.remove[0]'],
  ['a number as a header value', hdr('requestHeaderModifier', 'set', 'x-a', 5 as unknown as string), 'filters[0].requestHeaderModifier.set[0].value'],
  ['CR LF in a redirect hostname', filter({ type: 'RequestRedirect', requestRedirect: { hostname: 'a.example\r\nx: y' } }), 'filters[0].requestRedirect.hostname'],
  ['a slash in a redirect hostname', filter({ type: 'RequestRedirect', requestRedirect: { hostname: 'evil.example/x' } }), 'filters[0].requestRedirect.hostname'],
  ['an unknown redirect scheme', filter({ type: 'RequestRedirect', requestRedirect: { scheme: 'javascript' } }), 'filters[0].requestRedirect.scheme'],
  ['LF in a redirect path', filter({ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/a\nb' } } }), 'filters[0].requestRedirect.path.replaceFullPath'],
  ['a protocol-relative redirect path', filter({ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '//evil.example/' } } }), 'filters[0].requestRedirect.path.replaceFullPath'],
  ['a space in a rewrite path', filter({ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/a b' } } }), 'filters[0].urlRewrite.path.replacePrefixMatch'],
  ['a query in a rewrite path', filter({ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/a?admin=1' } } }), 'filters[0].urlRewrite.path.replaceFullPath'],
  ['CR LF in a rewrite hostname', filter({ type: 'URLRewrite', urlRewrite: { hostname: 'a\r\nb' } }), 'filters[0].urlRewrite.hostname'],
  ['CR LF in a CORS origin', filter({ type: 'CORS', cors: { allowOrigins: ['https://a.example\r\nx: y'] } }), 'filters[0].cors.allowOrigins[0]'],
  ['a header line in CORS allowHeaders', filter({ type: 'CORS', cors: { allowHeaders: ['x-a\r\nx-b: 1'] } }), 'filters[0].cors.allowHeaders[0]'],
  ['a comma list in CORS exposeHeaders', filter({ type: 'CORS', cors: { exposeHeaders: ['a, b'] } }), 'filters[0].cors.exposeHeaders[0]'],
  ['LF in an ExternalAuth path', filter({ type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', backendRef: { name: 'svc', port: 80 }, http: { path: '/auth\nx' } } }), 'filters[0].externalAuth.http.path'],
  ['a bad ExternalAuth allowed header', filter({ type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', backendRef: { name: 'svc', port: 80 }, http: { allowedHeaders: ['a b'] } } }), 'filters[0].externalAuth.http.allowedHeaders[0]'],
  ['a semicolon in a session cookie name', route({ sessionPersistence: { sessionName: 'a;Domain=evil' } }), 'sessionPersistence.sessionName'],
  ['CR LF in a session header name', route({ sessionPersistence: { type: 'Header', sessionName: 'x\r\ny' } }), 'sessionPersistence.sessionName'],
];

function run(objects: unknown[]) {
  const { snapshot } = fromObjects(objects);
  return translate(snapshot, { controllerName: CONTROLLER, now: NOW });
}

function rulesOf(result: ReturnType<typeof run>, name: string): HttpRuleIR[] {
  const rules: HttpRuleIR[] = [];
  for (const g of result.table.gateways) for (const p of g.ports) for (const l of p.listeners) for (const h of l.http ?? []) {
    for (const r of h.rules) if (r.route.name === name) rules.push(r);
  }
  return rules;
}
const ruleIdsOf = (result: ReturnType<typeof run>, name: string) => rulesOf(result, name).map((r) => r.id);

test('hostile values in route fields: reported naming the field, the rule answers 500 without the value, its neighbour still served', () => {
  const failures: string[] = [];
  for (const [what, evil, field] of ROWS) {
    const result = run([...base, evil]);
    const st = result.statuses.find((s) => s.ref.kind === 'HTTPRoute' && s.ref.name === 'evil');
    const parents = (st?.status.parents ?? []) as { conditions: { type: string; status: string; reason: string; message: string }[] }[];
    const accepted = parents[0]?.conditions.find((c) => c.type === 'Accepted');
    if (accepted?.status !== 'False' || accepted.reason !== 'UnsupportedValue') failures.push(`${what}: Accepted=${accepted?.status} ${accepted?.reason}`);
    else if (field !== '' && !accepted.message.includes(field)) failures.push(`${what}: message does not name ${field}: ${accepted.message}`);
    const evilRules = rulesOf(result, 'evil');
    // Held, not dropped (fail closed), and carrying nothing of the bad value to the data plane.
    if (evilRules.length !== 1 || evilRules[0]!.direct?.status !== 500) failures.push(`${what}: the rule does not answer 500: ${JSON.stringify(evilRules.map((r) => r.direct))}`);
    else if (JSON.stringify(evilRules[0]).includes('\r') || evilRules[0]!.filters.length > 0 || evilRules[0]!.sessionPersistence !== undefined) failures.push(`${what}: the unsafe value reached the table`);
    if (ruleIdsOf(result, 'neighbour').length !== 1) failures.push(`${what}: the neighbour route is not served`);
    if (!result.problems.some((p) => p.ref.name === 'evil' && p.reason === 'UnsupportedValue')) failures.push(`${what}: no problem line for validate`);
  }
  assert.equal(failures, []);
});

test('one invalid rule of several: the route stays Accepted with PartiallyInvalid, the invalid rule answers 500, the others are served', () => {
  const evil = route({});
  (evil.spec as { rules: unknown[] }).rules = [
    { matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: 'v\r\nx-injected: 1' }] } }], backendRefs: [{ name: 'svc', port: 80 }] },
    { backendRefs: [{ name: 'svc', port: 80 }] },
  ];
  const result = run([...base, evil]);
  const st = result.statuses.find((s) => s.ref.kind === 'HTTPRoute' && s.ref.name === 'evil');
  const conds = ((st?.status.parents ?? []) as { conditions: { type: string; status: string; reason: string; message: string }[] }[])[0]!.conditions;
  assert.is(conds.find((c) => c.type === 'Accepted')?.status, 'True');
  const partial = conds.find((c) => c.type === 'PartiallyInvalid');
  assert.is(partial?.status, 'True');
  assert.is(partial?.reason, 'UnsupportedValue');
  assert.match(partial!.message, 'spec.rules[0].filters[0].requestHeaderModifier.set[0].value');
  const rules = rulesOf(result, 'evil');
  assert.equal(rules.map((r) => [r.route.ruleIndex, r.direct?.status ?? 200]).sort(), [[0, 500], [1, 200]]);
  assert.ok(result.problems.some((p) => p.ref.name === 'evil' && p.reason === 'UnsupportedValue'), 'validate reports it');
});

test('fail closed over real sockets: an /admin rule with ExternalAuth and an invalid header value answers 500; its requests never reach the catch-all route', async () => {
  const hits: string[] = [];
  const be = http.createServer((req, res) => { hits.push(req.url!); res.end('backend'); });
  await new Promise<void>((r) => be.listen(0, '127.0.0.1', r));
  const port = (be.address() as AddressInfo).port;
  const objects = [
    ...base.slice(0, 2),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'ns' }, spec: { ports: [{ port: 80, targetPort: port }] } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'svc-1', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'svc' } },
      addressType: 'IPv4', ports: [{ port }], endpoints: [{ addresses: ['127.0.0.1'] }] },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'catch-all', namespace: 'ns' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }] } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'admin', namespace: 'ns' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], filters: [
        { type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', backendRef: { name: 'svc', port: 80 } } },
        { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: 'v\nx-injected: 1' }] } },
      ], backendRefs: [{ name: 'svc', port: 80 }] }] } },
  ];
  const result = run(objects);
  for (const g of result.table.gateways) g.addresses = ['127.0.0.1'];
  const records: AccessRecord[] = [];
  const dp = createDataplane({ observer: { onRequest: (r) => records.push(r) } });
  try {
    const applied = await dp.apply(result.table);
    const gwPort = applied.listening[0]!.boundPort;
    const get = (path: string) => new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: gwPort, path, headers: { host: 'www.example' }, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode!)); }).on('error', reject);
    });
    assert.is(await get('/'), 200, 'the catch-all route serves');
    for (const path of ['/admin', '/admin/x', '/x/../admin', '//admin']) assert.is(await get(path), 500, path);
    assert.equal(hits, ['/'], 'no /admin request reached a backend (neither the auth service nor the catch-all)');
    assert.ok(records.slice(1).every((r) => r.responseFlags?.includes('GW_ERR_RULE_INVALID')));
  } finally {
    await dp.close(0);
    await new Promise<void>((r) => be.close(() => r()));
  }
});

test('valid values in the same fields are accepted (the checks are not too strict)', () => {
  const good = [
    hdr('requestHeaderModifier', 'set', 'X-Request-Id', 'abc def; q=1, "quoted" é'),
    filter({ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'www.example.com', port: 8443, statusCode: 301, path: { type: 'ReplaceFullPath', replaceFullPath: '/new/%2Fpath;v=1' } } }),
    filter({ type: 'URLRewrite', urlRewrite: { hostname: 'backend.internal', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }),
    filter({ type: 'CORS', cors: { allowOrigins: ['*', 'https://*.example.com', 'http://localhost:3000'], allowMethods: ['GET', '*'], allowHeaders: ['*', 'x-custom'], exposeHeaders: ['x-id'], allowCredentials: true, maxAge: 600 } }),
    route({ sessionPersistence: { sessionName: 'portico_session' } }),
  ];
  for (const g of good) {
    const result = run([...base, g]);
    assert.is(ruleIdsOf(result, 'evil').length, 1, JSON.stringify(g));
  }
});

// ---- property-based: translate() never throws and gives every input object a status ----

const name = fc.oneof(fc.constantFrom('gw', 'svc', 'a', 'b', 'evil'), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 8 }));
const anything = fc.anything({ maxDepth: 3, maxKeys: 4 });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, anything as fc.Arbitrary<unknown>);
const hostname = fc.oneof(fc.domain(), fc.constantFrom('*', '*.example.com', 'xn--bcher-kva.example', 'bücher.example', 'a..b', '-x.example', 'EXAMPLE.COM.'), fc.string({ maxLength: 20 }));
const value = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('a\r\nb', '\u0000', '☃', '/x/../y', '%2F'), anything);
const filterArb = fc.record({
  type: fc.oneof(fc.constantFrom('RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'CORS', 'ExternalAuth', 'RequestMirror', 'ExtensionRef'), fc.string()),
  requestHeaderModifier: maybe(fc.record({ set: fc.array(fc.record({ name: value, value }), { maxLength: 3 }), remove: maybe(fc.array(value, { maxLength: 3 })) }, { requiredKeys: [] })),
  responseHeaderModifier: maybe(fc.record({ add: fc.array(fc.record({ name: value, value }), { maxLength: 3 }) }, { requiredKeys: [] })),
  requestRedirect: maybe(fc.record({ hostname: value, scheme: value, port: maybe(fc.integer()), statusCode: maybe(fc.integer()), path: maybe(fc.record({ type: value, replaceFullPath: value, replacePrefixMatch: value }, { requiredKeys: [] })) }, { requiredKeys: [] })),
  urlRewrite: maybe(fc.record({ hostname: value, path: maybe(fc.record({ type: value, replacePrefixMatch: value })) }, { requiredKeys: [] })),
  cors: maybe(fc.record({ allowOrigins: maybe(fc.array(value, { maxLength: 3 })), allowMethods: maybe(fc.array(value, { maxLength: 3 })), maxAge: maybe(fc.integer()) }, { requiredKeys: [] })),
  externalAuth: maybe(fc.record({ protocol: value, backendRef: maybe(fc.record({ name, port: maybe(fc.integer()) })), http: maybe(fc.record({ path: value, allowedHeaders: maybe(fc.array(value, { maxLength: 2 })) }, { requiredKeys: [] })) }, { requiredKeys: [] })),
  requestMirror: maybe(fc.record({ backendRef: maybe(fc.record({ name, port: maybe(fc.integer()), namespace: maybe(name) }, { requiredKeys: [] })), percent: maybe(fc.integer()) }, { requiredKeys: [] })),
  extensionRef: maybe(fc.record({ group: value, kind: value, name })),
}, { requiredKeys: ['type'] });
const parentRef = fc.record({ name, namespace: maybe(name), sectionName: maybe(name), port: maybe(fc.integer()), kind: maybe(fc.constantFrom('Gateway', 'ListenerSet', 'Service')) }, { requiredKeys: ['name'] });
const backendRef = fc.record({ name, namespace: maybe(name), port: maybe(fc.integer({ min: -1, max: 70000 })), weight: maybe(fc.integer()), kind: maybe(fc.constantFrom('Service', 'Backend', 'Pod')), filters: maybe(fc.array(filterArb, { maxLength: 2 })) }, { requiredKeys: ['name'] });
const httpRule = fc.record({
  matches: maybe(fc.array(fc.record({ path: maybe(fc.record({ type: value, value })), headers: maybe(fc.array(fc.record({ name: value, value, type: value }), { maxLength: 2 })), method: value }, { requiredKeys: [] }), { maxLength: 3 })),
  filters: maybe(fc.array(filterArb, { maxLength: 3 })),
  backendRefs: maybe(fc.array(backendRef, { maxLength: 3 })),
  timeouts: maybe(fc.record({ request: value, backendRequest: value }, { requiredKeys: [] })),
  retry: maybe(fc.record({ attempts: maybe(fc.integer()), codes: maybe(fc.array(fc.integer(), { maxLength: 3 })), backoff: value }, { requiredKeys: [] })),
  sessionPersistence: maybe(fc.record({ sessionName: value, type: value, absoluteTimeout: value }, { requiredKeys: [] })),
}, { requiredKeys: [] });
const meta = fc.record({ name, namespace: fc.oneof(fc.constantFrom('ns', 'other'), name), generation: maybe(fc.integer()), creationTimestamp: maybe(fc.constantFrom('2026-01-01T00:00:00Z', 'not a time')) }, { requiredKeys: ['name', 'namespace'] });
const listener = fc.record({ name, port: maybe(fc.integer({ min: -5, max: 70000 })), protocol: fc.oneof(fc.constantFrom('HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP'), fc.string()), hostname: maybe(hostname),
  tls: maybe(fc.record({ mode: value, certificateRefs: maybe(fc.array(fc.record({ name, namespace: maybe(name), kind: maybe(value) }), { maxLength: 2 })) }, { requiredKeys: [] })),
  allowedRoutes: maybe(fc.record({ namespaces: maybe(fc.record({ from: fc.constantFrom('All', 'Same', 'Selector', 'Bogus') })) }, { requiredKeys: [] })) }, { requiredKeys: ['name'] });

const object = fc.oneof(
  fc.record({ apiVersion: fc.constant('gateway.networking.k8s.io/v1'), kind: fc.constant('GatewayClass'), metadata: fc.record({ name }), spec: maybe(fc.record({ controllerName: fc.oneof(fc.constant(CONTROLLER), value) })) }),
  fc.record({ apiVersion: fc.constant('gateway.networking.k8s.io/v1'), kind: fc.constant('Gateway'), metadata: meta, spec: maybe(fc.record({ gatewayClassName: fc.oneof(fc.constant('portico'), name), listeners: maybe(fc.array(listener, { maxLength: 4 })), addresses: maybe(fc.array(fc.record({ type: value, value }), { maxLength: 2 })) }, { requiredKeys: [] })) }),
  fc.record({ apiVersion: fc.constant('gateway.networking.k8s.io/v1'), kind: fc.constant('HTTPRoute'), metadata: meta, spec: maybe(fc.record({ parentRefs: maybe(fc.array(parentRef, { maxLength: 3 })), hostnames: maybe(fc.array(hostname, { maxLength: 3 })), rules: maybe(fc.array(httpRule, { maxLength: 3 })) }, { requiredKeys: [] })) }),
  fc.record({ apiVersion: fc.constant('gateway.networking.k8s.io/v1'), kind: fc.constant('GRPCRoute'), metadata: meta, spec: maybe(fc.record({ parentRefs: maybe(fc.array(parentRef, { maxLength: 2 })), hostnames: maybe(fc.array(hostname, { maxLength: 2 })), rules: maybe(fc.array(fc.record({ backendRefs: maybe(fc.array(backendRef, { maxLength: 2 })), matches: maybe(fc.array(fc.record({ method: maybe(fc.record({ service: value, method: value }, { requiredKeys: [] })) }), { maxLength: 2 })) }, { requiredKeys: [] }), { maxLength: 2 })) }, { requiredKeys: [] })) }),
  fc.record({ apiVersion: fc.constant('gateway.networking.k8s.io/v1'), kind: fc.constantFrom('TLSRoute', 'TCPRoute', 'UDPRoute'), metadata: meta, spec: maybe(fc.record({ parentRefs: maybe(fc.array(parentRef, { maxLength: 2 })), hostnames: maybe(fc.array(hostname, { maxLength: 2 })), rules: maybe(fc.array(fc.record({ backendRefs: maybe(fc.array(backendRef, { maxLength: 2 })) }), { maxLength: 2 })) }, { requiredKeys: [] })) }),
  fc.record({ apiVersion: fc.constant('gateway.networking.k8s.io/v1'), kind: fc.constant('ListenerSet'), metadata: meta, spec: maybe(fc.record({ parentRef: maybe(parentRef), listeners: maybe(fc.array(listener, { maxLength: 3 })) }, { requiredKeys: [] })) }),
  fc.record({ apiVersion: fc.constant('gateway.networking.k8s.io/v1beta1'), kind: fc.constant('ReferenceGrant'), metadata: meta, spec: maybe(fc.record({ from: maybe(fc.array(fc.record({ group: value, kind: value, namespace: name }), { maxLength: 2 })), to: maybe(fc.array(fc.record({ group: value, kind: value, name: maybe(name) }, { requiredKeys: [] }), { maxLength: 2 })) }, { requiredKeys: [] })) }),
  fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Service'), metadata: meta, spec: maybe(fc.record({ ports: maybe(fc.array(fc.record({ port: maybe(fc.integer()), name: maybe(name), appProtocol: maybe(value) }, { requiredKeys: [] }), { maxLength: 2 })) }, { requiredKeys: [] })) }),
  fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Secret'), metadata: meta, type: maybe(fc.constant('kubernetes.io/tls')), data: maybe(fc.record({ 'tls.crt': value, 'tls.key': value }, { requiredKeys: [] })) }),
  anything,
);

const STATUSED = new Set(['GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'ListenerSet']);

// The path every object takes in the gateway: admission (CRD schema and CEL, as the API server or
// the file provider runs it), then translate(). Wrong types are refused at admission with a
// problem; whatever passes must not make translate() throw.
test('fuzz: admission and translate() never throw on random and malformed resources; every object is refused with a problem or gets a status', () => {
  fc.assert(fc.property(fc.array(object, { maxLength: 12 }), (objects) => {
    const admitted: unknown[] = [];
    for (const o of [...base, ...objects]) {
      const problems = validateObject(o);
      if (!problems.some((p) => p.severity === 'error')) admitted.push(o);
    }
    let snapshot: Snapshot;
    try {
      snapshot = fromObjects(admitted).snapshot;
    } catch (err) {
      throw new Error(`fromObjects threw on admitted objects: ${(err as Error).message}`);
    }
    const result = translate(snapshot, { controllerName: CONTROLLER, now: NOW });
    // Routes attached to our Gateway must be answered one way or the other.
    for (const r of snapshot.httpRoutes) {
      const refs = (r.spec?.parentRefs ?? []) as { name?: unknown }[];
      if (!Array.isArray(refs) || !refs.some((p) => p?.name === 'gw')) continue;
      if (typeof r.metadata?.name !== 'string') continue;
      const st = result.statuses.find((s) => s.ref.kind === 'HTTPRoute' && s.ref.name === r.metadata.name && s.ref.namespace === r.metadata.namespace);
      if (st === undefined) throw new Error(`no status for HTTPRoute ${r.metadata.namespace}/${r.metadata.name}`);
    }
    for (const s of result.statuses) if (!STATUSED.has(s.ref.kind)) throw new Error(`status for an unexpected kind ${s.ref.kind}`);
    JSON.stringify(result.table); // the IR stays plain data
  }), { numRuns: fuzzRuns(150), seed: Number(process.env.FUZZ_SEED ?? 20261206) });
});

test.run();
