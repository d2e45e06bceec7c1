// The worker makes equal strings of a decoded table one instance (share-strings.ts). What can be
// checked from JavaScript: the table is unchanged in value and shape, shared objects stay shared,
// and what is not plain data is left alone. The memory it saves is measured, not asserted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serialize, deserialize } from 'node:v8';
import { shareStrings } from '../../gateway/workers/share-strings.ts';

test('a decoded table keeps its value, its shared objects and its non-plain values', () => {
  const policy = { jwt: { issuer: 'https://issuer.example', audiences: ['a', 'b'] } };
  const rules = Array.from({ length: 50 }, (_, i) => ({
    id: `HTTPRoute/bench/r${i}/0/0`, route: { kind: 'HTTPRoute', namespace: 'bench', name: `r${i}` },
    backends: [{ id: 'Service:bench/origin:8080', endpoints: [{ address: '127.0.0.1', port: 8080 }] }],
    policies: { security: policy }, key: new Uint8Array([1, 2, 3]), tags: ['x', 'x', 'y'],
  }));
  const before = { gateways: [{ key: 'bench/gw', listeners: [{ http: [{ hostname: 'h.example', rules }] }] }] };
  const decoded = deserialize(serialize(before)) as typeof before;
  const out = shareStrings(decoded);
  assert.is(out, decoded, 'shared in place');
  assert.equal(out, before);
  const got = out.gateways[0]!.listeners[0]!.http[0]!.rules;
  // v8 serialization preserves object identity within one message; sharing strings must keep it.
  assert.ok(got.every((r) => r.policies.security === got[0]!.policies.security));
  assert.instance(got[0]!.key, Uint8Array);
  assert.equal([...got[0]!.key], [1, 2, 3]);
});

test('cycles, null prototypes and primitives other than strings are handled', () => {
  const a: Record<string, unknown> = Object.assign(Object.create(null), { s: 'v', n: 1, b: true, u: undefined, z: null });
  a.self = a;
  const out = shareStrings({ list: [a, a, 'v', 2] });
  assert.is(out.list[0], a);
  assert.is((out.list[0] as Record<string, unknown>).self, a);
  assert.is((out.list[0] as Record<string, unknown>).s, 'v');
  assert.equal(out.list.slice(2), ['v', 2]);
  assert.is(shareStrings('plain'), 'plain');
  assert.is(shareStrings(undefined), undefined);
});

test.run();
