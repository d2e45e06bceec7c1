// TCPRoute through the data plane on real loopback sockets: weighted backend choice per
// connection, half-close, no route / invalid backend / no endpoint → closed, one access
// record per connection, and a reload that keeps an established connection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { AccessRecord } from '../../gateway/dataplane/observer.ts';
import * as H from './server-helpers.ts';
import { LineClient, l4Backend, l4Listener, l4Route, startTcpEcho, waitClosed, type TestServer } from './l4-helpers.ts';
import net from 'node:net';

let a: TestServer;
let b: TestServer;

test.before(async () => {
  a = await startTcpEcho('a');
  b = await startTcpEcho('b');
});

test.after(async () => {
  await a.close();
  await b.close();
});

function records(): { list: AccessRecord[]; observer: { onRequest(r: AccessRecord): void } } {
  const list: AccessRecord[] = [];
  return { list, observer: { onRequest: (r) => list.push(r) } };
}

async function waitFor(cond: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('weighted backends: 3:1 over 40 connections, exact with smooth round-robin', async () => {
  const dp = createDataplane();
  try {
    const route = l4Route('weighted', [l4Backend('a', a.port, 3), l4Backend('b', b.port, 1), l4Backend('zero', b.port, 0)]);
    const res = await dp.apply(H.table(H.gateway([H.port(0, [l4Listener('tcp', 'TCP', [route])])])));
    const port = H.boundPort(res, 0);
    const seen: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const c = await LineClient.connect(port);
      const tag = await c.line();
      c.send('PING');
      assert.is(await c.line(), `${tag}:PING`);
      seen[tag!] = (seen[tag!] ?? 0) + 1;
      c.close();
    }
    assert.equal(seen, { a: 30, b: 10 });
  } finally {
    await dp.close();
  }
});

test('half-close: the client FIN reaches the backend, whose reply still comes back', async () => {
  const rec = records();
  const dp = createDataplane({ observer: rec.observer });
  try {
    const res = await dp.apply(H.table(H.gateway([H.port(0, [l4Listener('tcp', 'TCP', [l4Route('r', [l4Backend('a', a.port)])])])])));
    const c = await LineClient.connect(H.boundPort(res, 0));
    assert.is(await c.line(), 'a');
    c.socket.end('last\n');
    assert.is(await c.line(), 'a:last');
    assert.is(await c.line(), 'a:bye');
    await waitFor(() => c.closed);
    await waitFor(() => rec.list.length === 1);
    const r = rec.list[0]!;
    assert.is(r.protocol, 'TCP');
    assert.is(r.listener, 'tcp');
    assert.is(r.route, 'TCPRoute/ns/r');
    assert.is(r.backend, `Service:ns/a:${a.port}`);
    assert.is(r.upstreamAddress, `127.0.0.1:${a.port}`);
    assert.is(r.clientAddress, '127.0.0.1');
    assert.ok(r.clientPort > 0);
    assert.is(r.status, 200);
    assert.is(r.bytesIn, 'last\n'.length);
    assert.is(r.bytesOut, 'a\na:last\na:bye\n'.length);
    assert.ok(r.durationMs > 0);
  } finally {
    await dp.close();
  }
});

test('the oldest route of the listener serves; no route, invalid backend or no endpoint closes', async () => {
  const rec = records();
  const dp = createDataplane({ observer: rec.observer });
  try {
    const first = l4Route('first', [l4Backend('b', b.port)]);
    const second = l4Route('second', [l4Backend('a', a.port)]);
    const invalid = { ...l4Backend('missing', a.port), invalid: { status: 500, reason: 'BackendNotFound' } };
    const empty = { ...l4Backend('empty', a.port), endpoints: [] };
    const gw = (name: string, routes: ReturnType<typeof l4Route>[]) => H.gateway([H.port(0, [l4Listener('tcp', 'TCP', routes)])], `ns/${name}`);
    const res = await dp.apply(H.table(
      gw('two', [first, second]), gw('none', []), gw('invalid', [l4Route('inv', [invalid])]), gw('empty', [l4Route('emp', [empty])]),
    ));
    const c = await LineClient.connect(H.boundPort(res, 0, 'ns/two'));
    assert.is(await c.line(), 'b');
    c.close();
    for (const g of ['none', 'invalid', 'empty']) {
      const s = net.connect(H.boundPort(res, 0, `ns/${g}`), '127.0.0.1');
      const r = await waitClosed(s);
      assert.is(r.data, '', g);
    }
    await waitFor(() => rec.list.length === 4);
    const byGw = Object.fromEntries(rec.list.map((r) => [r.gateway, r]));
    assert.is(byGw['ns/none']!.responseFlags?.join(','), 'GW_ERR_NO_ROUTE');
    assert.is(byGw['ns/invalid']!.status, 500);
    assert.is(byGw['ns/empty']!.status, 503);
  } finally {
    await dp.close();
  }
});

test('connect failure (backend port closed) closes the client and is reported', async () => {
  const errors: string[] = [];
  const dp = createDataplane({ observer: { onUpstreamError: (_b, code) => errors.push(code) } });
  try {
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const deadPort = (dead.address() as net.AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const res = await dp.apply(H.table(H.gateway([H.port(0, [l4Listener('tcp', 'TCP', [l4Route('r', [l4Backend('dead', deadPort)])])])])));
    const r = await waitClosed(net.connect(H.boundPort(res, 0), '127.0.0.1'));
    assert.is(r.data, '');
    await waitFor(() => errors.length === 1);
    assert.is(errors[0], 'GW_ERR_UPSTREAM_CONNECT');
  } finally {
    await dp.close();
  }
});

test('reload: an established connection survives; new connections follow the new route', async () => {
  const dp = createDataplane();
  try {
    const tableFor = (backend: TestServer, tag: string) =>
      H.table(H.gateway([H.port(0, [l4Listener('tcp', 'TCP', [l4Route('r', [l4Backend(tag, backend.port)])])])]));
    const res = await dp.apply(tableFor(a, 'a'));
    const port = H.boundPort(res, 0);
    const old = await LineClient.connect(port);
    assert.is(await old.line(), 'a');
    const res2 = await dp.apply(tableFor(b, 'b'));
    assert.is(H.boundPort(res2, 0), port, 'same socket kept');
    old.send('still-there');
    assert.is(await old.line(), 'a:still-there');
    const fresh = await LineClient.connect(port);
    assert.is(await fresh.line(), 'b');
    fresh.close();
    old.close();
    // Removing the listener closes the socket.
    await dp.apply(H.table(H.gateway([])));
    const s = net.connect(port, '127.0.0.1');
    const r = await waitClosed(s).catch((e: Error) => ({ data: '', error: e.message }));
    assert.ok(r.error === 'ECONNREFUSED', `after removal: ${JSON.stringify(r)}`);
  } finally {
    await dp.close();
  }
});

test('bulk bytes both ways with backpressure: 8 MiB through a byte echo arrive intact and in order', async () => {
  // A raw echo backend (pipe to itself): it stops reading while its writes back are pending, and
  // the client below starts reading only once half of the payload has reached the backend, so
  // both directions of the proxy fill up and must pause and resume their reads without losing
  // or reordering a byte.
  let echoed = 0;
  let halfway: () => void = () => {};
  const half = new Promise<void>((r) => { halfway = r; });
  const echo = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => s.destroy());
    s.on('data', (d: Buffer) => {
      echoed += d.length;
      if (echoed >= 4 * 1024 * 1024) halfway();
    });
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  const echoPort = (echo.address() as net.AddressInfo).port;
  const rec = records();
  const dp = createDataplane({ observer: rec.observer });
  try {
    const res = await dp.apply(H.table(H.gateway([H.port(0, [l4Listener('tcp', 'TCP', [l4Route('r', [l4Backend('echo', echoPort)])])])])));
    const payload = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4) payload.writeUInt32BE(i, i);
    const c = net.connect(H.boundPort(res, 0), '127.0.0.1');
    c.pause();
    const chunks: Buffer[] = [];
    const received = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out with ${chunks.reduce((a, b) => a + b.length, 0)} bytes back`)), 20_000);
      c.on('data', (d: Buffer) => chunks.push(d));
      c.on('error', reject);
      c.on('end', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      });
    });
    const sent = new Promise<void>((r) => c.end(payload, () => r()));
    await Promise.race([half, sent]);
    c.resume();
    const back = await received;
    assert.is(back.length, payload.length);
    assert.ok(back.equals(payload), 'the echoed bytes equal the sent bytes');
    await waitFor(() => rec.list.length === 1);
    assert.is(rec.list[0]!.bytesIn, payload.length);
    assert.is(rec.list[0]!.bytesOut, payload.length);
  } finally {
    await dp.close();
    await new Promise((r) => echo.close(r));
  }
});

test('a UDP and a TCP listener on the same port number are two sockets', async () => {
  const dp = createDataplane();
  try {
    const gw = H.gateway([
      H.port(0, [l4Listener('tcp', 'TCP', [l4Route('r', [l4Backend('a', a.port)])])]),
      { port: 0, transport: 'udp', listeners: [l4Listener('udp', 'UDP', [])] },
    ]);
    const res = await dp.apply(H.table(gw));
    assert.equal(res.listening.map((l) => l.transport).sort(), ['tcp', 'udp']);
    assert.equal(res.errors, []);
  } finally {
    await dp.close();
  }
});

test.run();
