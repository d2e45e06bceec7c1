// The Kubernetes CEL environment and the rule walker: extension functions, RE2 regexes in linear
// time, field-name escaping, messageExpression, fieldPath and transition rules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileRule } from '../../gateway/translator/schema/cel-rules.ts';
import { walk, type WalkProblem } from '../../gateway/translator/schema/cel-walk.ts';
import type { Schema } from '../../gateway/translator/schema/schemas.ts';
import { structuralProblems } from '../../gateway/translator/schema/structural.ts';
import { validateObject } from '../../gateway/translator/schema/index.ts';
import * as c from './schema-cases.ts';

const run = (rule: string, self: unknown) => compileRule(rule).run({ self: self as never });

test('isIP / isCIDR / isURL follow Go parsing', () => {
  for (const ip of ['10.0.0.1', '255.255.255.255', '::1', '2001:db8::8a2e:370:7334', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8']) assert.is(run('isIP(self)', ip), true, ip);
  for (const ip of ['10.0.0.256', '010.0.0.1', '1.2.3', 'example.com', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', '1::2::3', '']) assert.is(run('isIP(self)', ip), false, ip);
  assert.is(run('isCIDR(self)', '10.0.0.0/8'), true);
  assert.is(run('isCIDR(self)', '2001:db8::/129'), false);
  assert.is(run('isCIDR(self)', '10.0.0.0'), false);
  assert.is(run('isURL(self)', 'https://example.com/x'), true);
  assert.is(run('isURL(self)', '/just/a/path'), true);
  assert.is(run('isURL(self)', 'not a url'), false);
});

test('format.<name>().validate() returns null when valid, else the errors', () => {
  assert.is(run('format.dns1123Label().validate(self) == null', 'ok-label'), true);
  assert.is(run('format.dns1123Label().validate(self) == null', 'Not_OK'), false);
  assert.is(run('format.dns1123Label().validate(self).size() > 0', 'x'.repeat(64)), true);
  assert.is(run('format.dns1123Subdomain().validate(self) == null', 'a.b-c.d'), true);
  assert.is(run('format.qualifiedName().validate(self) == null', 'example.com/my_name'), true);
  assert.is(run('format.qualifiedName().validate(self) == null', '-bad'), false);
});

test('string extensions used by the rules', () => {
  assert.is(run("self.split('/')[0].size() < 5", 'abc/def'), true);
  assert.is(run("self.substring(2).startsWith('ab')", '*.abc'), true);
  assert.is(run("self.lowerAscii() == 'abc'", 'AbC'), true);
  assert.is(run("self.indexOf('c')", 'abc'), 2n);
  assert.is(run("self.filter(x, x > 1).size() == 2 && self.exists_one(x, x == 1) && self.all(x, x > 0)", [1n, 2n, 3n]), true);
});

test('matches runs on RE2: a catastrophic-backtracking pattern stays linear', () => {
  const input = 'a'.repeat(50_000) + '!';
  const start = performance.now();
  assert.is(run("self.matches('^(a+)+$')", input), false);
  // A backtracking engine would never finish this input; RE2 takes milliseconds. The bound only
  // tells the two apart (it is not a speed target), so it is generous for a busy machine.
  assert.ok(performance.now() - start < 10_000, 'regex took too long');
  assert.is(run("self.matches('^(?i)[a-z]+$')", 'MiXeD'), true);
  assert.is(run("self.matches('b')", 'abc'), true, 'matches is a search, not a full match');
});

test('schema patterns run on RE2 too (a backtracking engine needs hours here, RE2 microseconds)', () => {
  const input = 'a'.repeat(40) + '!';
  const start = performance.now();
  const problems = structuralProblems('test/redos', { type: 'string', pattern: '^(a+)+$' }, input);
  // 2^40 steps for a backtracking engine: the generous bound only tells the two apart.
  assert.ok(performance.now() - start < 10_000, 'pattern matching backtracked');
  assert.equal(problems.map((p) => p.message), [`Invalid value: "${input}": should match '^(a+)+$'`]);
  assert.equal(structuralProblems('test/redos', { type: 'string', pattern: '^(a+)+$' }, 'aaa'), []);
});

test('the CEL keyword "namespace" is reached as __namespace__', () => {
  // Same name, different namespaces: two different parents, so no sectionName is needed.
  const ok = c.httpRoute({ parentRefs: [{ name: 'gw', namespace: 'a' }, { name: 'gw', namespace: 'b', sectionName: 'http' }] });
  assert.equal(validateObject(ok), []);
  const bad = c.httpRoute({ parentRefs: [{ name: 'gw', namespace: 'a' }, { name: 'gw', namespace: 'a', sectionName: 'http' }] });
  assert.equal(validateObject(bad).map((p) => p.field), ['spec.parentRefs']);
});

test('walk honours messageExpression, fieldPath, and skips transition rules', () => {
  const schema: Schema = {
    type: 'object',
    properties: { spec: { type: 'object', properties: { min: { type: 'integer' }, max: { type: 'integer' } } } },
    'x-kubernetes-validations': [
      { rule: 'self.spec.min <= self.spec.max', messageExpression: "'min ' + string(self.spec.min) + ' exceeds max ' + string(self.spec.max)", fieldPath: '.spec.min' },
      { rule: 'self == oldSelf', message: 'immutable' },
      { rule: 'self.spec.max < 100' },
    ],
  };
  const out: WalkProblem[] = [];
  walk({ spec: { min: 5, max: 200 } }, schema, '', [], out);
  walk({ spec: { min: 500, max: 20 } }, schema, '', [], out);
  assert.equal(out, [
    { field: '', reason: 'CEL', message: 'failed rule: self.spec.max < 100' },
    { field: 'spec.min', reason: 'CEL', message: 'min 500 exceeds max 20' },
  ]);
});

test('integers are CEL ints: comparisons with int literals and size() work', () => {
  const schema: Schema = { type: 'object', properties: { n: { type: 'integer' }, xs: { type: 'array', items: { type: 'string' } } }, 'x-kubernetes-validations': [{ rule: 'self.n == size(self.xs) && self.n + 1 == 3', message: 'n must equal the number of xs' }] };
  const out: WalkProblem[] = [];
  walk({ n: 2, xs: ['a', 'b'] }, schema, 'spec', [], out);
  assert.equal(out, []);
  walk({ n: 3, xs: ['a'] }, schema, 'spec', [], out);
  assert.equal(out, [{ field: 'spec', reason: 'CEL', message: 'n must equal the number of xs' }]);
});

test.run();
