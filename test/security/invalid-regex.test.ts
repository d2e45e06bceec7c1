// A regular expression re2js cannot compile (HTTPRoute path, header and query-param matches,
// GRPCRoute method and header matches) used to reach the data plane, which threw while building
// the listener's matchers: one tenant's typo took every route of that listener down. The
// translator now reports it (UnsupportedValue, the field named), leaves the match out (a pattern
// that does not compile matches nothing) and makes its rule answer 500 on its other matches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromObjects } from '../../gateway/model/index.ts';
import { translate } from '../../gateway/translator/index.ts';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { HttpRuleIR } from '../../gateway/ir/index.ts';

const CONTROLLER = 'portico.dev/gateway-controller';
const NOW = '2026-01-01T00:00:00Z';
const GW = 'gateway.networking.k8s.io/v1';

const base = (port = 80) => [
  { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: CONTROLLER } },
  { apiVersion: GW, kind: 'Gateway', metadata: { name: 'gw', namespace: 'ns' }, spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'ns' }, spec: { ports: [{ port: 80, targetPort: port }] } },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'svc-1', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'svc' } },
    addressType: 'IPv4', ports: [{ port }], endpoints: [{ addresses: ['127.0.0.1'] }] },
  { apiVersion: GW, kind: 'HTTPRoute', metadata: { name: 'neighbour', namespace: 'ns' },
    spec: { parentRefs: [{ name: 'gw' }], hostnames: ['ok.example'], rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }] } },
];
const httpRoute = (rules: unknown[]) => ({ apiVersion: GW, kind: 'HTTPRoute', metadata: { name: 'evil', namespace: 'ns' },
  spec: { parentRefs: [{ name: 'gw' }], hostnames: ['evil.example'], rules } });
const to = [{ name: 'svc', port: 80 }];

function run(objects: unknown[]) {
  const { snapshot } = fromObjects(objects);
  return translate(snapshot, { controllerName: CONTROLLER, now: NOW });
}
type Cond = { type: string; status: string; reason: string; message: string };
function conditions(result: ReturnType<typeof run>, kind: string, name: string): Cond[] {
  const st = result.statuses.find((s) => s.ref.kind === kind && s.ref.name === name);
  return ((st?.status.parents ?? []) as { conditions: Cond[] }[])[0]?.conditions ?? [];
}
function rulesOf(result: ReturnType<typeof run>, name: string): HttpRuleIR[] {
  const out: HttpRuleIR[] = [];
  for (const g of result.table.gateways) for (const p of g.ports) for (const l of p.listeners) for (const h of l.http ?? []) {
    for (const r of h.rules) if (r.route.name === name) out.push(r);
  }
  return out;
}

// [what, the route's only rule, the field the condition must name]
const ROWS: [string, Record<string, unknown>, string][] = [
  ['an unclosed group in a path', { matches: [{ path: { type: 'RegularExpression', value: '/a(b' } }], backendRefs: to }, 'spec.rules[0].matches[0].path.value'],
  ['a lookahead (not RE2) in a path', { matches: [{ path: { type: 'RegularExpression', value: '/(?=admin).*' } }], backendRefs: to }, 'spec.rules[0].matches[0].path.value'],
  ['a backreference (not RE2) in a header', { matches: [{ headers: [{ type: 'RegularExpression', name: 'x-a', value: '(a)\\1' }] }], backendRefs: to }, 'spec.rules[0].matches[0].headers[0].value'],
  ['a bad repetition in a query param', { matches: [{ queryParams: [{ type: 'RegularExpression', name: 'q', value: '*x' }] }], backendRefs: to }, 'spec.rules[0].matches[0].queryParams[0].value'],
];

test('an HTTPRoute whose only rule has an invalid regex: Accepted=False UnsupportedValue naming the field, nothing of it reaches the table, the neighbour is served', () => {
  const failures: string[] = [];
  for (const [what, rule, field] of ROWS) {
    const result = run([...base(), httpRoute([rule])]);
    const accepted = conditions(result, 'HTTPRoute', 'evil').find((c) => c.type === 'Accepted');
    if (accepted?.status !== 'False' || accepted.reason !== 'UnsupportedValue') failures.push(`${what}: Accepted=${accepted?.status} ${accepted?.reason}`);
    else if (!accepted.message.includes(field) || !accepted.message.includes('RE2')) failures.push(`${what}: message does not name ${field}: ${accepted.message}`);
    if (rulesOf(result, 'evil').length !== 0) failures.push(`${what}: the broken match reached the table`);
    if (rulesOf(result, 'neighbour').length !== 1) failures.push(`${what}: the neighbour is not served`);
    if (!result.problems.some((p) => p.ref.name === 'evil' && p.reason === 'UnsupportedValue')) failures.push(`${what}: no problem line for validate`);
  }
  assert.equal(failures, []);
});

test('an invalid regex in one match of one rule of several: PartiallyInvalid, the broken match is left out, the rule\'s other match answers 500, the other rule is served', () => {
  const result = run([...base(), httpRoute([
    { matches: [{ path: { type: 'RegularExpression', value: '/a(b' } }, { path: { type: 'PathPrefix', value: '/also' } }], backendRefs: to },
    { matches: [{ path: { type: 'RegularExpression', value: '/ok/[0-9]+' } }], backendRefs: to },
  ])]);
  const conds = conditions(result, 'HTTPRoute', 'evil');
  assert.is(conds.find((c) => c.type === 'Accepted')?.status, 'True');
  const partial = conds.find((c) => c.type === 'PartiallyInvalid');
  assert.is(partial?.status, 'True');
  assert.ok(partial!.message.includes('spec.rules[0].matches[0].path.value'), partial!.message);
  const rules = rulesOf(result, 'evil');
  assert.equal(rules.map((r) => [r.route.ruleIndex, r.route.matchIndex, r.direct?.status ?? null]), [[0, 1, 500], [1, 0, null]]);
});

test('GRPCRoute: an invalid method regex is reported on spec.rules[i].matches[j].method and left out', () => {
  const result = run([...base(), { apiVersion: GW, kind: 'GRPCRoute', metadata: { name: 'evil', namespace: 'ns' },
    spec: { parentRefs: [{ name: 'gw' }], hostnames: ['evil.example'], rules: [
      { matches: [{ method: { type: 'RegularExpression', service: 'svc.(Foo', method: 'Get' } }], backendRefs: to },
      { matches: [{ method: { type: 'RegularExpression', service: 'svc\\.Bar', method: 'Get.*' } }], backendRefs: to },
    ] } }]);
  const partial = conditions(result, 'GRPCRoute', 'evil').find((c) => c.type === 'PartiallyInvalid');
  assert.ok(partial?.message.includes('spec.rules[0].matches[0].method'), partial?.message);
  assert.equal(rulesOf(result, 'evil').map((r) => r.route.ruleIndex), [1]);
});

test('over real sockets: the listener with a broken regex route is programmed and serves its other routes', async () => {
  const be = http.createServer((_req, res) => res.end('backend'));
  await new Promise<void>((r) => be.listen(0, '127.0.0.1', r));
  const port = (be.address() as AddressInfo).port;
  const result = run([...base(port), httpRoute([{ matches: [{ path: { type: 'RegularExpression', value: '/a(b' } }], backendRefs: to }])]);
  for (const g of result.table.gateways) g.addresses = ['127.0.0.1'];
  const dp = createDataplane({});
  try {
    const applied = await dp.apply(result.table);
    assert.equal(applied.errors ?? [], []);
    const gwPort = applied.listening[0]!.boundPort;
    const get = (host: string, path: string) => new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: gwPort, path, headers: { host }, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode!)); }).on('error', reject);
    });
    assert.is(await get('ok.example', '/'), 200);
    assert.is(await get('evil.example', '/a(b'), 404);
  } finally {
    await dp.close(0);
    await new Promise<void>((r) => be.close(() => r()));
  }
});

test.run();
