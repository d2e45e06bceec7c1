// RequestMirror filter over real loopback sockets: the HTTPRouteRequestMultipleMirrors
// conformance pairs, body copies, the fraction, and mirrors that are slow, stalled or down
// never delaying or failing the main request.
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createServer as createH2cServer } from 'node:http2';
import type { ServerResponse } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Handler } from '../../gateway/dataplane/http/exchange.ts';
import { mirrorFilter, teeBody } from '../../gateway/dataplane/http/filters/mirror.ts';
import { requestHeaderModifierFilter } from '../../gateway/dataplane/http/filters/request-header-modifier.ts';
import { backend, deadPort, echoTerminal, firstEndpoint, recorder, send, serveChain, type Recorder } from './policies-harness.ts';

const deps = { pickEndpoint: firstEndpoint };

/** Composes (outermost first) filter factories around the echo backend. */
function chainOf(...filters: ((next: Handler) => Handler)[]): Handler {
  return filters.reduceRight<Handler>((next, f) => f(next), echoTerminal);
}

const M = suite<{ v2: Recorder; v3: Recorder }>('mirror');
M.before(async (ctx) => {
  ctx.v2 = await recorder();
  ctx.v3 = await recorder();
});
M.after(async (ctx) => {
  await ctx.v2.close();
  await ctx.v3.close();
});

M('conformance HTTPRouteRequestMultipleMirrors: both mirrors get the request, the backend answers', async ({ v2, v3 }) => {
  const m2 = mirrorFilter({ backend: backend('infra-backend-v2', v2.port), fraction: 1 }, deps);
  const m3 = mirrorFilter({ backend: backend('infra-backend-v3', v3.port), fraction: 1 }, deps);
  const plain = chainOf(m2.filter, m3.filter);
  const modified = chainOf(
    requestHeaderModifierFilter({
      set: [{ name: 'X-Header-Set', value: 'set-overwrites-values' }],
      add: [{ name: 'X-Header-Add', value: 'header-val-1' }, { name: 'X-Header-Add-Append', value: 'header-val-2' }],
      remove: ['X-Header-Remove'],
    }),
    m2.filter,
    m3.filter,
  );
  const gw = await serveChain((ex) => (ex.path.startsWith('/multi-mirror-and-modify-request-headers') ? modified(ex) : plain(ex)));
  try {
    // Upstream tags each request with a unique query parameter and looks for it in the mirrors' logs.
    const id1 = randomUUID();
    const a = await send(gw.port, { path: `/multi-mirror?gateway-api-conformance-request-id=${id1}` });
    assert.is(a.status, 200);
    const echoed = JSON.parse(a.body) as { path: string; query: string; headers: Record<string, string> };
    assert.is(echoed.path + echoed.query, `/multi-mirror?gateway-api-conformance-request-id=${id1}`);
    await v2.waitFor(1);
    await v3.waitFor(1);
    assert.is(v2.seen.at(-1)!.url, `/multi-mirror?gateway-api-conformance-request-id=${id1}`);
    assert.is(v3.seen.at(-1)!.url, `/multi-mirror?gateway-api-conformance-request-id=${id1}`);

    const id2 = randomUUID();
    const path2 = `/multi-mirror-and-modify-request-headers?gateway-api-conformance-request-id=${id2}`;
    const b = await send(gw.port, { path: path2, headers: { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1' } });
    assert.is(b.status, 200);
    const e2 = JSON.parse(b.body) as { headers: Record<string, string | string[]> };
    assert.is(e2.headers['x-header-add'], 'header-val-1');
    const appended = e2.headers['x-header-add-append'];
    assert.is(Array.isArray(appended) ? appended.join(',') : appended, 'append-val-1,header-val-2');
    assert.is(e2.headers['x-header-set'], 'set-overwrites-values');
    assert.is(e2.headers['x-header-remove'], undefined);
    await v2.waitFor(2);
    await v3.waitFor(2);
    for (const r of [v2, v3]) {
      const s = r.seen.at(-1)!;
      assert.is(s.url, path2);
      // The copy is taken after the earlier filters ran.
      assert.is(s.headers['x-header-set'], 'set-overwrites-values');
      assert.is(s.headers['x-header-remove'], undefined);
      assert.is(s.headers['host'], 'app.example.com');
    }
  } finally {
    m2.close();
    m3.close();
    await gw.close();
  }
});

M('the body is copied to every mirror and still reaches the backend whole', async ({ v2, v3 }) => {
  const m2 = mirrorFilter({ backend: backend('v2', v2.port), fraction: 1 }, deps);
  const m3 = mirrorFilter({ backend: backend('v3', v3.port), fraction: 1 }, deps);
  const gw = await serveChain(chainOf(m2.filter, m3.filter));
  const body = Buffer.alloc(300_000, 'abcdefghij').toString();
  const n2 = v2.seen.length;
  const n3 = v3.seen.length;
  try {
    const a = await send(gw.port, { method: 'POST', path: '/upload', body, headers: { 'content-type': 'text/plain' } });
    assert.is(a.status, 200);
    assert.is((JSON.parse(a.body) as { body: string }).body.length, body.length);
    assert.ok((JSON.parse(a.body) as { body: string }).body === body, 'backend body intact');
    await v2.waitFor(n2 + 1);
    await v3.waitFor(n3 + 1);
    assert.is(v2.seen.at(-1)!.method, 'POST');
    assert.ok(v2.seen.at(-1)!.body === body, 'mirror v2 body intact');
    assert.ok(v3.seen.at(-1)!.body === body, 'mirror v3 body intact');
  } finally {
    m2.close();
    m3.close();
    await gw.close();
  }
});

M('fraction is honoured statistically; fraction 0 never mirrors', async ({ v2, v3 }) => {
  const m2 = mirrorFilter({ backend: backend('v2', v2.port), fraction: 0.3 }, deps);
  const m3 = mirrorFilter({ backend: backend('v3', v3.port), fraction: 0 }, deps);
  const gw = await serveChain(chainOf(m2.filter, m3.filter));
  const n2 = v2.seen.length;
  const n3 = v3.seen.length;
  const N = 400;
  try {
    for (let i = 0; i < N; i += 20) {
      const batch = Array.from({ length: 20 }, (_, j) => send(gw.port, { path: `/f${i + j}` }));
      for (const a of await Promise.all(batch)) assert.is(a.status, 200);
    }
    // Let the fire-and-forget copies land.
    await new Promise((r) => setTimeout(r, 200));
    const got = v2.seen.length - n2;
    // 0.3 × 400 = 120; σ ≈ 9.2: ±40 is over 4σ.
    assert.ok(got > 80 && got < 160, `mirrored ${got} of ${N}`);
    assert.is(v3.seen.length - n3, 0);
  } finally {
    m2.close();
    m3.close();
    await gw.close();
  }
});

function stalledServer(): Promise<{ port: number; sockets: Socket[]; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: TcpServer = createTcpServer((s) => {
    // Accepts, never reads and never answers: the worst mirror there is.
    s.pause();
    sockets.push(s);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        sockets,
        close: () => {
          for (const s of sockets) s.destroy();
          return new Promise((r) => server.close(() => r()));
        },
      }),
    ),
  );
}

M('a stalled mirror (never reads, never answers) neither delays nor fails the main request', async () => {
  const stalled = await stalledServer();
  const m = mirrorFilter({ backend: backend('stalled', stalled.port), fraction: 1 }, deps);
  const gw = await serveChain(chainOf(m.filter));
  const body = Buffer.alloc(4 * 1024 * 1024, 'z');
  try {
    const a = await send(gw.port, { method: 'POST', path: '/big', body, timeoutMs: 5000 });
    assert.is(a.status, 200);
    assert.is((JSON.parse(a.body) as { body: string }).body.length, body.length);
    // The mirror never reads nor answers: that the main requests complete at all (within the
    // send timeout) is the proof that they do not wait on it. No wall-clock bound is asserted.
    const small = await send(gw.port, { path: '/small' });
    assert.is(small.status, 200);
    assert.ok(stalled.sockets.length >= 1, 'the mirror was attempted');
  } finally {
    m.close();
    await gw.close();
    await stalled.close();
  }
});

M('a slow mirror (held until the main request is done) and a down mirror do not hold up the main request', async () => {
  // The mirror answers only once the test releases it, after the main request has completed:
  // if the main request waited for the mirror, it could never complete.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const slow = await recorder(async (s, res) => {
    await held;
    res.writeHead(200).end();
  });
  const down = await deadPort();
  const ms = mirrorFilter({ backend: backend('slow', slow.port), fraction: 1 }, deps);
  const md = mirrorFilter({ backend: backend('down', down), fraction: 1 }, deps);
  const gw = await serveChain(chainOf(ms.filter, md.filter));
  try {
    const a = await send(gw.port, { method: 'POST', path: '/p', body: 'payload' });
    assert.is(a.status, 200);
    assert.is((JSON.parse(a.body) as { body: string }).body, 'payload');
    release();
    await slow.waitFor(1);
    assert.is(slow.seen[0]!.body, 'payload');
  } finally {
    release();
    ms.close();
    md.close();
    await gw.close();
    await slow.close();
  }
});

M('a gateway answer before the body is read does not leave the mirror copy hanging', async ({ v2 }) => {
  const m = mirrorFilter({ backend: backend('v2', v2.port), fraction: 1 }, deps);
  // Terminal that refuses without reading the body (as a 413 or an auth denial would).
  const refuse: Handler = (ex) => {
    const res = ex.res as ServerResponse;
    res.writeHead(403, { connection: 'close' });
    res.end('no');
  };
  const gw = await serveChain(m.filter(refuse));
  try {
    const a = await send(gw.port, { method: 'POST', path: '/p', body: Buffer.alloc(2 * 1024 * 1024, 'q') });
    assert.is(a.status, 403);
    // The aborted copy must not reach the mirror as a complete 2 MiB request.
    await new Promise((r) => setTimeout(r, 200));
    const full = v2.seen.filter((s) => s.url === '/p' && s.body.length === 2 * 1024 * 1024);
    assert.is(full.length, 0);
  } finally {
    m.close();
    await gw.close();
  }
});

M('as a backend filter (next returns before the body is read) the copy still gets the whole body', async ({ v2 }) => {
  const m = mirrorFilter({ backend: backend('v2', v2.port), fraction: 1 }, deps);
  // Like applyBackendFilters: the filter chain ends at once, the forwarder reads the body later.
  const later: Handler = (ex) => {
    setTimeout(() => void echoTerminal(ex), 50);
  };
  const gw = await serveChain(m.filter(later));
  const n = v2.seen.length;
  const body = 'b'.repeat(200_000);
  try {
    const a = await send(gw.port, { method: 'PUT', path: '/late', body });
    assert.is(a.status, 200);
    assert.ok((JSON.parse(a.body) as { body: string }).body === body);
    await v2.waitFor(n + 1);
    assert.ok(v2.seen.at(-1)!.body === body, 'mirror got the whole body');
  } finally {
    m.close();
    await gw.close();
  }
});

M('an h2c mirror backend (GRPCRoute-style) gets its copy over prior-knowledge HTTP/2', async () => {
  const got: { path: string; body: string; version: string }[] = [];
  const h2srv = createH2cServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url, body: Buffer.concat(chunks).toString(), version: req.httpVersion });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => h2srv.listen(0, '127.0.0.1', r));
  const h2port = (h2srv.address() as AddressInfo).port;
  const m = mirrorFilter({ backend: backend('grpc-mirror', h2port, { protocol: 'h2c' }), fraction: 1 }, deps);
  const gw = await serveChain(chainOf(m.filter));
  try {
    const a = await send(gw.port, { method: 'POST', path: '/pkg.Svc/Method', body: 'frame' });
    assert.is(a.status, 200);
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(got, [{ path: '/pkg.Svc/Method', body: 'frame', version: '2.0' }]);
  } finally {
    m.close();
    await gw.close();
    await new Promise((r) => h2srv.close(r));
  }
});

M('teeBody: the main side keeps backpressure, a mirror lagging past the limit is dropped', async () => {
  const src = new PassThrough();
  const { main, mirror } = teeBody(src, 2048);
  const got: Buffer[] = [];
  main.on('data', (c: Buffer) => got.push(c));
  const ended = new Promise((r) => main.on('end', r));
  for (let i = 0; i < 5; i++) src.write(Buffer.alloc(1024, i));
  src.end();
  await ended;
  assert.is(Buffer.concat(got).length, 5 * 1024, 'main got every byte');
  assert.ok(mirror.destroyed, 'the unread mirror was dropped once 2 KiB behind');
  // A mirror that keeps up is not dropped.
  const src2 = new PassThrough();
  const t2 = teeBody(src2, 2048);
  t2.main.resume();
  const copy: Buffer[] = [];
  t2.mirror.on('data', (c: Buffer) => copy.push(c));
  const done = new Promise((r) => t2.mirror.on('end', r));
  for (let i = 0; i < 5; i++) {
    src2.write(Buffer.alloc(1024, i));
    await new Promise((r) => setImmediate(r));
  }
  src2.end();
  await done;
  assert.is(Buffer.concat(copy).length, 5 * 1024);
});

M.run();
