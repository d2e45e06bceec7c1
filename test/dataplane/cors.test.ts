// CORS filter over real loopback HTTP: every request/expectation pair of the upstream
// conformance case HTTPRouteCORS (read from test/conformance/cases), plus the CRD rules the
// case does not reach (Max-Age default, port normalization, wildcard edges, null origin).
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CorsIR } from '../../gateway/ir/index.ts';
import type { Handler } from '../../gateway/dataplane/http/exchange.ts';
import { compileOrigins, corsFilter, originAllowed } from '../../gateway/dataplane/http/filters/cors.ts';
import { echoTerminal, send, serveChain, type Served } from './policies-harness.ts';

const cors = (c: Partial<CorsIR>): CorsIR => ({
  allowOrigins: [],
  allowCredentials: false,
  allowMethods: [],
  allowHeaders: [],
  exposeHeaders: [],
  maxAge: 5,
  ...c,
});

// The routes of tests/httproute-cors.yaml, as the translator hands them over (maxAge default 5).
const ROUTES: [string, CorsIR][] = [
  ['/cors-wildcard-methods-headers-unauth', cors({ allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'] })],
  ['/cors-wildcard-methods-headers', cors({ allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'], allowCredentials: true })],
  ['/cors-wildcard-origin', cors({ allowOrigins: ['*'], allowMethods: ['PUT'] })],
  ['/cors-2', cors({ allowOrigins: ['https://www.foo.com'], allowMethods: ['*'] })],
  ['/cors-1', cors({
    allowOrigins: ['https://www.foo.com', 'https://*.bar.com'],
    allowMethods: ['GET', 'OPTIONS'],
    allowHeaders: ['x-header-1', 'x-header-2'],
    exposeHeaders: ['x-header-3', 'x-header-4'],
    allowCredentials: true,
    maxAge: 3600,
  })],
  ['/defaults', cors({ allowOrigins: ['https://foo.com', 'http://*.local.test:8080'], allowMethods: ['GET'], allowCredentials: true })],
  ['/star-expose', cors({ allowOrigins: ['*'], exposeHeaders: ['*'], allowCredentials: true })],
];

const chains = ROUTES.map(([prefix, ir]) => [prefix, corsFilter(ir)(echoTerminal)] as const);
const router: Handler = (ex) => {
  for (const [prefix, h] of chains) {
    if (ex.path.startsWith(prefix)) return h(ex);
  }
  (ex.res as ServerResponse).writeHead(404).end();
};
const T = suite<{ srv: Served }>('cors');
T.before(async (ctx) => {
  ctx.srv = await serveChain(router);
});
T.after(async (ctx) => {
  await ctx.srv.close();
});

interface CaseRequest {
  request: { method?: string; path: string; headers?: Record<string, string> };
  response: {
    statusCodes?: number[];
    headers?: Record<string, string>;
    absentHeaders?: string[];
    validHeaderValues?: Record<string, string[]>;
    ignoreWhitespace?: boolean;
  };
  expectedRequest?: { method?: string; path?: string };
  note: string;
}

const casePath = resolve(import.meta.dirname, '../conformance/cases/HTTPRouteCORS.json');
const conformance = JSON.parse(readFileSync(casePath, 'utf8')) as { requests: CaseRequest[] };

T('the conformance case file has all its request pairs', () => {
  assert.ok(conformance.requests.length >= 17, `only ${conformance.requests.length} requests`);
});

for (const c of conformance.requests) {
  T(`conformance: ${c.note.replace('upstream TestCaseName: ', '')}`, async ({ srv }) => {
    const a = await send(srv.port, { method: c.request.method ?? 'GET', path: c.request.path, headers: c.request.headers });
    const want = c.response.statusCodes ?? [200];
    assert.ok(want.includes(a.status), `status ${a.status} not in ${want}`);
    const norm = (v: string): string => (c.response.ignoreWhitespace ? v.replace(/\s+/g, '') : v);
    for (const [k, v] of Object.entries(c.response.headers ?? {})) {
      assert.is(norm(String(a.headers[k.toLowerCase()] ?? '')), norm(v), k);
    }
    for (const k of c.response.absentHeaders ?? []) {
      assert.is(a.headers[k.toLowerCase()], undefined, `${k} must be absent`);
    }
    for (const [k, vals] of Object.entries(c.response.validHeaderValues ?? {})) {
      const got = a.headers[k.toLowerCase()];
      const joined = Array.isArray(got) ? got.join(',') : (got ?? '');
      assert.ok(vals.map(norm).includes(norm(joined)), `${k}: ${JSON.stringify(joined)} not in ${JSON.stringify(vals)}`);
    }
    if (c.expectedRequest?.method === 'OPTIONS' && c.expectedRequest.path === '') {
      // Preflights are answered by the gateway itself, never by the backend's echo.
      assert.is(a.headers['x-backend'], undefined, 'preflight reached the backend');
    } else {
      assert.is(a.headers['x-backend'], 'echo', 'actual request must be proxied');
    }
  });
}

T('preflight: Max-Age defaults to 5 and the request method list is returned as configured', async ({ srv }) => {
  const a = await send(srv.port, {
    method: 'OPTIONS',
    path: '/defaults',
    headers: { origin: 'https://foo.com', 'access-control-request-method': 'GET' },
  });
  assert.is(a.status, 204);
  assert.is(a.headers['access-control-max-age'], '5');
  assert.is(a.headers['access-control-allow-methods'], 'GET');
  assert.is(a.headers['access-control-allow-origin'], 'https://foo.com');
  assert.is(a.headers['access-control-allow-credentials'], 'true');
  assert.is(a.headers['vary'], 'Origin');
  assert.is(a.headers['access-control-allow-headers'], undefined, 'no allowHeaders configured');
  assert.is(a.body, '');
});

T('preflight from a disallowed origin: 204 with no CORS header at all, backend not reached', async ({ srv }) => {
  const a = await send(srv.port, {
    method: 'OPTIONS',
    path: '/defaults',
    headers: { origin: 'https://evil.test', 'access-control-request-method': 'GET' },
  });
  assert.is(a.status, 204);
  for (const k of Object.keys(a.headers)) assert.not.ok(k.startsWith('access-control-'), k);
  assert.is(a.headers['x-backend'], undefined);
});

T('origin ports: default port is implied, explicit non-default port must match', async ({ srv }) => {
  const ok = await send(srv.port, { path: '/defaults', headers: { origin: 'https://foo.com:443' } });
  assert.is(ok.headers['access-control-allow-origin'], 'https://foo.com:443');
  const wrongPort = await send(srv.port, { path: '/defaults', headers: { origin: 'https://foo.com:8443' } });
  assert.is(wrongPort.headers['access-control-allow-origin'], undefined);
  const wrongScheme = await send(srv.port, { path: '/defaults', headers: { origin: 'http://foo.com' } });
  assert.is(wrongScheme.headers['access-control-allow-origin'], undefined);
  const wild = await send(srv.port, { path: '/defaults', headers: { origin: 'http://a.b.local.test:8080' } });
  assert.is(wild.headers['access-control-allow-origin'], 'http://a.b.local.test:8080');
  const wildNoPort = await send(srv.port, { path: '/defaults', headers: { origin: 'http://a.local.test' } });
  assert.is(wildNoPort.headers['access-control-allow-origin'], undefined);
});

T('actual request: credentials and origin on the proxied response; no Origin leaves it untouched', async ({ srv }) => {
  const a = await send(srv.port, { path: '/cors-1/x', headers: { origin: 'https://www.foo.com' } });
  assert.is(a.status, 200);
  assert.is(a.headers['x-backend'], 'echo');
  assert.is(a.headers['access-control-allow-origin'], 'https://www.foo.com');
  assert.is(a.headers['access-control-allow-credentials'], 'true');
  assert.is(a.headers['access-control-expose-headers'], 'x-header-3, x-header-4');
  assert.is(a.headers['access-control-max-age'], undefined, 'Max-Age is for preflights only');
  const plain = await send(srv.port, { path: '/cors-1/x' });
  assert.is(plain.headers['access-control-allow-origin'], undefined);
  // An OPTIONS without Access-Control-Request-Method is not a preflight: it is proxied.
  const opt = await send(srv.port, { method: 'OPTIONS', path: '/cors-1/x', headers: { origin: 'https://www.foo.com' } });
  assert.is(opt.headers['x-backend'], 'echo');
});

T('credentials with wildcards: never `*`, the origin and the requested names are echoed', async ({ srv }) => {
  const a = await send(srv.port, {
    method: 'OPTIONS',
    path: '/cors-wildcard-methods-headers',
    headers: { origin: 'https://x.test', 'access-control-request-method': 'DELETE' },
  });
  assert.is(a.headers['access-control-allow-origin'], 'https://x.test');
  assert.is(a.headers['access-control-allow-methods'], 'DELETE');
  assert.is(a.headers['access-control-allow-headers'], undefined, 'no request headers asked: header omitted');
  const star = await send(srv.port, { path: '/star-expose', headers: { origin: 'https://x.test' } });
  assert.is(star.headers['access-control-expose-headers'], undefined, '`*` cannot be used with credentials');
  // The opaque "null" origin is never granted credentials.
  const nul = await send(srv.port, { path: '/star-expose', headers: { origin: 'null' } });
  assert.is(nul.headers['access-control-allow-origin'], undefined);
});

T('without credentials a `*` origin answers `*` (cacheable across origins)', async ({ srv }) => {
  const a = await send(srv.port, { method: 'PUT', path: '/cors-wildcard-origin', headers: { origin: 'https://any.test' } });
  assert.is(a.headers['access-control-allow-origin'], '*');
  assert.is(a.headers['access-control-allow-credentials'], undefined);
});

T('origin matcher: `*.bar.com` is greedy left but needs a label', () => {
  const m = compileOrigins(['https://*.bar.com']);
  assert.ok(originAllowed(m, 'https://a.bar.com'));
  assert.ok(originAllowed(m, 'https://A.B.Bar.Com'));
  assert.not.ok(originAllowed(m, 'https://bar.com'));
  assert.not.ok(originAllowed(m, 'https://xbar.com'));
  assert.not.ok(originAllowed(m, 'https://a.bar.com.evil.test'));
  assert.not.ok(originAllowed(m, 'https://a.bar.com/path'));
  assert.not.ok(originAllowed(m, 'garbage'));
});

T.run();
