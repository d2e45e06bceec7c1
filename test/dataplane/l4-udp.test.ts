// UDPRoute through the data plane: datagrams relayed both ways per client flow, a weighted
// choice per flow, flows surviving a reload, idle expiry and the bound on flows.
import dgram from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { AccessRecord } from '../../gateway/dataplane/observer.ts';
import { UdpPort } from '../../gateway/dataplane/l4/udp-proxy.ts';
import { compileL4Route } from '../../gateway/dataplane/l4/tcp-proxy.ts';
import * as H from './server-helpers.ts';
import { l4Backend, l4Listener, l4Route, startUdpEcho, udpAsk, udpPort } from './l4-helpers.ts';

type Echo = Awaited<ReturnType<typeof startUdpEcho>>;
let a: Echo;
let b: Echo;

test.before(async () => {
  a = await startUdpEcho('a');
  b = await startUdpEcho('b');
});

test.after(async () => {
  await a.close();
  await b.close();
});

const udpTable = (routes: ReturnType<typeof l4Route>[]) => H.table(H.gateway([udpPort(0, [l4Listener('udp', 'UDP', routes)])]));

test('echo through the proxy; one flow per client socket; weights 3:1 across 40 flows', async () => {
  const list: AccessRecord[] = [];
  const dp = createDataplane({ observer: { onRequest: (r) => list.push(r) } });
  try {
    const route = l4Route('u', [l4Backend('a', a.port, 3, 'udp'), l4Backend('b', b.port, 1, 'udp')], 'UDPRoute');
    const res = await dp.apply(udpTable([route]));
    assert.is(res.listening[0]!.transport, 'udp');
    const port = H.boundPort(res, 0);
    // One client socket: every datagram of the flow goes to the same backend.
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const first = await udpAsk(port, 'hello', 2_000, sock);
    assert.ok(first === 'a:hello' || first === 'b:hello', String(first));
    for (let i = 0; i < 5; i++) assert.is(await udpAsk(port, `n${i}`, 2_000, sock), `${first![0]}:n${i}`);
    sock.close();
    const seen: Record<string, number> = { [first![0]!]: 1 };
    // Every flow keeps its own client socket open until the end: a closed socket's ephemeral
    // port can be reused by the next one, which would join the old flow instead of a new one.
    const clients: dgram.Socket[] = [];
    try {
      for (let i = 1; i < 40; i++) {
        const c = dgram.createSocket('udp4');
        clients.push(c);
        await new Promise<void>((r) => c.bind(0, '127.0.0.1', () => r()));
        const reply = await udpAsk(port, 'x', 2_000, c);
        assert.ok(reply !== undefined, `flow ${i} got no reply`);
        seen[reply![0]!] = (seen[reply![0]!] ?? 0) + 1;
      }
    } finally {
      for (const c of clients) c.close();
    }
    assert.equal(seen, { a: 30, b: 10 });
  } finally {
    await dp.close();
  }
  // Closing the data plane closes the flows, each with one record.
  assert.is(list.length, 40);
  const r = list.find((x) => x.bytesIn === 'hello'.length + 5 * 2)!;
  assert.ok(r, 'the 6-datagram flow has its own record');
  assert.is(r.protocol, 'UDP');
  assert.is(r.route, 'UDPRoute/ns/u');
  assert.is(r.bytesOut, 'a:hello'.length + 5 * 4);
});

test('a flow keeps its backend across a reload; new flows follow the new table', async () => {
  const dp = createDataplane();
  try {
    const res = await dp.apply(udpTable([l4Route('u', [l4Backend('a', a.port, 1, 'udp')], 'UDPRoute')]));
    const port = H.boundPort(res, 0);
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    assert.is(await udpAsk(port, 'one', 2_000, sock), 'a:one');
    await dp.apply(udpTable([l4Route('u', [l4Backend('b', b.port, 1, 'udp')], 'UDPRoute')]));
    assert.is(await udpAsk(port, 'two', 2_000, sock), 'a:two');
    assert.is(await udpAsk(port, 'new'), 'b:new');
    sock.close();
    // No route: datagrams are dropped (no reply).
    await dp.apply(udpTable([]));
    assert.is(await udpAsk(port, 'dropped', 300), undefined);
  } finally {
    await dp.close();
  }
});

test('idle flows expire and the number of flows is bounded', async () => {
  const list: AccessRecord[] = [];
  const route = compileL4Route(l4Route('u', [l4Backend('a', a.port, 1, 'udp')], 'UDPRoute'));
  const p = new UdpPort({ gateway: 'ns/gw', port: 0, listener: l4Listener('udp', 'UDP', []), route },
    { onRequest: (r) => list.push(r) }, { idleMs: 200, maxFlows: 2 });
  try {
    const port = await p.listen('127.0.0.1', 0);
    const socks = await Promise.all([0, 1, 2].map(async () => {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      return s;
    }));
    for (const s of socks) assert.is(await udpAsk(port, 'hi', 2_000, s), 'a:hi');
    assert.is(p.flowCount, 2, 'the oldest flow was evicted');
    assert.is(list.length, 1);
    await new Promise((r) => setTimeout(r, 600));
    assert.is(p.flowCount, 0, 'idle flows expired');
    assert.is(list.length, 3);
    // An expired flow's client gets a new flow.
    assert.is(await udpAsk(port, 'again', 2_000, socks[0]), 'a:again');
    assert.is(p.flowCount, 1);
    for (const s of socks) s.close();
  } finally {
    await p.close();
  }
});

test.run();
