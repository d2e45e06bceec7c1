// Hot reload: apply() swaps tables under traffic without failing requests; in-flight requests
// finish on the table they started with; removed sockets close; certificates change for new
// connections while established ones keep working.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { RoutingTable } from '../../gateway/ir/index.ts';
import { TestCA } from './certs.ts';
import * as H from './server-helpers.ts';

const plainTable = (name: string, ...extra: Parameters<typeof H.gateway>[0]) =>
  H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [H.direct(200, name)] }])]), ...extra]));

test('reload under traffic: no failed request, the socket stays, the new table answers', async () => {
  const dp = createDataplane();
  try {
    const first = await dp.apply(plainTable('t0'));
    const p = H.boundPort(first, 0);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const session = http2.connect(`http://127.0.0.1:${p}`);
    session.on('error', () => {});
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const seen = new Set<string>();
    const h1Loop = async () => {
      while (!stop) {
        await new Promise<void>((resolve) => {
          http.get({ host: '127.0.0.1', port: p, path: '/', agent }, (r) => {
            let b = '';
            r.on('data', (c) => (b += c));
            r.on('end', () => { if (r.statusCode === 200) { ok++; seen.add(b.trim()); } else failures.push(`h1 ${r.statusCode}`); resolve(); });
          }).on('error', (e) => { failures.push(`h1 ${e.message}`); resolve(); });
        });
      }
    };
    const h2Loop = async () => {
      while (!stop) {
        await new Promise<void>((resolve) => {
          const s = session.request({ ':path': '/' });
          let b = '';
          let st = 0;
          s.on('response', (h) => (st = Number(h[':status'])));
          s.on('data', (c) => (b += c));
          s.on('end', () => { if (st === 200) { ok++; seen.add(b.trim()); } else failures.push(`h2 ${st}`); resolve(); });
          s.on('error', (e) => { failures.push(`h2 ${e.message}`); resolve(); });
          s.end();
        });
      }
    };
    const loops = [h1Loop(), h1Loop(), h2Loop(), h2Loop()];
    for (let i = 1; i <= 20; i++) {
      const res = await dp.apply(plainTable(`t${i}`));
      assert.is(H.boundPort(res, 0), p, 'the kept port is not rebound');
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 30));
    stop = true;
    await Promise.all(loops);
    session.close();
    agent.destroy();
    assert.equal(failures, []);
    assert.ok(ok > 50, `only ${ok} requests`);
    assert.ok(seen.has('t20'), 'the last table answers');
    assert.ok(seen.size > 2, 'several tables served during the run');
  } finally {
    await dp.close();
  }
});

test('in-flight request finishes on the old table; the next one uses the new table', async () => {
  const slow = http.createServer((req, res) => setTimeout(() => res.end(`slow:${req.url}`), 300));
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  const fast = await H.startEcho('fast');
  const dp = createDataplane();
  try {
    const slowPort = (slow.address() as AddressInfo).port;
    const t = (b: ReturnType<typeof H.backend>): RoutingTable =>
      H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [H.httpRule({}, { backends: [b] })] }])])]));
    const res = await dp.apply(t(H.backend('slow', slowPort)));
    const p = H.boundPort(res, 0);
    const inflight = H.h1(p, { path: '/old' });
    await new Promise((r) => setTimeout(r, 50));
    await dp.apply(t(H.backend('fast', fast.port)));
    const next = await H.h1(p, { path: '/new' });
    assert.is(JSON.parse(next.body).backend, 'fast');
    const old = await inflight;
    assert.is(old.status, 200);
    assert.is(old.body, 'slow:/old');
  } finally {
    await dp.close();
    await fast.close();
    slow.closeAllConnections();
    slow.close();
  }
});

test('a removed port stops accepting; an added one opens; other gateways are untouched', async () => {
  const dp = createDataplane();
  try {
    const gwA = H.gateway([H.port(0, [H.listener('a', 'HTTP', undefined, [{ hostname: '*', rules: [H.direct(200, 'a')] }])])], 'ns/a');
    const gwB = H.gateway([H.port(0, [H.listener('b', 'HTTP', undefined, [{ hostname: '*', rules: [H.direct(200, 'b')] }])])], 'ns/b');
    const gwC = H.gateway([H.port(0, [H.listener('c', 'HTTP', undefined, [{ hostname: '*', rules: [H.direct(200, 'c')] }])])], 'ns/c');
    const r1 = await dp.apply(H.table(gwA, gwB));
    const pa = H.boundPort(r1, 0, 'ns/a');
    const pb = H.boundPort(r1, 0, 'ns/b');
    assert.is((await H.h1(pb)).body.trim(), 'b');
    const r2 = await dp.apply(H.table(gwA, gwC));
    assert.is(H.boundPort(r2, 0, 'ns/a'), pa);
    const pc = H.boundPort(r2, 0, 'ns/c');
    assert.is(r2.listening.length, 2);
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(pb, '127.0.0.1');
      s.on('connect', () => { s.destroy(); resolve(false); });
      s.on('error', () => resolve(true));
    });
    assert.ok(refused, 'removed port still accepts connections');
    assert.is((await H.h1(pa)).body.trim(), 'a');
    assert.is((await H.h1(pc)).body.trim(), 'c');
    // A port that cannot be bound is reported, the rest applies.
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as AddressInfo).port;
    const dp2 = createDataplane({ portOffset: taken });
    try {
      const r3 = await dp2.apply(H.table(gwA));
      assert.is(r3.errors.length, 1);
      assert.is(r3.errors[0]!.gateway, 'ns/a');
    } finally {
      await dp2.close();
      blocker.close();
    }
  } finally {
    await dp.close();
  }
});

test('a removed port drains: the in-flight request completes, then its connection closes', async () => {
  const slow = http.createServer((req, res) => setTimeout(() => res.end(`slow:${req.url}`), 300));
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  const dp = createDataplane();
  try {
    const b = H.backend('slow', (slow.address() as AddressInfo).port);
    const gw = H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [H.httpRule({}, { backends: [b] })] }])])], 'ns/gone');
    const res = await dp.apply(H.table(gw));
    const p = H.boundPort(res, 0, 'ns/gone');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let closed = false;
    const reply = new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: p, path: '/inflight', agent }, (r) => {
        r.socket.once('close', () => (closed = true));
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode!, body, connection: r.headers.connection }));
      }).on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 50));
    const r2 = await dp.apply(H.table());
    assert.is(r2.listening.length, 0);
    const got = await reply;
    assert.is(got.status, 200);
    assert.is(got.body, 'slow:/inflight');
    assert.is(got.connection, 'close');
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(closed, 'the kept-alive connection is closed after the drain');
    agent.destroy();
  } finally {
    await dp.close();
    slow.closeAllConnections();
    slow.close();
  }
});

test('certificate change: new connections get the new certificate, an established h2 session keeps working', async () => {
  const ca = new TestCA();
  const one = ca.issue('cert-one', ['site.test']);
  const two = ca.issue('cert-two', ['site.test']);
  const dp = createDataplane();
  try {
    const t = (pem: typeof one, body: string) => H.table(H.gateway([H.port(0, [
      H.listener('s', 'HTTPS', 'site.test', [{ hostname: 'site.test', rules: [H.direct(200, body)] }], { mode: 'Terminate', certificates: [H.cert(pem, ['site.test'])] }),
    ])]));
    const r1 = await dp.apply(t(one, 'v1'));
    const p = H.boundPort(r1, 0);
    const opts = { host: 'site.test', tls: { servername: 'site.test', ca: ca.ca.certPem } };
    assert.is((await H.h2(p, opts)).peerCertCN, 'cert-one');
    const session = http2.connect(`https://127.0.0.1:${p}`, { servername: 'site.test', ca: ca.ca.certPem });
    const ask = () => new Promise<string>((resolve, reject) => {
      const s = session.request({ ':path': '/', ':authority': 'site.test' });
      let b = '';
      s.on('data', (c) => (b += c));
      s.on('end', () => resolve(b.trim()));
      s.on('error', reject);
      s.end();
    });
    assert.is(await ask(), 'v1');
    const r2 = await dp.apply(t(two, 'v2'));
    assert.is(H.boundPort(r2, 0), p);
    const fresh = await H.h2(p, opts);
    assert.is(fresh.peerCertCN, 'cert-two');
    assert.is(fresh.body.trim(), 'v2');
    // Without SNI the default context follows too.
    const noSni = await H.h1(p, { host: 'site.test', tls: { ca: ca.ca.certPem } });
    assert.is(noSni.peerCertCN, 'cert-two');
    assert.is(await ask(), 'v2', 'established connection keeps working, on the new table');
    session.close();
    // HTTPS → HTTP on the same listener port needs another kind of server: it is rebound.
    const r3 = await dp.apply(plainTable('plain-now'));
    const p3 = H.boundPort(r3, 0);
    assert.is((await H.h1(p3, { host: 'site.test' })).body.trim(), 'plain-now');
    assert.is(r3.listening.length, 1);
  } finally {
    await dp.close();
    ca.cleanup();
  }
});

test.run();
