// WebSocket through the Upgrade proxy, with the `ws` package on both ends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createUpstreams } from '../../gateway/dataplane/upstream/index.ts';
import { serveHandler } from '../helpers/exchange.ts';
import { backend, deadPort, noHooks, rule } from './upstream-fixtures.ts';

const ups = createUpstreams();
test.after(() => ups.close());

async function wsBackend(requireOrigin = true) {
  const seen: { url: string; headers: Record<string, unknown> }[] = [];
  const server = createServer((_req, res) => res.end('plain'));
  const wss = new WebSocketServer({
    server,
    verifyClient: (info: { origin: string }) => !requireOrigin || !!info.origin,
  });
  wss.on('connection', (sock, req) => {
    seen.push({ url: req.url!, headers: req.headers });
    sock.on('message', (data, isBinary) => sock.send(data, { binary: isBinary }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: 3000 });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error('unexpected'), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

function next(ws: WebSocket): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no message')), 3000);
    ws.once('message', (data, binary) => {
      clearTimeout(t);
      resolve({ data: data as Buffer, binary });
    });
  });
}

test('text and binary echo through the proxy (protocol ws), path rewritten', async () => {
  const be = await wsBackend();
  const gw = await serveHandler(ups.compileRule(rule([backend('ws', [be.port], { protocol: 'ws' })]), noHooks), {
    prepare: (ex) => (ex.path = '/ws'),
  });
  try {
    const ws = await open(`ws://127.0.0.1:${gw.port}/front?x=1`, { origin: 'ws://gateway/test' });
    ws.send('Websocket Support!');
    const m1 = await next(ws);
    assert.is(m1.data.toString(), 'Websocket Support!');
    assert.is(m1.binary, false);
    ws.send(Buffer.from([1, 2, 3, 4, 5, 6, 7]));
    const m2 = await next(ws);
    assert.equal([...m2.data], [1, 2, 3, 4, 5, 6, 7]);
    assert.is(m2.binary, true);
    assert.is(be.seen[0]!.url, '/ws?x=1');
    assert.is(be.seen[0]!.headers['x-forwarded-for'], '127.0.0.1');
    ws.close();
    await new Promise((r) => ws.once('close', r));
    await new Promise((r) => setTimeout(r, 20));
    assert.is(gw.records[0]!.status, 101);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('a refused handshake is relayed; an unreachable endpoint is a 502', async () => {
  const be = await wsBackend();
  const gw = await serveHandler(ups.compileRule(rule([backend('ws', [be.port], { protocol: 'ws' })]), noHooks));
  const dead = await serveHandler(ups.compileRule(rule([backend('ws', [await deadPort()], { protocol: 'ws' })]), noHooks));
  try {
    const err = (await open(`ws://127.0.0.1:${gw.port}/ws`).then(() => undefined, (e) => e)) as { status?: number };
    assert.is(err?.status, 401); // ws rejects a failed verifyClient with 401
    const err2 = (await open(`ws://127.0.0.1:${dead.port}/ws`, { origin: 'x' }).then(() => undefined, (e) => e)) as { status?: number };
    assert.is(err2?.status, 502);
    assert.is(dead.records[0]!.responseFlags?.join(','), 'GW_ERR_UPSTREAM_CONNECT');
  } finally {
    await gw.close();
    await dead.close();
    await be.close();
  }
});

test.run();
