import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HostIndexMatcher, HostTable, LinearMatcher, type RuleMatcher } from '../../gateway/dataplane/match/index.ts';
import type { HttpRuleIR } from '../../gateway/ir/index.ts';
import { cases, req, rule } from './matcher.cases.ts';

const kinds: [string, (r: HttpRuleIR[]) => RuleMatcher][] = [
  ['LinearMatcher', (r) => new LinearMatcher(r)],
  ['HostIndexMatcher', (r) => new HostIndexMatcher(r)],
];

for (const [kind, make] of kinds) {
  for (const c of cases) {
    test(`${kind}: ${c.name}`, () => {
      const m = make(c.rules);
      for (const [r, want] of c.expect) {
        const i = m.match({ ...r, parsedQuery: undefined });
        assert.is(i < 0 ? undefined : c.rules[i]!.id, want, `${r.method} ${r.path}${r.query} ${JSON.stringify(r.headers)}`);
      }
    });
  }
}

test('HostTable: exact, then longest wildcard, then any; no fall-through', () => {
  const t = new HostTable<string>([
    ['a.example.com', 'exact'],
    ['*.foo.example.com', 'foo-wild'],
    ['*.example.com', 'wild'],
    [undefined, 'any'],
  ]);
  assert.is(t.lookup('a.example.com'), 'exact');
  assert.is(t.lookup('b.example.com'), 'wild');
  assert.is(t.lookup('x.y.example.com'), 'wild');
  assert.is(t.lookup('b.foo.example.com'), 'foo-wild');
  assert.is(t.lookup('a.b.foo.example.com'), 'foo-wild');
  assert.is(t.lookup('example.com'), 'any');
  assert.is(t.lookup('other.org'), 'any');
  const noAny = new HostTable<string>([['*.example.com', 'wild']]);
  assert.is(noAny.lookup('example.com'), undefined);
  assert.is(noAny.lookup('q.example.com'), 'wild');
});

test('random tables: HostIndexMatcher agrees with LinearMatcher', () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const segs = ['a', 'b', 'c', 'ab'];
  const path = () => '/' + Array.from({ length: rnd(4) }, () => segs[rnd(segs.length)]).join('/') + (rnd(5) === 0 ? '/' : '');
  for (let round = 0; round < 30; round++) {
    const rules = Array.from({ length: 20 }, (_, i) => {
      const k = rnd(3);
      const p = path();
      return rule(`r${i}`, {
        path: k === 0 ? { type: 'Exact', value: p } : k === 1 ? { type: 'PathPrefix', value: p } : { type: 'RegularExpression', value: p + '.*' },
        method: rnd(4) === 0 ? 'POST' : undefined,
        headers: rnd(4) === 0 ? [{ name: 'h', type: 'Exact', value: 'v' }] : [],
      });
    });
    const lin = new LinearMatcher(rules);
    const idx = new HostIndexMatcher(rules);
    for (let j = 0; j < 50; j++) {
      const r = req(path(), { method: rnd(2) ? 'POST' : 'GET', headers: rnd(2) ? { h: 'v' } : {} });
      assert.is(idx.match(r), lin.match(r), `${r.method} ${r.path} ${JSON.stringify(r.headers)}`);
    }
  }
});

test('10,000 routes: compiles fast and matches the right rule', () => {
  const rules: HttpRuleIR[] = [];
  for (let i = 0; i < 5000; i++) rules.push(rule(`e${i}`, { path: { type: 'Exact', value: `/svc${i}/exact` } }));
  for (let i = 0; i < 5000; i++) rules.push(rule(`p${i}`, { path: { type: 'PathPrefix', value: `/svc${i}` } }));
  const t0 = performance.now();
  const idx = new HostIndexMatcher(rules);
  const lin = new LinearMatcher(rules);
  const compileMs = performance.now() - t0;
  assert.ok(compileMs < 2000, `compile took ${compileMs} ms`);
  for (const i of [0, 1, 4999, 1234]) {
    assert.is(rules[idx.match(req(`/svc${i}/exact`))]!.id, `e${i}`);
    assert.is(rules[idx.match(req(`/svc${i}/other`))]!.id, `p${i}`);
    assert.is(idx.match(req(`/svc${i}x`)), -1);
    assert.is(idx.match(req(`/svc${i}/exact`)), lin.match(req(`/svc${i}/exact`)));
  }
  // Flat cost: the index does not scan; a lookup must be far cheaper than the linear scan.
  const n = 20000;
  const r = req('/svc4999/deep/path');
  let t = performance.now();
  for (let k = 0; k < n; k++) idx.match(r);
  const idxUs = ((performance.now() - t) * 1000) / n;
  t = performance.now();
  for (let k = 0; k < 200; k++) lin.match(r);
  const linUs = ((performance.now() - t) * 1000) / 200;
  assert.ok(idxUs < 5, `index match ${idxUs.toFixed(2)} µs`);
  assert.ok(idxUs * 10 < linUs, `index ${idxUs} µs vs linear ${linUs} µs`);
});

test.run();
