// Pool lifecycle: retain() closes pools of endpoints gone from the table, kept ones stay warm.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createUpstreams } from '../../gateway/dataplane/upstream/index.ts';
import type { HttpBackendIR, RoutingTable } from '../../gateway/ir/index.ts';
import { serveHandler, testListener } from '../helpers/exchange.ts';
import { backend, get, noHooks, rule, startBackend } from './upstream-fixtures.ts';

function table(backends: HttpBackendIR[]): RoutingTable {
  return {
    gateways: [{
      key: 'test/gw', namespace: 'test', name: 'gw', addresses: ['127.0.0.1'],
      ports: [{ port: 80, transport: 'tcp', listeners: [{ ...testListener, http: [{ hostname: '*', rules: [rule(backends)] }] }] }],
    }],
  };
}

test('retain closes dropped endpoints and keeps connections to the others', async () => {
  const ups = createUpstreams();
  const a = await startBackend();
  const b = await startBackend();
  const both = [backend('a', [a.port]), backend('b', [b.port])];
  const gw = await serveHandler(ups.compileRule(rule(both), noHooks));
  try {
    await get(gw.port, '/');
    await get(gw.port, '/');
    assert.is(ups.poolCount, 2);
    const portA = a.seen[0]!.remotePort;
    ups.retain(table([backend('a', [a.port])]));
    assert.is(ups.poolCount, 1);
    const onlyA = await serveHandler(ups.compileRule(rule([backend('a', [a.port])]), noHooks));
    try {
      await get(onlyA.port, '/');
      // Same upstream connection as before the reload: keep-alive survived retain().
      assert.is(a.seen.at(-1)!.remotePort, portA);
      assert.is(ups.poolCount, 1);
    } finally {
      await onlyA.close();
    }
    ups.retain({ gateways: [] });
    assert.is(ups.poolCount, 0);
  } finally {
    await gw.close();
    await ups.close();
    await a.close();
    await b.close();
  }
});

test.run();
