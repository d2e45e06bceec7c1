// docs/spec-coverage.md cannot lie or go stale: every CRD field and API condition has a reviewed fact,
// every fact matches something the API defines, names files that exist and tests that occur in them,
// and the committed table is exactly what the generator renders from crds/ and the facts.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { apiConditions, crdFields, factFor, loadFacts, problems, render, TABLE_PATH, type Facts } from '../../scripts/spec-coverage.ts';

const facts = loadFacts();
const fields = crdFields();
const conditions = apiConditions();

test('the CRD field list covers every audited kind, both channels, spec and status', () => {
  const kinds = new Set(fields.map((f) => f.kind));
  for (const k of ['GatewayClass', 'Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'ReferenceGrant', 'BackendTLSPolicy', 'XBackendTrafficPolicy']) assert.ok(kinds.has(k), k);
  const has = (kind: string, path: string) => fields.some((f) => f.kind === kind && f.path === path);
  assert.ok(has('Gateway', 'spec.tls.frontend.perPort[].tls.validation.mode'));
  assert.ok(has('HTTPRoute', 'spec.rules[].backendRefs[].filters[].requestMirror.fraction.numerator'));
  assert.ok(has('HTTPRoute', 'status.parents[].conditions[].reason'));
  assert.equal(fields.find((f) => f.kind === 'HTTPRoute' && f.path === 'spec.rules[].retry')?.channels, ['experimental']);
  assert.ok(conditions.some((c) => c.family === 'Listener' && c.what === 'reason' && c.name === 'InvalidCACertificateKind'));
});

test('every field and condition has a fact; facts name existing files and tests that occur in them', () => {
  assert.equal(problems(facts, fields, conditions), []);
});

test('the committed docs/spec-coverage.md is the fresh render (run npm run spec-coverage)', () => {
  assert.ok(readFileSync(TABLE_PATH, 'utf8') === render(facts, fields, conditions), 'docs/spec-coverage.md is stale: run npm run spec-coverage');
});

test('the checks catch a missing fact, a stale fact, a missing file and a test name not in its file', () => {
  const broken: Facts = structuredClone(facts);
  delete broken.fields.ReferenceGrant['spec.**'];
  broken.fields.ReferenceGrant['spec.nonexistent'] = { status: 'implemented', impl: ['gateway/translator/no-such-file.ts'], tests: ['test/translator/hostnames.test.ts: no such test name'] };
  const p = problems(broken, fields, conditions);
  assert.ok(p.some((x) => x.startsWith('ReferenceGrant spec.from[].group: no fact')), 'missing fact');
  assert.ok(p.some((x) => x.includes('spec.nonexistent"]: matches no CRD field')), 'stale fact');
  assert.ok(p.some((x) => x.includes('no-such-file.ts does not exist')), 'missing file');
  assert.ok(p.some((x) => x.includes('"no such test name" does not occur')), 'missing test name');
  const pending = structuredClone(facts);
  pending.fields.ReferenceGrant['spec.**'].tests = ['test/conformance/cases-pending/X.json'];
  assert.ok(problems(pending, fields, conditions).some((x) => x.includes('not a conformance case CI runs')));
});

test('a subtree fact covers descendants and list items; an exact fact wins', () => {
  assert.is(factFor(facts, 'ReferenceGrant', 'spec.from[].namespace')?.key, 'spec.**');
  assert.is(factFor(facts, 'Gateway', 'spec.listeners[].tls.mode')?.key, 'spec.listeners[].tls.mode');
  assert.is(factFor(facts, 'Gateway', 'spec.listeners[].tls.certificateRefs[].name')?.key, 'spec.listeners[].tls.certificateRefs.**');
});

test.run();
