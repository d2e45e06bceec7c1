// The streaming forwarder over real loopback sockets: headers both ways, bodies, trailers,
// HEAD, 100-continue, protocol translation h1 <-> h2, gateway-generated errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { createUpstreams } from '../../gateway/dataplane/upstream/index.ts';
import { serveHandler } from '../helpers/exchange.ts';
import { backend, deadPort, get, getH2, noHooks, rule, startBackend } from './upstream-fixtures.ts';

const ups = createUpstreams();
test.after(() => ups.close());

test('forwards path, query, Host and X-Forwarded-*, strips hop-by-hop both ways', async () => {
  const be = await startBackend((req, res) => {
    (res as ServerResponse).writeHead(200, {
      connection: 'x-resp-hop',
      'x-resp-hop': 'secret',
      'keep-alive': 'timeout=77',
      'x-kept': 'yes',
      'set-cookie': ['a=1', 'b=2'],
    });
    res.end('ok');
  });
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])]), noHooks), {
    prepare: (ex) => (ex.upstreamHost = 'backend.example'),
  });
  try {
    const r = await get(gw.port, '/a/b?x=1&y=2', {
      headers: { connection: 'x-hop', 'x-hop': '1', 'x-end': '2', 'x-forwarded-for': '10.0.0.1', 'proxy-authorization': 'p', te: 'trailers, deflate' },
    });
    assert.is(r.status, 200);
    assert.is(r.body, 'ok');
    assert.is(r.headers['x-resp-hop'], undefined);
    assert.not.equal(r.headers['keep-alive'], 'timeout=77');
    assert.is(r.headers['x-kept'], 'yes');
    assert.equal(r.headers['set-cookie'], ['a=1', 'b=2']);
    const seen = be.seen[0]!;
    assert.is(seen.url, '/a/b?x=1&y=2');
    assert.is(seen.headers['host'], 'backend.example');
    assert.is(seen.headers['x-hop'], undefined);
    assert.is(seen.headers['proxy-authorization'], undefined);
    assert.is(seen.headers['x-end'], '2');
    assert.is(seen.headers['te'], 'trailers');
    assert.is(seen.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.is(seen.headers['x-forwarded-proto'], 'http');
    assert.is(seen.headers['x-forwarded-host'], `127.0.0.1:${gw.port}`);
    const rec = gw.records[0]!;
    assert.is(rec.status, 200);
    assert.is(rec.backend, 'Service:test/v1:80');
    assert.is(rec.upstreamAddress, `127.0.0.1:${be.port}`);
    assert.is(rec.attempts, 1);
    assert.is(rec.bytesOut, 2);
    assert.ok(rec.upstreamMs !== undefined && rec.upstreamMs >= 0);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('applies responseHeaders then responseModifiers to the upstream head', async () => {
  const be = await startBackend((_req, res) => {
    (res as ServerResponse).writeHead(200, { 'x-a': 'up', 'x-gone': '1', 'set-cookie': 'u=1' });
    res.end();
  });
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])]), noHooks), {
    prepare: (ex) => {
      ex.responseHeaders['access-control-allow-origin'] = '*';
      ex.responseHeaders['set-cookie'] = 's=2';
      ex.responseModifiers.push({ set: [{ name: 'X-A', value: 'set' }], add: [{ name: 'X-B', value: 'added' }], remove: ['x-gone'] });
    },
  });
  try {
    const r = await get(gw.port, '/');
    assert.is(r.headers['x-a'], 'set');
    assert.is(r.headers['x-b'], 'added');
    assert.is(r.headers['x-gone'], undefined);
    assert.is(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['set-cookie'], ['u=1', 's=2']);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('streams both ways: response chunks arrive before the request body ends', async () => {
  const be = await startBackend((req, res) => {
    (res as ServerResponse).writeHead(200, { 'content-type': 'application/octet-stream' });
    req.on('data', (c: Buffer) => res.write(c));
    req.on('end', () => res.end());
  });
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])]), noHooks));
  try {
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: gw.port, method: 'POST', path: '/stream', agent: false });
      req.setTimeout(5000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      let got = '';
      req.on('response', (res: IncomingMessage) => {
        res.on('data', (c: Buffer) => {
          got += c.toString();
          // Each piece comes back before the next one is sent: nothing is buffered.
          if (got === 'one') req.write('two');
          else if (got === 'onetwo') req.end('three');
        });
        res.on('end', () => resolve(got));
      });
      req.flushHeaders();
      req.write('one');
    });
    assert.is(echoed, 'onetwothree');
  } finally {
    await gw.close();
    await be.close();
  }
});

test('large bodies flow in full both ways', async () => {
  const size = 8 * 1024 * 1024;
  const be = await startBackend((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      (res as ServerResponse).writeHead(200, { 'x-received': String(n) });
      const chunk = Buffer.alloc(64 * 1024, 120);
      let left = size;
      const pump = () => {
        while (left > 0) {
          left -= chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
  });
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])]), noHooks));
  try {
    const r = await get(gw.port, '/big', { method: 'PUT', body: Buffer.alloc(size, 65), timeoutMs: 15000 });
    assert.is(r.headers['x-received'], String(size));
    assert.is(r.body.length, size);
    assert.is(gw.records[0]!.bytesOut, size);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('relays response trailers', async () => {
  const be = await startBackend((_req, res) => {
    (res as ServerResponse).writeHead(200, { trailer: 'x-checksum' });
    res.write('data');
    (res as ServerResponse).addTrailers({ 'x-checksum': 'abc' });
    res.end();
  });
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])]), noHooks));
  try {
    const r = await get(gw.port, '/t', { headers: { te: 'trailers' } });
    assert.is(r.body, 'data');
    assert.is(r.trailers['x-checksum'], 'abc');
  } finally {
    await gw.close();
    await be.close();
  }
});

test('HEAD keeps the upstream content-length and sends no body', async () => {
  const be = await startBackend((req, res) => {
    (res as ServerResponse).writeHead(200, { 'content-length': '1234', 'x-method': req.method! });
    res.end();
  });
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])]), noHooks));
  try {
    const r = await get(gw.port, '/h', { method: 'HEAD' });
    assert.is(r.status, 200);
    assert.is(r.headers['content-length'], '1234');
    assert.is(r.headers['x-method'], 'HEAD');
    assert.is(r.body, '');
  } finally {
    await gw.close();
    await be.close();
  }
});

test('Expect: 100-continue gets a 100 and the body is forwarded (Expect itself is not)', async () => {
  const be = await startBackend();
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])]), noHooks));
  try {
    const result = await new Promise<{ continued: boolean; status: number; body: string }>((resolve, reject) => {
      let continued = false;
      const req = request({
        host: '127.0.0.1', port: gw.port, method: 'POST', path: '/c', agent: false,
        headers: { expect: '100-continue', 'content-length': '5' },
      });
      req.setTimeout(5000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.on('continue', () => {
        continued = true;
        req.end('hello');
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ continued, status: res.statusCode!, body }));
      });
    });
    assert.ok(result.continued);
    assert.is(result.status, 200);
    const seen = JSON.parse(result.body);
    assert.is(seen.body, 5);
    assert.is(seen.headers.expect, undefined);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('HTTP/2 client to an HTTP/1.1 backend: :authority becomes Host', async () => {
  const be = await startBackend();
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])]), noHooks), { h2: true });
  try {
    const r = await getH2(gw.port, '/h2?q=1', { 'x-test': 'v', cookie: ['a=1', 'b=2'] as unknown as string });
    assert.is(r.status, 200);
    const seen = JSON.parse(r.body);
    assert.is(seen.httpVersion, '1.1');
    assert.is(seen.url, '/h2?q=1');
    assert.is(seen.headers.host, `127.0.0.1:${gw.port}`);
    assert.is(seen.headers['x-test'], 'v');
    assert.is(seen.headers['cookie'], 'a=1; b=2');
    assert.is(r.headers['connection'], undefined);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('HTTP/2 client: POST body and upstream connection headers are translated', async () => {
  const be = await startBackend((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      (res as ServerResponse).writeHead(201, { connection: 'keep-alive', 'keep-alive': 'timeout=5', 'x-n': String(n) });
      res.end('created');
    });
  });
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])]), noHooks), { h2: true });
  try {
    const r = await new Promise<{ status: number; n: string; body: string }>((resolve, reject) => {
      const s = h2connect(`http://127.0.0.1:${gw.port}`);
      s.on('error', reject);
      const st = s.request({ ':method': 'POST', ':path': '/p' });
      st.setTimeout(5000, () => st.close());
      let head: Record<string, unknown> = {};
      let body = '';
      st.on('response', (h) => (head = h));
      st.on('data', (c: Buffer) => (body += c));
      st.on('end', () => {
        s.close();
        resolve({ status: Number(head[':status']), n: String(head['x-n']), body });
      });
      st.on('error', reject);
      st.end(Buffer.alloc(100000, 1));
    });
    assert.is(r.status, 201);
    assert.is(r.n, '100000');
    assert.is(r.body, 'created');
  } finally {
    await gw.close();
    await be.close();
  }
});

test('HTTP/1.1 client to an h2c backend (prior knowledge)', async () => {
  const be = await startBackend(undefined, { h2c: true });
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port], { protocol: 'h2c' })]), noHooks), {
    prepare: (ex) => (ex.upstreamHost = 'h2c.example:8080'),
  });
  try {
    const r = await get(gw.port, '/x?y=1', { headers: { connection: 'keep-alive' } });
    assert.is(r.status, 200);
    const seen = JSON.parse(r.body);
    assert.is(seen.httpVersion, '2.0');
    assert.is(seen.url, '/x?y=1');
    assert.is(seen.headers[':authority'], 'h2c.example:8080');
    assert.is(seen.headers['connection'], undefined);
    const r2 = await get(gw.port, '/again', { method: 'POST', body: 'abc' });
    assert.is(JSON.parse(r2.body).body, 3);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('no endpoints -> 503, invalid backend -> 500, no weighted backend -> 500', async () => {
  const cases: [ReturnType<typeof rule>, number, string][] = [
    [rule([backend('empty', [])]), 503, 'GW_ERR_NO_ENDPOINTS'],
    [rule([backend('bad', [1], { invalid: { status: 500, reason: 'BackendNotFound' } })]), 500, 'GW_ERR_INVALID_BACKEND'],
    [rule([backend('zero', [1], { weight: 0 })]), 500, 'GW_ERR_NO_BACKEND'],
    [rule([]), 500, 'GW_ERR_NO_BACKEND'],
  ];
  for (const [r, status, code] of cases) {
    const gw = await serveHandler(ups.compileRule(r, noHooks));
    try {
      const got = await get(gw.port, '/');
      assert.is(got.status, status);
      assert.ok(got.body.length > 0);
      assert.is(gw.records[0]!.responseFlags?.join(','), code);
    } finally {
      await gw.close();
    }
  }
});

test('connection refused -> 502 GW_ERR_UPSTREAM_CONNECT, reported to the observer', async () => {
  const errors: string[] = [];
  const u = createUpstreams({ observer: { onUpstreamError: (b, code) => errors.push(`${b} ${code}`) } });
  const port = await deadPort();
  const gw = await serveHandler(u.compileRule(rule([backend('dead', [port])]), noHooks));
  try {
    const r = await get(gw.port, '/');
    assert.is(r.status, 502);
    assert.is(gw.records[0]!.responseFlags?.join(','), 'GW_ERR_UPSTREAM_CONNECT');
    assert.equal(errors, ['Service:test/dead:80 GW_ERR_UPSTREAM_CONNECT']);
  } finally {
    await gw.close();
    await u.close();
  }
});

test('a client abort cancels the upstream request', async () => {
  let upstreamClosed: () => void;
  const closed = new Promise<void>((r) => (upstreamClosed = r));
  const be = await startBackend((req, res) => {
    (res as ServerResponse).writeHead(200);
    res.write('partial');
    res.on('close', () => upstreamClosed());
  });
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])]), noHooks));
  try {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: gw.port, path: '/slow', agent: false });
      req.on('error', () => {});
      req.on('response', (res) => res.once('data', () => {
        req.destroy();
        resolve();
      }));
      setTimeout(() => reject(new Error('no response')), 3000).unref();
      req.end();
    });
    const t = setTimeout(() => {}, 3000);
    await closed;
    clearTimeout(t);
    assert.ok(true);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('gRPC over h2 -> h2c: trailers relayed, trailers-only answers stay trailers-only', async () => {
  const be = await startBackend(undefined, { h2c: true });
  const { createServer: createH2 } = await import('node:http2');
  const grpc = createH2();
  grpc.on('stream', (stream, headers) => {
    if (headers[':path'] === '/svc/Missing') {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-te': String(headers['te']) }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'ok' }));
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
  });
  await new Promise<void>((r) => grpc.listen(0, '127.0.0.1', r));
  const port = (grpc.address() as { port: number }).port;
  const gw = await serveHandler(ups.compileRule(rule([backend('g', [port], { protocol: 'h2c' })], { grpc: true }), noHooks), { h2: true });
  const call = (path: string) =>
    new Promise<{ head: Record<string, unknown>; endOnHead: boolean; trailers: Record<string, unknown>; bytes: number }>((resolve, reject) => {
      const s = h2connect(`http://127.0.0.1:${gw.port}`);
      s.on('error', reject);
      const st = s.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
      st.setTimeout(5000, () => st.close());
      let head: Record<string, unknown> = {};
      let endOnHead = false;
      let trailers: Record<string, unknown> = {};
      let bytes = 0;
      st.on('response', (h, flags) => {
        head = h;
        endOnHead = (flags & 1) === 1;
      });
      st.on('trailers', (t) => (trailers = t));
      st.on('data', (c: Buffer) => (bytes += c.length));
      st.on('close', () => {
        s.close();
        resolve({ head, endOnHead, trailers, bytes });
      });
      st.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  try {
    const ok = await call('/svc/Echo');
    assert.is(ok.head['x-te'], 'trailers');
    assert.is(ok.bytes, 5);
    assert.is(ok.trailers['grpc-status'], '0');
    const missing = await call('/svc/Missing');
    assert.is(missing.head['grpc-status'], '12');
    assert.ok(missing.endOnHead, 'END_STREAM on the only header block');
  } finally {
    await gw.close();
    await new Promise<void>((r) => grpc.close(() => r()));
    await be.close();
  }
});

test.run();
