// The WebSocket message bound (ClientLimitsIR.maxWebSocketMessageBytes, --websocket-max-message-bytes):
// with real `ws` clients and servers through the gateway, messages up to the bound pass both ways,
// a bigger one (one frame, or the fragments of one message) never reaches the backend, and both
// sides are closed with 1009. The frame reader is also fed byte by byte.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { AccessRecord } from '../../gateway/dataplane/index.ts';
import { FrameScanner } from '../../gateway/dataplane/http/ws-frames.ts';
import * as H from '../dataplane/server-helpers.ts';

const LIMIT = 1024;

async function echoBackend() {
  const received: number[] = [];
  const closes: number[] = [];
  const server = createServer((_req, res) => res.end('plain'));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (sock) => {
    sock.on('message', (data: Buffer, binary) => { received.push(data.length); sock.send(data, { binary }); });
    sock.on('close', (code) => closes.push(code));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port, received, closes,
    close: () => new Promise<void>((r) => { for (const c of wss.clients) c.terminate(); wss.close(); server.closeAllConnections(); server.close(() => r()); }),
  };
}

async function gateway(backendPort: number) {
  const records: AccessRecord[] = [];
  const dp = createDataplane({ clientLimits: { maxWebSocketMessageBytes: LIMIT }, observer: { onRequest: (r) => records.push(r) } });
  const b = H.backend('ws', backendPort);
  const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [H.httpRule({}, { backends: [b] })] }])])])));
  return { dp, port: H.boundPort(res, 0), records };
}

function open(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`, { handshakeTimeout: 5000 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const nextMessage = (ws: WebSocket) => new Promise<Buffer>((resolve, reject) => {
  const t = setTimeout(() => reject(new Error('no message')), 5000);
  ws.once('message', (d: Buffer) => { clearTimeout(t); resolve(d); });
});
const closed = (ws: WebSocket) => new Promise<number>((resolve) => {
  if (ws.readyState === WebSocket.CLOSED) resolve(-1);
  ws.once('close', (code) => resolve(code));
});

test('messages up to the bound pass both ways, many of them on one connection', async () => {
  const be = await echoBackend();
  const gw = await gateway(be.port);
  try {
    const ws = await open(gw.port);
    for (const size of [1, 125, 126, 1000, LIMIT]) {
      ws.send(Buffer.alloc(size, 7));
      assert.is((await nextMessage(ws)).length, size);
    }
    for (let i = 0; i < 10; i++) {
      ws.send('x'.repeat(1000));
      assert.is((await nextMessage(ws)).length, 1000, 'the bound is per message, not per connection');
    }
    // A message in fragments that stays within the bound.
    ws.send(Buffer.alloc(500), { fin: false });
    ws.send(Buffer.alloc(500), { fin: true });
    assert.is((await nextMessage(ws)).length, 1000);
    ws.close(1000);
    assert.is(await closed(ws), 1000);
  } finally {
    await gw.dp.close(0);
    await be.close();
  }
});

test('one frame over the bound: never relayed, the client and the backend get 1009, the access log says why', async () => {
  const be = await echoBackend();
  const gw = await gateway(be.port);
  try {
    const ws = await open(gw.port);
    ws.send('small');
    await nextMessage(ws);
    const code = closed(ws);
    ws.send(Buffer.alloc(LIMIT + 1));
    assert.is(await code, 1009, 'the client is closed with 1009 (message too big)');
    for (let i = 0; i < 200 && be.closes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(be.received, [5], 'the backend never got the big message');
    assert.equal(be.closes, [1009], 'the backend is closed with 1009 too');
    for (let i = 0; i < 200 && gw.records.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(gw.records.at(-1)?.responseFlags?.includes('GW_ERR_WEBSOCKET_MESSAGE_TOO_BIG'));
  } finally {
    await gw.dp.close(0);
    await be.close();
  }
});

test('fragments that add up to more than the bound: the message is cut before it completes, 1009', async () => {
  const be = await echoBackend();
  const gw = await gateway(be.port);
  try {
    const ws = await open(gw.port);
    const code = closed(ws);
    ws.send(Buffer.alloc(500), { fin: false });
    ws.send(Buffer.alloc(500), { fin: false });
    ws.send(Buffer.alloc(500), { fin: true });
    assert.is(await code, 1009);
    for (let i = 0; i < 200 && be.closes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(be.received, [], 'no complete message reached the backend');
    assert.equal(be.closes, [1009]);
  } finally {
    await gw.dp.close(0);
    await be.close();
  }
});

// Client frames as `ws` would write them (masked), for the frame reader on its own.
function frame(opcode: number, fin: boolean, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, 0x80 | len]) : len < 65536 ? Buffer.from([0, 0x80 | 126, len >> 8, len & 0xff]) : Buffer.concat([Buffer.from([0, 0x80 | 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(len)); return b; })()]);
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, Buffer.from([1, 2, 3, 4]), payload]);
}

test('frame reader: byte by byte, every byte of frames within the bound is relayed in order; headers split across chunks are judged whole', () => {
  const stream = Buffer.concat([frame(2, true, Buffer.alloc(100, 1)), frame(9, true, Buffer.from('ping')), frame(1, false, Buffer.alloc(300, 2)), frame(0, true, Buffer.alloc(300, 3)), frame(2, true, Buffer.alloc(1000, 4))]);
  for (const step of [1, 2, 3, 7, 13, stream.length]) {
    const s = new FrameScanner(LIMIT);
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += step) {
      const r = s.scan(stream.subarray(i, i + step));
      assert.not.ok(r.tooBig, `step ${step}`);
      out.push(...r.out);
    }
    assert.ok(Buffer.concat(out).equals(stream), `step ${step}: relayed unchanged`);
    assert.ok(s.atBoundary);
  }
  // Over the bound: nothing of the offending frame's header passes, whatever the chunking.
  const ok = frame(2, true, Buffer.alloc(10));
  const big = Buffer.concat([ok, frame(2, true, Buffer.alloc(70_000))]);
  for (const step of [1, 5, big.length]) {
    const s = new FrameScanner(LIMIT);
    const out: Buffer[] = [];
    let tooBig = false;
    for (let i = 0; i < big.length && !tooBig; i += step) {
      const r = s.scan(big.subarray(i, i + step));
      out.push(...r.out);
      tooBig = r.tooBig;
    }
    assert.ok(tooBig, `step ${step}`);
    assert.ok(Buffer.concat(out).equals(ok), `step ${step}: exactly the frames before it`);
  }
  // A 64-bit length far beyond the bound (2^62) is refused from its header.
  const huge = Buffer.from([0x82, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
  assert.ok(new FrameScanner(LIMIT).scan(huge).tooBig);
});

test.run();
