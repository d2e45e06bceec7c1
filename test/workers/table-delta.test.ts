// The worker transport ships only what changed: parts of the table that are the same objects as
// in the table a worker holds travel as references, and the worker rebuilds the whole table from
// its own objects. Sizes are counted in bytes of the serialized message, as the transport sends it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serialize, deserialize } from 'node:v8';
import type { RoutingTable, ListenerIR } from '../../gateway/ir/index.ts';
import type { HttpHostIR } from '../../gateway/ir/http.ts';
import { decodeTable, encodeTable, type TableDelta } from '../../gateway/workers/table-delta.ts';

/** A table of `routes` HTTP rules over `hosts` host buckets on one HTTP listener, plus a TCP port. */
function table(routes: number, hosts: number): RoutingTable {
  const buckets: HttpHostIR[] = Array.from({ length: hosts }, (_, h) => ({ hostname: `h${h}.example.com`, rules: [] }));
  for (let i = 0; i < routes; i++) {
    buckets[i % hosts].rules.push({
      id: `HTTPRoute/bench/r${i}/0/0`, route: { kind: 'HTTPRoute', namespace: 'bench', name: `r${i}`, ruleIndex: 0, matchIndex: 0 },
      match: { path: { type: 'PathPrefix', value: `/p/${i}` } }, filters: [],
      backends: [{ name: `Service:bench/s${i}:80`, weight: 1, endpoints: [{ address: '127.0.0.1', port: 8080 }] }],
    } as unknown as HttpHostIR['rules'][number]);
  }
  const http: ListenerIR = { id: 'bench/gw/http', source: { kind: 'Gateway', namespace: 'bench', name: 'gw', sectionName: 'http' }, protocol: 'HTTP', http: buckets };
  const tcp: ListenerIR = { id: 'bench/gw/tcp', source: { kind: 'Gateway', namespace: 'bench', name: 'gw', sectionName: 'tcp' }, protocol: 'TCP', l4: [] };
  return { gateways: [{ key: 'bench/gw', namespace: 'bench', name: 'gw', addresses: ['127.0.0.1'], ports: [
    { port: 80, transport: 'tcp', listeners: [http] }, { port: 9000, transport: 'tcp', listeners: [tcp] },
  ] }] };
}

/** `t` with one host bucket replaced by a new object (one route changed); every other part kept identical. */
function changeOneRoute(t: RoutingTable, host: number): RoutingTable {
  const [gw] = t.gateways;
  const [httpPort, tcpPort] = gw.ports;
  const [l] = httpPort.listeners;
  const http = l.http!.map((b, i) => (i === host ? { ...b, rules: b.rules.map((r, j) => (j === 0 ? { ...r, match: { path: { type: 'PathPrefix', value: '/changed' } } } : r)) } as HttpHostIR : b));
  return { gateways: [{ ...gw, ports: [{ ...httpPort, listeners: [{ ...l, http }] }, tcpPort] }] };
}

const roundTrip = (d: TableDelta) => deserialize(serialize(d)) as TableDelta;

test('a worker with nothing gets the whole table', () => {
  const t = table(10, 2);
  const d = encodeTable(undefined, t);
  assert.is(d.mode, 'full');
  assert.equal(decodeTable(undefined, roundTrip(d)), t);
});

test('a one-route change of a 10,000-route table ships one host bucket, not the table: bytes counted', () => {
  const before = table(10_000, 1_000);
  const after = changeOneRoute(before, 7);
  const fullBytes = serialize(encodeTable(undefined, after)).byteLength;
  const delta = encodeTable(before, after);
  const deltaBytes = serialize(delta).byteLength;
  assert.is(delta.mode, 'delta');
  // 1,000 buckets of 10 routes: the changed bucket is about 1/1000 of the table; the references
  // to the 999 others cost some bytes each.
  assert.ok(deltaBytes * 20 < fullBytes, `delta ${deltaBytes} B, full ${fullBytes} B`);
  // The worker rebuilds exactly the new table, from its own objects where they did not change.
  const held = deserialize(serialize(encodeTable(undefined, before))) as RoutingTable;
  const rebuilt = decodeTable(held, roundTrip(delta));
  assert.equal(rebuilt, after);
  const heldBuckets = held.gateways[0].ports[0].listeners[0].http!;
  const rebuiltBuckets = rebuilt.gateways[0].ports[0].listeners[0].http!;
  assert.ok(rebuiltBuckets[6] === heldBuckets[6] && rebuiltBuckets[8] === heldBuckets[8], 'unchanged buckets are the worker\'s own objects');
  assert.ok(rebuiltBuckets[7] !== heldBuckets[7], 'the changed bucket is new');
  assert.ok(rebuilt.gateways[0].ports[1] === held.gateways[0].ports[1], 'an unchanged port is the worker\'s own object');
});

test('without object identity (every part a new object) the whole table is shipped', () => {
  const before = table(100, 10);
  const after = structuredClone(before);
  const d = encodeTable(before, after);
  assert.is(d.mode, 'full');
  assert.equal(decodeTable(before, roundTrip(d)), after);
});

test('a delta that refers to a part the worker does not hold is refused, not half-applied', () => {
  const before = table(10, 2);
  const after = changeOneRoute(before, 0);
  const d = roundTrip(encodeTable(before, after));
  assert.throws(() => decodeTable(table(10, 1), d), /does not hold/);
  assert.throws(() => decodeTable(undefined, d), /does not hold/);
});
test.run();
