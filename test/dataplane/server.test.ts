// The server side over real sockets: h1 and h2c on one port, matching, precedence, listener
// isolation, gateway errors and the access record.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { HttpRuleIR } from '../../gateway/ir/index.ts';
import * as H from './server-helpers.ts';

const tag = (name: string, match: Parameters<typeof H.httpRule>[0]) => H.direct(200, name, match);
const body = (r: H.Reply) => r.body.trim();

test('matching over h1 and h2c: each match type, IR order kept', async () => {
  const rules: HttpRuleIR[] = [
    tag('exact', { path: { type: 'Exact', value: '/exact' } }),
    tag('regex', { path: { type: 'RegularExpression', value: '/re/[0-9]+' } }),
    tag('method', { path: { type: 'PathPrefix', value: '/m' }, method: 'POST' }),
    tag('header', { path: { type: 'PathPrefix', value: '/m' }, headers: [{ name: 'version', type: 'Exact', value: 'two' }] }),
    tag('query', { path: { type: 'PathPrefix', value: '/m' }, queryParams: [{ name: 'q', type: 'Exact', value: '1' }] }),
    tag('prefix', { path: { type: 'PathPrefix', value: '/m' } }),
  ];
  const rec = H.recorder();
  const dp = createDataplane({ observer: rec.observer });
  try {
    const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules }])])])));
    const p = H.boundPort(res, 0);
    for (const send of [H.h1, H.h2]) {
      assert.is(body(await send(p, { path: '/exact' })), 'exact');
      assert.is((await send(p, { path: '/exact/' })).status, 404);
      assert.is(body(await send(p, { path: '/re/42' })), 'regex');
      assert.is((await send(p, { path: '/re/4x' })).status, 404);
      assert.is(body(await send(p, { path: '/m', method: 'POST' })), 'method');
      assert.is(body(await send(p, { path: '/m/x', headers: { Version: 'two' } })), 'header');
      assert.is(body(await send(p, { path: '/m?q=1' })), 'query');
      assert.is(body(await send(p, { path: '/m/deeper?q=2' })), 'prefix');
      assert.is((await send(p, { path: '/mm' })).status, 404);
    }
    const noRoute = rec.records.find((r) => r.status === 404)!;
    assert.is(noRoute.responseFlags?.join(','), 'GW_ERR_NO_ROUTE');
    const h2rec = rec.records.find((r) => r.protocol === 'HTTP/2' && r.path === '/exact')!;
    assert.is(h2rec.status, 200);
    assert.is(h2rec.listener, 'l');
    assert.is(h2rec.route, `HTTPRoute/ns/${rules[0]!.route.name}`);
  } finally {
    await dp.close();
  }
});

test('host buckets: exact, then wildcard, then *, the first bucket decides', async () => {
  const dp = createDataplane();
  try {
    const hosts = [
      { hostname: 'a.example.com', rules: [tag('exact-a', { path: { type: 'Exact', value: '/only' } })] },
      { hostname: '*.example.com', rules: [tag('wild', { path: { type: 'PathPrefix', value: '/' } })] },
      { hostname: '*', rules: [tag('any', { path: { type: 'PathPrefix', value: '/' } })] },
    ];
    const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, hosts)])])));
    const p = H.boundPort(res, 0);
    assert.is(body(await H.h1(p, { host: 'A.Example.com:8080', path: '/only' })), 'exact-a');
    // No fall-through from the exact bucket to the wildcard one.
    assert.is((await H.h1(p, { host: 'a.example.com', path: '/other' })).status, 404);
    assert.is(body(await H.h1(p, { host: 'b.c.example.com' })), 'wild');
    assert.is(body(await H.h1(p, { host: 'example.com' })), 'any');
  } finally {
    await dp.close();
  }
});

test('GatewayHTTPListenerIsolation: each host goes to its most specific listener only', async () => {
  const dp = createDataplane();
  try {
    const l = (id: string, hostname: string | undefined, path: string) =>
      H.listener(id, 'HTTP', hostname, [{ hostname: hostname ?? '*', rules: [tag(id, { path: { type: 'PathPrefix', value: path } })] }]);
    // Pre-sorted most specific first, as the IR promises.
    const listeners = [
      l('abc-foo-example-com', 'abc.foo.example.com', '/abc-foo-example-com'),
      l('wildcard-foo-example-com', '*.foo.example.com', '/wildcard-foo-example-com'),
      l('wildcard-example-com', '*.example.com', '/wildcard-example-com'),
      l('empty-hostname', undefined, '/empty-hostname'),
    ];
    const res = await dp.apply(H.table(H.gateway([H.port(0, listeners)])));
    const p = H.boundPort(res, 0);
    const hosts: [string, string][] = [
      ['bar.com', 'empty-hostname'],
      ['bar.example.com', 'wildcard-example-com'],
      ['bar.foo.example.com', 'wildcard-foo-example-com'],
      ['abc.foo.example.com', 'abc-foo-example-com'],
    ];
    for (const [host, owner] of hosts) {
      for (const l of listeners) {
        const r = await H.h1(p, { host, path: `/${l.id}` });
        assert.is(r.status, l.id === owner ? 200 : 404, `${host} /${l.id}`);
      }
    }
  } finally {
    await dp.close();
  }
});

test('bad requests: missing Host → 400, malformed request → 400, process survives; one record per request', async () => {
  const rec = H.recorder();
  const dp = createDataplane({ observer: rec.observer });
  const { default: http } = await import('node:http');
  const slow = http.createServer((_req, res) => { setTimeout(() => res.end('late'), 300); });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  try {
    const slowRule = H.httpRule({ path: { type: 'PathPrefix', value: '/slow' } }, { backends: [H.backend('slow', (slow.address() as net.AddressInfo).port)] });
    const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [slowRule, tag('ok', {})] }])])])));
    const p = H.boundPort(res, 0);
    const raw = (text: string) => new Promise<string>((resolve, reject) => {
      const s = net.connect(p, '127.0.0.1');
      let out = '';
      s.setTimeout(3000, () => { s.destroy(); reject(new Error('raw timeout')); });
      s.on('data', (c) => (out += c.toString()));
      s.on('close', () => resolve(out));
      s.on('error', reject);
      s.write(text);
    });
    const missing = await raw('GET / HTTP/1.1\r\nconnection: close\r\n\r\n');
    assert.match(missing, /^HTTP\/1\.1 400 /);
    assert.match(missing, /missing Host/);
    const badHost = await raw('GET / HTTP/1.1\r\nhost: evil.example/x?y\r\nconnection: close\r\n\r\n');
    assert.match(badHost, /^HTTP\/1\.1 400 /);
    assert.match(badHost, /invalid Host/);
    const h2cUpgrade = await raw('GET / HTTP/1.1\r\nhost: a\r\nconnection: Upgrade, HTTP2-Settings, close\r\nupgrade: h2c\r\nhttp2-settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n');
    assert.match(h2cUpgrade, /^HTTP\/1\.1 200 /, 'Upgrade: h2c is ignored, the request served on HTTP/1.1');
    const garbage = await raw('NOT A REQUEST\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    // Absolute-form target: the authority in it is the host.
    const abs = await raw('GET http://x.example/abs?z=1 HTTP/1.1\r\nhost: ignored\r\nconnection: close\r\n\r\n');
    assert.match(abs, /^HTTP\/1\.1 200 /);
    assert.is(body(await H.h1(p, { path: '/' })), 'ok');
    // A client that goes away while the backend is still thinking yields exactly one record.
    const before = rec.records.length;
    await new Promise<void>((resolve) => {
      const s = net.connect(p, '127.0.0.1', () => {
        s.write('GET /slow HTTP/1.1\r\nhost: a\r\n\r\n');
        setTimeout(() => { s.destroy(); resolve(); }, 100);
      });
      s.on('error', () => {});
    });
    await new Promise((r) => setTimeout(r, 500));
    const aborted = rec.records.slice(before);
    assert.is(aborted.length, 1, JSON.stringify(aborted));
    assert.is(aborted[0]!.responseFlags?.join(','), 'GW_ERR_CLIENT_ABORT');
    assert.is(aborted[0]!.status, 499);
    assert.is(rec.records.filter((r) => r.responseFlags?.join(',') === 'GW_ERR_BAD_REQUEST').length, 2);
    const a = rec.records.find((r) => r.path === '/abs')!;
    assert.is(a.authority, 'x.example');
  } finally {
    await dp.close();
    slow.closeAllConnections();
    slow.close();
  }
});

test('a handler that throws gets a 500 and the process keeps serving', async () => {
  const rec = H.recorder();
  const events: string[] = [];
  const dp = createDataplane({ observer: { ...rec.observer, onEvent: (_l, m) => events.push(m) } });
  try {
    // CR LF in the redirect hostname makes writing the Location header throw.
    const bad = H.httpRule({ path: { type: 'PathPrefix', value: '/bad' } }, {
      filters: [{ type: 'RequestRedirect', redirect: { statusCode: 302, hostname: 'bad\r\nx-injected: 1' } }],
    });
    const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [bad, tag('ok', {})] }])])])));
    const p = H.boundPort(res, 0);
    const r = await H.h1(p, { path: '/bad' });
    assert.is(r.status, 500);
    assert.is(body(await H.h1(p, { path: '/fine' })), 'ok');
    assert.ok(events.includes('request handler failed'));
    assert.is(rec.records.find((x) => x.path === '/bad')!.responseFlags?.join(','), 'GW_ERR_INTERNAL');
  } finally {
    await dp.close();
  }
});

test('a 10,000-route table applies and routes correctly through the sockets', async () => {
  const dp = createDataplane();
  try {
    const rules: HttpRuleIR[] = [];
    for (let i = 0; i < 5000; i++) rules.push(tag(`e${i}`, { path: { type: 'Exact', value: `/s${i}/x` } }));
    for (let i = 0; i < 5000; i++) rules.push(tag(`p${i}`, { path: { type: 'PathPrefix', value: `/s${i}` } }));
    // How long the apply takes is measured by npm run bench (route tables), not asserted here.
    const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules }])])])));
    const p = H.boundPort(res, 0);
    assert.is(body(await H.h1(p, { path: '/s4999/x' })), 'e4999');
    assert.is(body(await H.h1(p, { path: '/s17/y' })), 'p17');
    assert.is(body(await H.h2(p, { path: '/s0' })), 'p0');
    assert.is((await H.h1(p, { path: '/s99999' })).status, 404);
  } finally {
    await dp.close();
  }
});

test('HTTP/1.1 keep-alive and h2 multiplexing: many requests on one connection', async () => {
  const dp = createDataplane();
  try {
    const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [tag('ok', {})] }])])])));
    const p = H.boundPort(res, 0);
    const { default: http2 } = await import('node:http2');
    const session = http2.connect(`http://127.0.0.1:${p}`);
    const one = () => new Promise<number>((resolve, reject) => {
      const s = session.request({ ':path': '/' });
      s.on('response', (h) => resolve(Number(h[':status'])));
      s.on('error', reject);
      s.resume();
      s.end();
    });
    const statuses = await Promise.all(Array.from({ length: 50 }, one));
    session.close();
    assert.ok(statuses.every((s) => s === 200));
    const { default: http } = await import('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () => new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: p, path: '/', agent }, (r) => { r.resume(); r.on('end', () => resolve(r.statusCode!)); }).on('error', reject);
    });
    for (let i = 0; i < 20; i++) assert.is(await get(), 200);
    agent.destroy();
  } finally {
    await dp.close();
  }
});

test.run();
