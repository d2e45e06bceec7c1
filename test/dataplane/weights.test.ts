// Weighted backend choice and endpoint round-robin, through real requests.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createUpstreams, createWeightedPicker, pickEndpoint } from '../../gateway/dataplane/upstream/index.ts';
import { serveHandler } from '../helpers/exchange.ts';
import { backend, get, noHooks, rule, startBackend } from './upstream-fixtures.ts';

const ups = createUpstreams();
test.after(() => ups.close());

test('70/30/0 over 500 requests stays within ±5 % and never picks weight 0', async () => {
  const bes = await Promise.all([startBackend(), startBackend(), startBackend()]);
  const r = rule([
    backend('v1', [bes[0]!.port], { weight: 70 }),
    backend('v2', [bes[1]!.port], { weight: 30 }),
    backend('v3', [bes[2]!.port], { weight: 0 }),
  ]);
  const gw = await serveHandler(ups.compileRule(r, noHooks));
  try {
    const counts = [0, 0, 0];
    // 10 in flight, as upstream's check does.
    for (let batch = 0; batch < 50; batch++) {
      const got = await Promise.all(Array.from({ length: 10 }, () => get(gw.port, '/')));
      for (const g of got) counts[bes.findIndex((b) => b.port === JSON.parse(g.body).port)]!++;
    }
    assert.ok(Math.abs(counts[0]! / 500 - 0.7) <= 0.05, `v1 ${counts[0]}`);
    assert.ok(Math.abs(counts[1]! / 500 - 0.3) <= 0.05, `v2 ${counts[1]}`);
    assert.is(counts[2], 0);
  } finally {
    await gw.close();
    await Promise.all(bes.map((b) => b.close()));
  }
});

test('smooth weighted picker interleaves and is exact over a cycle', () => {
  const pick = createWeightedPicker([backend('a', [1], { weight: 2 }), backend('b', [1], { weight: 1 }), backend('c', [1], { weight: 0 })]);
  const seq = Array.from({ length: 6 }, () => pick()!.name).join('');
  assert.is(seq, 'abaaba');
  assert.is(createWeightedPicker([backend('z', [1], { weight: 0 })])(), undefined);
});

test('round-robin over endpoints, state kept per backend id', async () => {
  const bes = await Promise.all([startBackend(), startBackend(), startBackend()]);
  const gw = await serveHandler(ups.compileRule(rule([backend('rr', bes.map((b) => b.port))]), noHooks));
  try {
    const ports: number[] = [];
    for (let i = 0; i < 6; i++) ports.push(JSON.parse((await get(gw.port, '/')).body).port);
    assert.equal(ports.slice(0, 3).sort(), bes.map((b) => b.port).sort());
    assert.equal(ports.slice(3), ports.slice(0, 3));
    const b = backend('other', [1, 2]);
    assert.equal([pickEndpoint(b)!.port, pickEndpoint(b)!.port, pickEndpoint(b)!.port], [1, 2, 1]);
    assert.is(pickEndpoint(backend('none', [])), undefined);
  } finally {
    await gw.close();
    await Promise.all(bes.map((b) => b.close()));
  }
});

test.run();
