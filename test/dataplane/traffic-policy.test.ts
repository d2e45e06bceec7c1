// TrafficPolicy request-path fields through real sockets: requestBody.maxSize per rule (one
// ClientLimitsIR with the listener's), compression, directResponse and responseOverride.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { HttpRuleIR, ListenerIR, RoutingTable } from '../../gateway/ir/index.ts';
import { negotiate, zstdAvailable } from '../../gateway/dataplane/traffic/compression.ts';
import * as H from './server-helpers.ts';

const BIG = 'portico '.repeat(2000); // 16000 bytes of text

/** A backend answering by path: /text (16 kB text/plain), /small, /json, /png, /500, /encoded. */
async function startShop(): Promise<{ port: number; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url!);
    req.resume();
    req.on('end', () => {
      const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
        res.end(body);
      };
      switch (req.url) {
        case '/text': return send(200, 'text/plain; charset=utf-8', BIG, { etag: '"v1"' });
        case '/small': return send(200, 'text/plain', 'tiny');
        case '/json': return send(200, 'application/json', JSON.stringify({ big: BIG }));
        case '/png': return send(200, 'image/png', Buffer.alloc(16000, 7));
        case '/500': case '/5xx': return send(500, 'text/plain', 'backend exploded');
        case '/encoded': return send(200, 'text/plain', zlib.gzipSync(BIG), { 'content-encoding': 'gzip' });
        case '/no-transform': return send(200, 'text/plain', BIG, { 'cache-control': 'no-transform' });
        case '/chunked': {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.write(BIG);
          res.end(BIG);
          return;
        }
        default: return send(200, 'text/plain', `ok ${req.url}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

function one(rule: HttpRuleIR, listenerExtra: Partial<ListenerIR> = {}): RoutingTable {
  return H.table(H.gateway([H.port(0, [{ ...H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [rule] }]), ...listenerExtra }])]));
}

/** Raw bytes of a response body (the h1 helper decodes to a string, which breaks binary). */
function raw(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((done, fail) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('compression: Accept-Encoding negotiation (q-values, *, q=0, the policy order on ties)', () => {
  assert.is(negotiate('gzip, br', ['br', 'gzip']), 'br');
  assert.is(negotiate('gzip, br', ['gzip', 'br']), 'gzip');
  assert.is(negotiate('gzip;q=1, br;q=0.5', ['br', 'gzip']), 'gzip');
  assert.is(negotiate('br;q=0, *', ['br', 'gzip']), 'gzip');
  assert.is(negotiate('identity', ['br', 'gzip']), undefined);
  assert.is(negotiate('*;q=0', ['br', 'gzip']), undefined);
  assert.is(negotiate(undefined, ['gzip']), undefined);
  assert.is(negotiate('x-gzip', ['gzip']), 'gzip');
});

test('compression: gzip, br and zstd by Accept-Encoding, threshold, media types, Vary, ETag, pre-encoded and no-transform left alone', async () => {
  const shop = await startShop();
  const algorithms = zstdAvailable() ? ['zstd', 'br', 'gzip'] as const : ['br', 'gzip'] as const;
  const dp = createDataplane();
  try {
    const res = await dp.apply(one(H.httpRule({}, {
      backends: [H.backend('shop', shop.port)],
      policies: { traffic: { compression: { algorithms: [...algorithms], minBytes: 1024, contentTypes: ['text/*', 'application/json'] } } },
    })));
    const p = H.boundPort(res, 0);
    const gz = await raw(p, '/text', { 'accept-encoding': 'gzip' });
    assert.is(gz.headers['content-encoding'], 'gzip');
    assert.is(gz.headers['content-length'], undefined);
    assert.is(gz.headers['vary'], 'Accept-Encoding');
    assert.is(gz.headers['etag'], 'W/"v1"');
    assert.ok(gz.body.length < BIG.length / 10);
    assert.is(zlib.gunzipSync(gz.body).toString(), BIG);
    const br = await raw(p, '/json', { 'accept-encoding': 'gzip;q=0.5, br' });
    assert.is(br.headers['content-encoding'], 'br');
    assert.is(JSON.parse(zlib.brotliDecompressSync(br.body).toString()).big, BIG);
    if (zstdAvailable()) {
      const zs = await raw(p, '/chunked', { 'accept-encoding': 'zstd, br, gzip' });
      assert.is(zs.headers['content-encoding'], 'zstd');
      const z = zlib as unknown as { zstdDecompressSync(b: Buffer): Buffer };
      assert.is(z.zstdDecompressSync(zs.body).toString(), BIG + BIG);
    }
    const plain = await raw(p, '/text', {});
    assert.is(plain.headers['content-encoding'], undefined);
    assert.is(plain.headers['vary'], 'Accept-Encoding');
    assert.is(plain.body.toString(), BIG);
    const small = await raw(p, '/small', { 'accept-encoding': 'gzip' });
    assert.is(small.headers['content-encoding'], undefined);
    assert.is(small.body.toString(), 'tiny');
    const png = await raw(p, '/png', { 'accept-encoding': 'gzip' });
    assert.is(png.headers['content-encoding'], undefined);
    assert.is(png.headers['vary'], undefined);
    assert.is(png.body.length, 16000);
    const pre = await raw(p, '/encoded', { 'accept-encoding': 'br, gzip' });
    assert.is(pre.headers['content-encoding'], 'gzip');
    assert.is(zlib.gunzipSync(pre.body).toString(), BIG);
    const nt = await raw(p, '/no-transform', { 'accept-encoding': 'gzip' });
    assert.is(nt.headers['content-encoding'], undefined);
    assert.is(nt.body.toString(), BIG);
    // HTTP/2 too.
    const r2 = await H.h2(p, { path: '/text', headers: { 'accept-encoding': 'gzip' } });
    assert.is(r2.headers['content-encoding'], 'gzip');
  } finally {
    await dp.close(0);
    await shop.close();
  }
});

test('directResponse: status, headers and body from the policy; nothing forwarded; route header edits still apply', async () => {
  const shop = await startShop();
  const dp = createDataplane();
  try {
    const res = await dp.apply(one(H.httpRule({}, {
      backends: [H.backend('shop', shop.port)],
      filters: [{ type: 'ResponseHeaderModifier', modifier: { set: [{ name: 'X-Route', value: 'yes' }], add: [], remove: [] } }],
      policies: { traffic: { directResponse: { status: 503, headers: [{ name: 'Content-Type', value: 'application/json' }, { name: 'Retry-After', value: '120' }], body: '{"maintenance":true}' } } },
    })));
    const p = H.boundPort(res, 0);
    for (const r of [await H.h1(p, { path: '/x' }), await H.h2(p, { path: '/y' })]) {
      assert.is(r.status, 503);
      assert.is(r.body, '{"maintenance":true}');
      assert.is(r.headers['content-type'], 'application/json');
      assert.is(r.headers['retry-after'], '120');
      assert.is(r.headers['x-route'], 'yes');
    }
    assert.equal(shop.seen, []);
  } finally {
    await dp.close(0);
    await shop.close();
  }
});

test('responseOverride: an upstream 5xx and the gateway\'s own 429 replaced by custom pages; other statuses untouched', async () => {
  const shop = await startShop();
  const dp = createDataplane();
  try {
    const res = await dp.apply(one(H.httpRule({}, {
      backends: [H.backend('shop', shop.port)],
      policies: { traffic: {
        rateLimit: { id: 'TrafficPolicy/ns/o', local: [{ requests: 3, windowMs: 60_000, keys: [{ type: 'Path' }] }], shadow: false, failOpen: true, headers: true },
        responseOverride: [
          { match: { codes: [429], ranges: [] }, response: { status: 429, headers: [{ name: 'content-type', value: 'text/html' }], body: '<h1>slow down</h1>' } },
          { match: { codes: [], ranges: [{ from: 500, to: 599 }] }, response: { status: 502, headers: [{ name: 'content-type', value: 'text/html' }], body: '<h1>sorry</h1>' } },
        ],
      } },
    })));
    const p = H.boundPort(res, 0);
    const bad = await H.h1(p, { path: '/500' });
    assert.is(bad.status, 502);
    assert.is(bad.body, '<h1>sorry</h1>');
    assert.is(bad.headers['content-type'], 'text/html');
    assert.is((await H.h1(p, { path: '/500' })).status, 502);
    assert.is((await H.h1(p, { path: '/500' })).status, 502);
    const limited = await H.h1(p, { path: '/500' });
    assert.is(limited.status, 429);
    assert.is(limited.body, '<h1>slow down</h1>');
    const fine = await H.h1(p, { path: '/ok' });
    assert.is(fine.status, 200);
    assert.is(fine.body, 'ok /ok');
    const h2bad = await H.h2(p, { path: '/5xx' });
    assert.is(h2bad.status, 502);
    assert.is(h2bad.body, '<h1>sorry</h1>');
  } finally {
    await dp.close(0);
    await shop.close();
  }
});

/** Sends a chunked body piece by piece; resolves with the status as soon as an answer comes, and how much was sent. */
function chunkedUpload(port: number, path: string, pieces: number, pieceBytes: number): Promise<{ status: number; sent: number }> {
  return new Promise((done, fail) => {
    let sent = 0;
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      answered = true;
      res.resume();
      done({ status: res.statusCode!, sent });
    });
    req.on('error', (e) => (answered ? undefined : fail(e)));
    let i = 0;
    const next = () => {
      if (answered) return req.destroy();
      if (i++ >= pieces) return req.end();
      sent += pieceBytes;
      req.write(Buffer.alloc(pieceBytes, 97), () => setTimeout(next, 2));
    };
    next();
  });
}

test('requestBody.maxSize per rule over the listener\'s: 413 on a declared or streamed body, without reading all of it', async () => {
  const shop = await startShop();
  const dp = createDataplane();
  try {
    const upload = H.httpRule({ path: { type: 'PathPrefix', value: '/upload' } }, { backends: [H.backend('shop', shop.port)], policies: { traffic: { requestBody: { maxRequestBodyBytes: 100_000 } } } });
    const other = H.httpRule({}, { backends: [H.backend('shop', shop.port)] });
    const small = H.httpRule({ path: { type: 'PathPrefix', value: '/tiny' } }, { backends: [H.backend('shop', shop.port)], policies: { traffic: { requestBody: { maxRequestBodyBytes: 10 } } } });
    const t = H.table(H.gateway([H.port(0, [{ ...H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [upload, small, other] }]), limits: { maxRequestBodyBytes: 1000 } }])]));
    const res = await dp.apply(t);
    const p = H.boundPort(res, 0);
    // The listener's 1000 bytes hold where no rule says otherwise.
    assert.is((await H.h1(p, { path: '/x', method: 'POST', body: 'a'.repeat(1001) })).status, 413);
    assert.is((await H.h1(p, { path: '/x', method: 'POST', body: 'a'.repeat(1000) })).status, 200);
    // The upload rule allows more than the listener, the tiny rule less.
    assert.is((await H.h1(p, { path: '/upload', method: 'POST', body: 'a'.repeat(50_000) })).status, 200);
    assert.is((await H.h1(p, { path: '/upload', method: 'POST', body: 'a'.repeat(100_001) })).status, 413);
    assert.is((await H.h1(p, { path: '/tiny', method: 'POST', body: 'a'.repeat(11) })).status, 413);
    const seenBefore = shop.seen.length;
    // A chunked body of 1 MB in 1000 pieces: the 413 comes after about 100 kB, the rest is never sent.
    const streamed = await chunkedUpload(p, '/upload/big', 1000, 1000);
    assert.is(streamed.status, 413);
    assert.ok(streamed.sent < 1_000_000, String(streamed.sent));
    // HTTP/2 without content-length: counted as it streams.
    assert.is((await H.h2(p, { path: '/tiny', method: 'POST', body: 'a'.repeat(64) })).status, 413);
    assert.ok(shop.seen.length - seenBefore <= 1);
  } finally {
    await dp.close(0);
    await shop.close();
  }
});

test.run();
