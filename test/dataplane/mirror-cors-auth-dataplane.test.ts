// The policy filters wired for real: createDataplane() serving a table whose rules carry CORS,
// ExternalAuth and RequestMirror (rule- and backend-level), proxying to echo backends over
// loopback, on HTTP/1.1 and h2c.
import * as http from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { CorsIR, ExternalAuthIR, FilterIR } from '../../gateway/ir/index.ts';
import * as H from './server-helpers.ts';
import { recorder as backendRecorder } from './policies-harness.ts';

const CORS: CorsIR = {
  allowOrigins: ['https://*.app.test'],
  allowCredentials: true,
  allowMethods: ['GET', 'PUT'],
  allowHeaders: ['x-token'],
  exposeHeaders: ['x-echo'],
  maxAge: 60,
};

const T = suite('policies through createDataplane');

T('CORS preflight answered by the gateway, actual request proxied with CORS headers (h1 and h2c)', async () => {
  const echo = await H.startEcho('app');
  const dp = createDataplane();
  try {
    const rule = H.httpRule({}, { filters: [{ type: 'CORS', cors: CORS }], backends: [H.backend('app', echo.port)] });
    const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [rule] }])])])));
    const p = H.boundPort(res, 0);
    const pre = await H.h1(p, {
      method: 'OPTIONS',
      path: '/x',
      headers: { origin: 'https://a.app.test', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-token' },
    });
    assert.is(pre.status, 204);
    assert.is(pre.headers['x-echo'], undefined, 'the backend never sees a preflight');
    assert.is(pre.headers['access-control-allow-origin'], 'https://a.app.test');
    assert.is(pre.headers['access-control-allow-methods'], 'GET, PUT');
    assert.is(pre.headers['access-control-max-age'], '60');
    const actual = await H.h1(p, { path: '/x', headers: { origin: 'https://a.app.test' } });
    assert.is(actual.status, 200);
    assert.is(actual.headers['x-echo'], 'app');
    assert.is(actual.headers['access-control-allow-origin'], 'https://a.app.test');
    assert.is(actual.headers['access-control-allow-credentials'], 'true');
    assert.is(actual.headers['access-control-expose-headers'], 'x-echo');
    const viaH2 = await H.h2(p, { path: '/x', headers: { origin: 'https://b.app.test' } });
    assert.is(viaH2.status, 200);
    assert.is(viaH2.headers['access-control-allow-origin'], 'https://b.app.test');
  } finally {
    await dp.close();
    await echo.close();
  }
});

T("CORS on a proxied response adds Vary: Origin to the backend's own Vary", async () => {
  const backend = await new Promise<import('node:http').Server>((resolve) => {
    const srv = http.createServer((_req, res) => res.writeHead(200, { vary: 'Accept-Encoding' }).end('ok'));
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
  const dp = createDataplane();
  try {
    const port = (backend.address() as import('node:net').AddressInfo).port;
    const rule = H.httpRule({}, { filters: [{ type: 'CORS', cors: CORS }], backends: [H.backend('app', port)] });
    const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [rule] }])])])));
    const p = H.boundPort(res, 0);
    const allowed = await H.h1(p, { path: '/x', headers: { origin: 'https://a.app.test' } });
    assert.is(allowed.headers['vary'], 'Accept-Encoding, Origin');
    assert.is(allowed.headers['access-control-allow-origin'], 'https://a.app.test');
    const refused = await H.h1(p, { path: '/x', headers: { origin: 'https://evil.test' } });
    assert.is(refused.headers['vary'], 'Accept-Encoding, Origin', 'the answer depends on Origin even when refused');
    assert.is(refused.headers['access-control-allow-origin'], undefined);
    const plain = await H.h1(p, { path: '/x' });
    assert.is(plain.headers['vary'], 'Accept-Encoding');
  } finally {
    await dp.close();
    await new Promise((r) => backend.close(r));
  }
});

T('ExternalAuth (HTTP) with forwardBody: allowed requests reach the backend with body and auth headers', async () => {
  const echo = await H.startEcho('app');
  const authSvc = await backendRecorder((s, res) => {
    if (s.headers['authorization'] === 'Bearer good') res.writeHead(200, { 'x-user': 'alice' }).end();
    else res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden');
  });
  const dp = createDataplane();
  try {
    const auth: ExternalAuthIR = {
      protocol: 'HTTP',
      backend: H.backend('auth', authSvc.port),
      path: '/verify',
      allowedHeaders: [],
      allowedResponseHeaders: ['x-user'],
      forwardBodyMaxSize: 1024,
    };
    const rule = H.httpRule({}, { filters: [{ type: 'ExternalAuth', auth }], backends: [H.backend('app', echo.port)] });
    const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [rule] }])])])));
    const p = H.boundPort(res, 0);
    const ok = await H.h1(p, { method: 'POST', path: '/orders', body: '{"n":1}', headers: { authorization: 'Bearer good', 'content-type': 'application/json' } });
    assert.is(ok.status, 200);
    const seen = JSON.parse(ok.body) as { body: string; headers: Record<string, string> };
    assert.is(seen.body, '{"n":1}');
    assert.is(seen.headers['x-user'], 'alice');
    assert.is(authSvc.seen.at(-1)!.url, '/verify/orders');
    assert.is(authSvc.seen.at(-1)!.body, '{"n":1}');
    const bad = await H.h1(p, { method: 'POST', path: '/orders', body: '{}', headers: { authorization: 'Bearer bad' } });
    assert.is(bad.status, 403);
    assert.is(bad.body.trim(), 'forbidden');
    assert.is(bad.headers['x-echo'], undefined);
    const viaH2 = await H.h2(p, { method: 'POST', path: '/h2', body: 'abc', headers: { authorization: 'Bearer good' } });
    assert.is(viaH2.status, 200);
    assert.is((JSON.parse(viaH2.body) as { body: string }).body, 'abc');
  } finally {
    await dp.close();
    await echo.close();
    await authSvc.close();
  }
});

T('RequestMirror at rule and backend level: both copies arrive, the body is teed, the main answer is the backend', async () => {
  const echo = await H.startEcho('app');
  const m1 = await backendRecorder();
  const m2 = await backendRecorder();
  const dp = createDataplane();
  try {
    const backendMirror: FilterIR = { type: 'RequestMirror', mirror: { backend: H.backend('m2', m2.port), fraction: 1 } };
    const rule = H.httpRule({}, {
      filters: [{ type: 'RequestMirror', mirror: { backend: H.backend('m1', m1.port), fraction: 1 } }],
      backends: [H.backend('app', echo.port, { filters: [backendMirror] })],
    });
    const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [rule] }])])])));
    const p = H.boundPort(res, 0);
    const body = 'm'.repeat(100_000);
    const a = await H.h1(p, { method: 'POST', path: '/copy?id=7', body });
    assert.is(a.status, 200);
    assert.is(a.headers['x-echo'], 'app');
    assert.ok((JSON.parse(a.body) as { body: string }).body === body, 'backend body intact');
    await m1.waitFor(1);
    await m2.waitFor(1);
    for (const m of [m1, m2]) {
      assert.is(m.seen[0]!.url, '/copy?id=7');
      assert.ok(m.seen[0]!.body === body, 'mirror body intact');
    }
  } finally {
    await dp.close();
    await echo.close();
    await m1.close();
    await m2.close();
  }
});

T.run();
