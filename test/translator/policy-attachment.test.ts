// The generic GEP-713 attachment module with SecurityPolicy: inheritance Gateway → listener →
// route → rule (most specific wins per section), disable, conflicts at one target (older wins),
// TargetNotFound, misplaced sections, fail-closed on an invalid section, status per ancestor; the
// effective policy is plain data on each rule (the request path never walks scopes); the CRD is
// generated from the TypeScript types and validated like the Gateway API CRDs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { HttpRuleIR, RoutingTable } from '../../gateway/ir/index.ts';
import { validateObject } from '../../gateway/translator/schema/index.ts';
import { buildPolicyCrds, crdDir } from '../../scripts/gen-policy-crds.ts';
import { buildSchemas, outputPath } from '../../scripts/gen-schemas.ts';
import { translateCase } from './golden.test.ts';

const s = suite('policy attachment (GEP-713)');

function rulesOf(table: RoutingTable, listenerId: string): HttpRuleIR[] {
  for (const g of table.gateways) for (const p of g.ports) for (const l of p.listeners) if (l.id === listenerId) return l.http!.flatMap((h) => h.rules);
  throw new Error(`no listener ${listenerId}`);
}
const rule = (table: RoutingTable, listener: string, id: string) => {
  const r = rulesOf(table, listener).find((x) => x.id === id);
  if (!r) throw new Error(`no rule ${id} on ${listener}`);
  return r;
};
const statusOf = (statuses: any[], name: string) => statuses.find((x) => x.ref.kind === 'SecurityPolicy' && x.ref.name === name)?.status.ancestors;

const result = translateCase('securitypolicy-inheritance');

s('Gateway-level sections reach every rule on every listener', () => {
  const r = rule(result.table, 'infra/gw/http', 'HTTPRoute/infra/app/1/0');
  assert.is(r.policies?.security?.sources.jwt, 'SecurityPolicy/infra/gateway-jwt@Gateway');
  assert.is(r.policies?.security?.jwt?.providers[0].issuer, 'https://issuer.example.com');
  assert.is(r.policies?.security?.authorization?.defaultAction, 'Allow');
});

s('a listener-level section overrides the Gateway one on that listener only; others stay inherited', () => {
  const admin = rule(result.table, 'infra/gw/admin', 'HTTPRoute/infra/app/1/0').policies!.security!;
  assert.is(admin.sources.authorization, 'SecurityPolicy/infra/admin-listener@Listener');
  assert.is(admin.authorization!.defaultAction, 'Deny');
  assert.equal(admin.authorization!.rules[0].clientCidrs, ['127.0.0.0/8', '::1/128']);
  assert.is(admin.sources.jwt, 'SecurityPolicy/infra/gateway-jwt@Gateway');
  const http = rule(result.table, 'infra/gw/http', 'HTTPRoute/infra/app/1/0').policies!.security!;
  assert.is(http.sources.authorization, 'SecurityPolicy/infra/gateway-jwt@Gateway');
});

s('disable at route level turns off the inherited jwt section and keeps the rest', () => {
  const pub = rule(result.table, 'infra/gw/http', 'HTTPRoute/infra/public/0/0').policies!.security!;
  assert.is(pub.jwt, undefined);
  assert.is(pub.sources.jwt, undefined);
  assert.is(pub.sources.authorization, 'SecurityPolicy/infra/gateway-jwt@Gateway');
});

s('a rule-level section (sectionName = rule name) applies to that rule only', () => {
  const api = rule(result.table, 'infra/gw/http', 'HTTPRoute/infra/app/0/0').policies!.security!;
  assert.is(api.sources.basicAuth, 'SecurityPolicy/infra/api-rule-basic@Rule');
  assert.is(api.basicAuth!.users[0].user, 'alice');
  assert.is(api.basicAuth!.forwardUsernameHeader, 'x-user');
  const other = rule(result.table, 'infra/gw/http', 'HTTPRoute/infra/app/1/0').policies!.security!;
  assert.is(other.basicAuth, undefined);
});

s('two policies setting one section at one target: the older wins, the newer is Conflicted', () => {
  const r = rule(result.table, 'infra/gw/http', 'HTTPRoute/infra/app/1/0').policies!.security!;
  assert.is(r.sources.apiKeyAuth, 'SecurityPolicy/infra/route-keys-older@Route');
  assert.equal(r.apiKeyAuth!.extract.headers, ['x-api-key']);
  const newer = statusOf(result.statuses, 'route-keys-newer');
  assert.is(newer.length, 1);
  assert.equal(newer[0].ancestorRef, { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'gw' });
  assert.is(newer[0].controllerName, 'portico.dev/gateway-controller');
  assert.equal([newer[0].conditions[0].type, newer[0].conditions[0].status, newer[0].conditions[0].reason], ['Accepted', 'False', 'Conflicted']);
  assert.is(statusOf(result.statuses, 'route-keys-older')[0].conditions[0].reason, 'Accepted');
});

s('targets that do not exist: TargetNotFound (a missing route is its own ancestor; a missing rule reports on the Gateway)', () => {
  const a = statusOf(result.statuses, 'missing-targets');
  const byKind = Object.fromEntries(a.map((x: any) => [x.ancestorRef.kind, x.conditions[0].reason]));
  assert.equal(byKind, { Gateway: 'TargetNotFound', HTTPRoute: 'TargetNotFound' });
  assert.ok(result.problems.some((p) => p.ref.name === 'missing-targets' && p.field === 'spec.targetRefs[1]' && p.fix));
});

s('extAuth at route scope is Invalid and not applied', () => {
  const a = statusOf(result.statuses, 'route-extauth');
  assert.is(a[0].conditions[0].reason, 'Invalid');
  const pub = rule(result.table, 'infra/gw/http', 'HTTPRoute/infra/public/0/0').policies!.security!;
  assert.is(pub.extAuth, undefined);
});

s('an invalid section fails closed: the rule answers 500 and the policy says why and how to fix it', () => {
  const r = rule(result.table, 'infra/gw/http', 'HTTPRoute/infra/broken/0/0');
  assert.equal(r.direct, { status: 500, reason: 'InvalidSecurityPolicy' });
  const p = result.problems.find((x) => x.ref.name === 'broken-secret')!;
  assert.is(p.field, 'spec.basicAuth.users');
  assert.match(p.message, 'Secret infra/does-not-exist does not exist');
  assert.match(p.fix!, 'create Secret infra/does-not-exist');
});

const invalid = translateCase('policy-invalid-inheritance');
const ancestorsOf = (kind: string, name: string): any[] => (invalid.statuses as any[]).find((x) => x.ref.kind === kind && x.ref.name === name)?.status.ancestors;

s('an invalid TrafficPolicy section at a more specific level is as if unset: the Gateway\'s valid section keeps applying', () => {
  const main = rule(invalid.table, 'infra/gw/http', 'HTTPRoute/infra/limited/0/0');
  assert.is(main.direct, undefined, 'the route keeps serving');
  const t = main.policies!.traffic!;
  assert.is(t.sources!.rateLimit, 'TrafficPolicy/infra/gateway-limit@Gateway');
  assert.is(t.rateLimit!.id, 'TrafficPolicy/infra/gateway-limit');
  assert.equal(t.rateLimit!.local![0]!.requests, 100);
  // The broken policy's valid section still applies; its invalid one is reported.
  assert.is(t.sources!.requestBody, 'TrafficPolicy/infra/route-limit-broken@Route');
  const a = ancestorsOf('TrafficPolicy', 'route-limit-broken');
  assert.equal([a[0].conditions[0].status, a[0].conditions[0].reason], ['False', 'Invalid']);
  assert.match(a[0].conditions[0].message, 'spec.rateLimit.local.rules[0].selectors[0].name');
  assert.match(a[0].conditions[0].message, 'keep what they inherit');
  assert.is(ancestorsOf('TrafficPolicy', 'gateway-limit')[0].conditions[0].reason, 'Accepted');
  // A valid rule-level section replaces both.
  const fixed = rule(invalid.table, 'infra/gw/http', 'HTTPRoute/infra/limited/1/0').policies!.traffic!;
  assert.is(fixed.sources!.rateLimit, 'TrafficPolicy/infra/rule-limit@Rule');
});

s('an invalid SecurityPolicy section at a more specific level fails closed even over a valid inherited one; a valid more specific one replaces it', () => {
  const main = rule(invalid.table, 'infra/gw/http', 'HTTPRoute/infra/secured/0/0');
  assert.equal(main.direct, { status: 500, reason: 'InvalidSecurityPolicy' });
  assert.is(main.policies!.security!.sources.jwt, 'SecurityPolicy/infra/route-jwt-broken@Route');
  assert.is(main.policies!.security!.jwt, undefined);
  const a = ancestorsOf('SecurityPolicy', 'route-jwt-broken');
  assert.equal([a[0].conditions[0].status, a[0].conditions[0].reason], ['False', 'Invalid']);
  assert.match(a[0].conditions[0].message, 'answer 500 until it is fixed');
  const fixed = rule(invalid.table, 'infra/gw/http', 'HTTPRoute/infra/secured/1/0');
  assert.is(fixed.direct, undefined);
  assert.is(fixed.policies!.security!.sources.jwt, 'SecurityPolicy/infra/rule-jwt@Rule');
  assert.equal(fixed.policies!.security!.jwt!.providers[0]!.audiences, ['admin']);
});

s('the effective policies are plain structured-cloneable data, shared between rules with equal inputs', () => {
  assert.equal(structuredClone(result.table), result.table);
  const a = rule(result.table, 'infra/gw/http', 'HTTPRoute/infra/app/1/0').policies!.security;
  const b = rulesOf(result.table, 'infra/gw/http').filter((x) => x.id === 'HTTPRoute/infra/app/1/0');
  assert.ok(b.every((x) => x.policies!.security === a));
});

s('rules without any policy keep their IR untouched (no policies key)', () => {
  const t = translateCase('backendtlspolicy-conflict').table;
  for (const g of t.gateways) for (const p of g.ports) for (const l of p.listeners) for (const h of l.http ?? []) for (const r of h.rules) assert.is(r.policies, undefined);
});

s('the CRD in crds/portico is generated from the TypeScript types and is fresh', () => {
  for (const [file, text] of buildPolicyCrds()) assert.fixture(readFileSync(join(crdDir, file), 'utf8'), text, `${file} is stale: npm run gen:policy-crds`);
  assert.fixture(readFileSync(outputPath, 'utf8'), JSON.stringify(buildSchemas(), null, 1) + '\n', 'crd-schemas.generated.json is stale: npm run gen:schemas');
});

s('schema validation covers SecurityPolicy', () => {
  const base = { apiVersion: 'policy.portico.dev/v1alpha1', kind: 'SecurityPolicy', metadata: { name: 'p', namespace: 'n' } };
  assert.equal(validateObject({ ...base, spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }], disable: ['jwt'] } }), []);
  const bad = validateObject({ ...base, spec: { targetRefs: [], disable: ['nope'], jwt: { providers: [{ name: 'Bad Name', jwks: {} }] } } });
  const fields = bad.map((p) => p.field).sort();
  assert.ok(fields.includes('spec.targetRefs'), JSON.stringify(bad));
  assert.ok(fields.includes('spec.disable[0]'), JSON.stringify(bad));
  assert.ok(fields.includes('spec.jwt.providers[0].name'), JSON.stringify(bad));
});

s.run();
