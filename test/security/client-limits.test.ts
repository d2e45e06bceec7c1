// Hostile clients against the data plane over real sockets: slowloris and slow POST, header and
// body limits, connection limits, and HTTP/2 floods sent as raw frames (rapid reset, PING,
// SETTINGS, CONTINUATION, HPACK bomb). Each gets its defined answer, and the gateway keeps
// serving a normal client afterwards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import http from 'node:http';
import { createDataplane, type Dataplane } from '../../gateway/dataplane/index.ts';
import type { ClientLimitsIR } from '../../gateway/ir/index.ts';
import * as H from '../dataplane/server-helpers.ts';
import { connectRawH2, frame, getBlock, indexed, literal, literalIndexed, F, T } from './h2-frames.ts';

interface World { dp: Dataplane; port: number; hits(): number; completed(): number; close(): Promise<void> }

async function world(clientLimits: ClientLimitsIR, listenerLimits?: ClientLimitsIR): Promise<World> {
  const echo = await H.startEcho('root');
  let hits = 0;
  let completed = 0;
  echo.server.on('request', (req) => { hits++; req.on('end', () => completed++); });
  const l = H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [H.httpRule({}, { backends: [H.backend('root', echo.port)] })] }]);
  if (listenerLimits) l.limits = listenerLimits;
  const dp = createDataplane({ clientLimits });
  const res = await dp.apply(H.table(H.gateway([H.port(0, [l])])));
  return { dp, port: H.boundPort(res, 0), hits: () => hits, completed: () => completed, async close() { await dp.close(0); await echo.close(); } };
}

/** Writes `parts` with `gapMs` between them; resolves with what came back once the socket closed (or `boundMs`). */
function trickle(port: number, parts: string[], gapMs: number, boundMs = 8000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    let i = 0;
    const t = setInterval(() => {
      if (i < parts.length && !s.destroyed) s.write(parts[i++]!);
    }, gapMs);
    s.setEncoding('latin1');
    s.on('data', (c) => (got += c));
    s.on('error', () => {});
    const bound = setTimeout(() => s.destroy(), boundMs);
    s.on('close', () => { clearInterval(t); clearTimeout(bound); resolve(got); });
  });
}

const ok = async (port: number) => (await H.h1(port, { host: 'www.example', path: '/ok' })).status;

test('slowloris: a request head that trickles in is answered 408 at the header timeout; others are served meanwhile', async () => {
  const w = await world({ headersTimeoutMs: 600 });
  try {
    // One header line every 150 ms, forever (bounded by the test at 8 s).
    const parts = ['GET / HTTP/1.1\r\nHost: www.example\r\n', ...Array.from({ length: 50 }, (_, i) => `X-${i}: ${'a'.repeat(10)}\r\n`)];
    const slow = trickle(w.port, parts, 150);
    assert.is(await ok(w.port), 200, 'a normal request is served while the slow one trickles');
    const got = await slow;
    assert.match(got, /^HTTP\/1\.1 408 /, `the slow client gets 408 and is closed: ${got.slice(0, 60)}`);
    assert.is(w.hits(), 1, 'the slow request never reached the backend');
  } finally {
    await w.close();
  }
});

test('slow POST: a body that trickles in is cut at the request timeout and never reaches the backend whole', async () => {
  const w = await world({ headersTimeoutMs: 500, requestTimeoutMs: 800 });
  try {
    const parts = ['POST / HTTP/1.1\r\nHost: www.example\r\nContent-Length: 100\r\n\r\n', ...Array.from({ length: 60 }, () => 'a')];
    const started = Date.now();
    const got = await trickle(w.port, parts, 100);
    assert.ok(Date.now() - started < 7000, 'the connection was closed by the gateway, not by the test bound');
    assert.not.match(got, /^HTTP\/1\.1 200/, 'not answered as if the body were complete');
    assert.is(w.completed(), 0, 'the backend never received the whole body');
    assert.is(await ok(w.port), 200);
  } finally {
    await w.close();
  }
});

test('header limits: too many fields or too many bytes are answered 431', async () => {
  const w = await world({ maxRequestHeaders: 20, maxRequestHeaderBytes: 4096 });
  try {
    const many: Record<string, string> = {};
    for (let i = 0; i < 30; i++) many[`x-h${i}`] = 'v';
    assert.is((await H.h1(w.port, { host: 'www.example', headers: many })).status, 431);
    const fifteen: Record<string, string> = {};
    for (let i = 0; i < 15; i++) fifteen[`x-h${i}`] = 'v';
    assert.is((await H.h1(w.port, { host: 'www.example', headers: fifteen })).status, 200, 'within the limit');
    const big = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: w.port }, () => s.write(`GET / HTTP/1.1\r\nHost: www.example\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`));
      let got = '';
      s.on('data', (c) => (got += c));
      s.on('close', () => resolve(got));
      s.on('error', () => {});
    });
    assert.match(big, /^HTTP\/1\.1 431 /);
    // HTTP/2: the header list limit is a SETTINGS value; a bigger list gets no 200.
    const h2 = await H.h2(w.port, { host: 'www.example', headers: { 'x-big': 'a'.repeat(8000) } }).catch((e: Error) => ({ status: 0, body: e.message }));
    assert.ok(h2.status !== 200, `h2 oversize header list refused (${h2.status})`);
    assert.is(w.hits(), 1);
  } finally {
    await w.close();
  }
});

test('body limit per listener: a declared length over it and a chunked body that grows over it get 413', async () => {
  const w = await world({}, { maxRequestBodyBytes: 1000 });
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);
  process.on('uncaughtException', onCrash);
  try {
    assert.is((await H.h1(w.port, { host: 'www.example', method: 'POST', body: 'a'.repeat(2000) })).status, 413);
    assert.is((await H.h1(w.port, { host: 'www.example', method: 'POST', body: 'a'.repeat(500) })).status, 200);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: w.port, method: 'POST', path: '/', headers: { host: 'www.example' }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', (e) => reject(e));
      for (let i = 0; i < 30; i++) req.write('a'.repeat(100));
      req.end();
    });
    assert.is(chunked, 413);
    for (let i = 0; i < 5; i++) {
      const h2 = await H.h2(w.port, { host: 'www.example', method: 'POST', body: 'a'.repeat(5000) }).catch(() => ({ status: 0 }));
      assert.ok(h2.status === 413 || h2.status === 0, `h2 body over the limit: ${h2.status}`);
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(crashes, [], 'an oversize body never throws out of the request path');
    assert.is(await ok(w.port), 200);
  } finally {
    process.off('uncaughtException', onCrash);
    await w.close();
  }
});

test('connection limits: sockets beyond --max-connections are closed at once; --max-requests-per-connection ends a keep-alive connection', async () => {
  const w = await world({ maxConnections: 2, maxRequestsPerConnection: 2 });
  try {
    const open = await Promise.all([0, 1].map(() => new Promise<net.Socket>((r) => { const s = net.connect({ host: '127.0.0.1', port: w.port }, () => r(s)); s.on('error', () => {}); })));
    await new Promise((r) => setTimeout(r, 50));
    const third = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: w.port }, () => s.write('GET / HTTP/1.1\r\nHost: www.example\r\n\r\n'));
      let got = '';
      s.on('data', (c) => (got += c));
      s.on('error', () => {});
      s.on('close', () => resolve(got));
    });
    assert.is(third, '', 'the third connection is closed without an answer');
    for (const s of open) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const conn: (string | undefined)[] = [];
    for (let i = 0; i < 2; i++) {
      conn.push(await new Promise<string | undefined>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: w.port, path: '/', headers: { host: 'www.example' }, agent }, (res) => { res.resume(); resolve(res.headers.connection); }).on('error', reject);
      }));
    }
    agent.destroy();
    assert.is(conn[1], 'close', 'the last request a connection may carry says Connection: close');
  } finally {
    await w.close();
  }
});

test('HTTP/2 rapid reset (CVE-2023-44487): the session gets GOAWAY ENHANCE_YOUR_CALM after the allowed premature resets', async () => {
  const w = await world({ http2MaxPrematureResets: 50 });
  try {
    const c = await connectRawH2(w.port);
    const cancel = Buffer.alloc(4);
    cancel.writeUInt32BE(8); // CANCEL
    let sent = 0;
    for (let i = 0; i < 5000 && !c.isClosed(); i++) {
      const id = 1 + 2 * i;
      c.send(Buffer.concat([frame(T.HEADERS, F.END_STREAM | F.END_HEADERS, id, getBlock()), frame(T.RST_STREAM, 0, id, cancel)]));
      sent++;
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    await Promise.race([c.closed, new Promise((r) => setTimeout(r, 3000))]);
    assert.ok(c.isClosed(), 'the session was closed');
    assert.is(c.goaway(), 11, 'GOAWAY ENHANCE_YOUR_CALM');
    assert.ok(sent < 5000, `closed before the attacker was done (${sent} streams sent)`);
    assert.ok(w.hits() <= 2 * 50 + 100, `few requests reached the backend (${w.hits()})`);
    assert.is(await ok(w.port), 200, 'the gateway serves others');
  } finally {
    await w.close();
  }
});

test('HTTP/2 PING and SETTINGS floods from a client that never reads: the session is ended, the process serves on', async () => {
  const w = await world({});
  try {
    for (const [name, f] of [['PING', frame(T.PING, 0, 0, Buffer.alloc(8))], ['SETTINGS', frame(T.SETTINGS, 0, 0)]] as const) {
      const c = await connectRawH2(w.port, false);
      const burst = Buffer.concat(Array.from({ length: 1000 }, () => f));
      for (let i = 0; i < 200 && !c.isClosed(); i++) {
        c.send(burst);
        await new Promise((r) => setImmediate(r));
      }
      await Promise.race([c.closed, new Promise((r) => setTimeout(r, 3000))]);
      assert.ok(c.isClosed(), `${name} flood: the session was ended`);
      c.socket.destroy();
    }
    assert.is(await ok(w.port), 200);
  } finally {
    await w.close();
  }
});

test('HTTP/2 CONTINUATION flood and HPACK bomb: the header list limit ends them without a request', async () => {
  const w = await world({ maxRequestHeaderBytes: 16 * 1024 });
  try {
    // CONTINUATION frames that never end the header block (CVE-2024-27316 class).
    const c = await connectRawH2(w.port);
    c.send(frame(T.HEADERS, 0, 1, getBlock()));
    const cont = frame(T.CONTINUATION, 0, 1, Buffer.from(literal('x-filler', 'a'.repeat(1000))));
    for (let i = 0; i < 2000 && !c.isClosed(); i++) {
      c.send(cont);
      if (i % 20 === 19) await new Promise((r) => setImmediate(r));
    }
    await Promise.race([c.closed, new Promise((r) => setTimeout(r, 3000))]);
    assert.ok(c.isClosed(), 'CONTINUATION flood: the connection was closed');

    // HPACK bomb: one 4 KB entry in the dynamic table, referenced 1000 times in a ~1 KB block.
    const b = await connectRawH2(w.port);
    const block = Buffer.from([...getBlock(), ...literalIndexed('x-bomb', 'b'.repeat(4000)), ...Array.from({ length: 1000 }, () => indexed(62)).flat()]);
    b.send(frame(T.HEADERS, F.END_STREAM | F.END_HEADERS, 1, block));
    await new Promise((r) => setTimeout(r, 300));
    b.socket.destroy();
    assert.is(w.hits(), 0, 'neither reached the backend');
    assert.is(await ok(w.port), 200);
  } finally {
    await w.close();
  }
});

test.run();
