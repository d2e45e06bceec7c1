import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HostIndexMatcher, HostTable, LinearMatcher, type RuleMatcher } from '../../gateway/dataplane/match/index.ts';
import { regexSegmentPrefix } from '../../gateway/dataplane/match/host-index.ts';
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

test('regexSegmentPrefix: the segment prefix every matched path starts with, or none', () => {
  const cases: [string, string | undefined][] = [
    ['/re/6/[0-9]+', '/re/6'], ['/a/b+', '/a'], ['/a/b?c', '/a'], ['/a/bc{2}', '/a'], ['/a/b*', '/a'],
    ['/v[0-9]+/items', undefined], ['/n[0-9]+', undefined], ['(?i)/up/.*', undefined], ['/p/1|/q/2', undefined],
    ['^/a/b/.*', undefined], ['/a\\.b/c', undefined], ['/a/b/c', '/a/b'], ['.*', undefined],
  ];
  for (const [pattern, want] of cases) assert.is(regexSegmentPrefix(pattern), want, pattern);
});

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

// Speed (a flat cost from 10 to 10,000 routes) is measured by `npm run bench` (the matcher
// section), not asserted here: a timed assertion fails on a busy machine and proves nothing.
test('10,000 routes: the index picks the same rule as the linear reference', () => {
  const rules: HttpRuleIR[] = [];
  for (let i = 0; i < 5000; i++) rules.push(rule(`e${i}`, { path: { type: 'Exact', value: `/svc${i}/exact` } }));
  for (let i = 0; i < 5000; i++) rules.push(rule(`p${i}`, { path: { type: 'PathPrefix', value: `/svc${i}` } }));
  for (let i = 0; i < 500; i++) rules.push(rule(`r${i}`, { path: { type: 'RegularExpression', value: `/re${i}/[0-9]+` } }));
  const idx = new HostIndexMatcher(rules);
  const lin = new LinearMatcher(rules);
  for (const i of [0, 1, 499, 4999, 1234]) {
    assert.is(rules[idx.match(req(`/svc${i}/exact`))]!.id, `e${i}`);
    assert.is(rules[idx.match(req(`/svc${i}/other`))]!.id, `p${i}`);
    assert.is(idx.match(req(`/svc${i}x`)), -1);
    for (const path of [`/svc${i}/exact`, `/re${i % 500}/42`, `/re${i % 500}/x`, `/re${i % 500}`]) {
      assert.is(idx.match(req(path)), lin.match(req(path)), path);
    }
  }
});

test.run();
