// CRD validation against the vendored CRDs: the generated schemas are current, every CEL rule of
// both channels compiles, and the upstream conformance manifests (valid by construction: the
// upstream suite applies them to real API servers) produce no problem at all.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseManifests } from '../../gateway/model/index.ts';
import { applyDefaults, servedVersions, validateObject } from '../../gateway/translator/schema/index.ts';
import { compileRule } from '../../gateway/translator/schema/cel-rules.ts';
import { allKinds, ruleCounts, standardRules, type Schema, type ValidationRule } from '../../gateway/translator/schema/schemas.ts';
import { buildSchemas, outputPath, serialize } from '../../scripts/gen-schemas.ts';

function rulesOf(schema: unknown, into: ValidationRule[] = []): ValidationRule[] {
  if (Array.isArray(schema)) schema.forEach((s) => rulesOf(s, into));
  else if (schema !== null && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'x-kubernetes-validations') into.push(...(v as ValidationRule[]));
      else if (k !== 'default' && k !== 'enum') rulesOf(v, into);
    }
  }
  return into;
}

test('the committed generated schemas match the vendored CRDs (run npm run gen:schemas)', () => {
  assert.is(readFileSync(outputPath, 'utf8'), serialize(buildSchemas()));
});

test('the standard channel has 108 CEL rules (distinct per CRD, transition rules excluded)', () => {
  assert.is(ruleCounts().standard, 108);
  assert.ok(ruleCounts().experimental > 108);
});

test('every CEL rule and messageExpression of both channels compiles against the Kubernetes CEL env', () => {
  const sources = new Set<string>(standardRules());
  for (const kind of allKinds()) {
    for (const schema of Object.values(kind.versions)) {
      for (const r of rulesOf(schema)) {
        sources.add(r.rule);
        if (r.messageExpression) sources.add(r.messageExpression);
      }
    }
  }
  const failures: string[] = [];
  for (const src of sources) {
    try {
      compileRule(src);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  assert.equal(failures, []);
  assert.ok(sources.size >= 94, `only ${sources.size} rules found`);
});

test('a rule calling an unknown function or variable is refused at compile time, not skipped', () => {
  assert.throws(() => compileRule('self.all(x, x.frobnicate())'), /unsupported function frobnicate/);
  assert.throws(() => compileRule('isHostname(self)'), /unsupported function isHostname/);
  assert.throws(() => compileRule('other.size() > 0'), /unsupported variable other/);
  assert.throws(() => compileRule('self.('), /does not parse/);
});

// The upstream harness substitutes these before applying; the values are what a run would use.
function substitute(text: string): string {
  return text
    .replaceAll('{GATEWAY_CONTROLLER_NAME}', 'portico.dev/gateway-controller')
    .replaceAll('PLACEHOLDER_UNUSABLE_ADDRS', '192.0.2.1')
    .replaceAll('PLACEHOLDER_USABLE_ADDRS', '10.0.0.1');
}

function conformanceObjects(): { source: string; obj: Record<string, unknown> }[] {
  const dir = join(import.meta.dirname, '../conformance/upstream');
  const files = ['base/manifests.yaml', ...readdirSync(join(dir, 'tests')).filter((f) => f.endsWith('.yaml')).sort().map((f) => `tests/${f}`)];
  const out: { source: string; obj: Record<string, unknown> }[] = [];
  for (const f of files) {
    const { objects, errors } = parseManifests(substitute(readFileSync(join(dir, f), 'utf8')), f);
    assert.equal(errors, [], `${f} does not parse`);
    for (const obj of objects) out.push({ source: f, obj: obj as Record<string, unknown> });
  }
  return out;
}

test('the upstream conformance manifests produce zero problems', () => {
  const objects = conformanceObjects();
  const gatewayApi = objects.filter((o) => String(o.obj.apiVersion).startsWith('gateway.networking.'));
  assert.ok(gatewayApi.length > 300, `only ${gatewayApi.length} Gateway API objects`);
  const kinds = new Set(gatewayApi.map((o) => o.obj.kind));
  for (const k of ['Gateway', 'GatewayClass', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'ListenerSet', 'BackendTLSPolicy', 'ReferenceGrant']) {
    assert.ok(kinds.has(k), `no ${k} in the conformance manifests`);
  }
  const found: string[] = [];
  for (const { source, obj } of objects) {
    for (const p of validateObject(obj)) found.push(`${source} ${p.ref.kind}/${p.ref.name} ${p.field}: ${p.message}`);
  }
  assert.equal(found, []);
});

test('every served group/kind/version compiles its validator and validates a minimal object', () => {
  let n = 0;
  for (const kind of allKinds()) {
    for (const version of Object.keys(kind.versions)) {
      const obj = { apiVersion: `${kind.group}/${version}`, kind: kind.kind, metadata: { name: 'x', namespace: 'ns' }, spec: {} };
      const problems = validateObject(obj);
      assert.ok(Array.isArray(problems));
      // An empty spec is never an unserved-version answer.
      assert.not.ok(problems.some((p) => p.field === 'apiVersion'), `${kind.kind} ${version}`);
      n++;
    }
  }
  assert.ok(n >= 20, `only ${n} versions`);
});

test('objects outside the Gateway API groups are not validated', () => {
  assert.equal(validateObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'NOT VALID' }, spec: { bogus: 1 } }), []);
  assert.equal(validateObject('text'), []);
  assert.equal(validateObject(null), []);
});

test('servedVersions lists the served versions of the experimental channel', () => {
  assert.equal(servedVersions('gateway.networking.k8s.io', 'HTTPRoute'), ['v1', 'v1beta1']);
  assert.equal(servedVersions('gateway.networking.k8s.io', 'ReferenceGrant'), ['v1', 'v1beta1']);
  assert.equal(servedVersions('gateway.networking.k8s.io', 'TLSRoute'), ['v1', 'v1alpha2', 'v1alpha3']);
  assert.equal(servedVersions('gateway.networking.x-k8s.io', 'XBackendTrafficPolicy'), ['v1alpha1']);
  assert.equal(servedVersions('gateway.networking.k8s.io', 'Nope'), []);
});

test('an unknown kind or version is refused, naming the served versions', () => {
  const problems = validateObject({ apiVersion: 'gateway.networking.k8s.io/v2', kind: 'GRPCRoute', metadata: { name: 'g', namespace: 'ns' }, spec: {} });
  assert.is(problems.length, 1);
  assert.is(problems[0].field, 'apiVersion');
  assert.is(problems[0].reason, 'Schema');
  assert.is(problems[0].message, 'no matches for kind "GRPCRoute" in version "gateway.networking.k8s.io/v2"');
  assert.is(problems[0].fix, 'GRPCRoute is served at versions: v1');
  assert.equal(problems[0].ref, { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'ns', name: 'g' });
  const unknown = validateObject({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'FooRoute', metadata: { name: 'f' } });
  assert.is(unknown[0].message, 'no matches for kind "FooRoute" in version "gateway.networking.k8s.io/v1"');
});

test('applyDefaults fills CRD defaults recursively and leaves the input untouched', () => {
  const route = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'r', namespace: 'ns' },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }] },
  };
  const before = JSON.stringify(route);
  const out = applyDefaults(route) as any;
  assert.is(JSON.stringify(route), before);
  assert.equal(out.spec.parentRefs[0], { name: 'gw', group: 'gateway.networking.k8s.io', kind: 'Gateway' });
  assert.equal(out.spec.rules[0].matches, [{ path: { type: 'PathPrefix', value: '/' } }]);
  assert.equal(out.spec.rules[0].backendRefs[0], { name: 'svc', port: 80, group: '', kind: 'Service', weight: 1 });
  assert.equal(out.spec.hostnames, undefined);
  const gw = applyDefaults({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g' }, spec: { gatewayClassName: 'c', listeners: [{ name: 'l', port: 443, protocol: 'HTTPS', tls: {} }] } }) as any;
  assert.is(gw.spec.listeners[0].tls.mode, 'Terminate');
  assert.equal(gw.spec.listeners[0].allowedRoutes, { namespaces: { from: 'Same' } });
  // Not a Gateway API object: a copy, nothing added.
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } };
  const copy = applyDefaults(svc);
  assert.equal(copy, svc);
  assert.is.not(copy, svc);
});

test('v1beta1 objects are validated against their own schema', () => {
  const route = (v: string, value: string) => ({
    apiVersion: `gateway.networking.k8s.io/${v}`,
    kind: 'HTTPRoute',
    metadata: { name: 'r', namespace: 'ns' },
    spec: { rules: [{ matches: [{ path: { type: 'Exact', value } }] }] },
  });
  assert.equal(validateObject(route('v1beta1', '/ok')), []);
  assert.is(validateObject(route('v1beta1', 'no-slash'))[0].field, 'spec.rules[0].matches[0].path');
});

test.run();
