// The example app under real traffic: the committed dist/ served by the Portico gateway, with a
// demo echo backend per Service (apps/demo-backends.ts) and self-signed certificates standing in
// for the two Secrets the app assumes exist in the cluster. Each HTTP scenario is checked by its
// behaviour on loopback sockets, not by its YAML. (The data plane serves no TCP/TLS-passthrough
// ports yet, so the redis and db routes are only checked in example-app.test.ts.)
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { stringify } from 'yaml';
import { startDemoBackends, type DemoBackends } from '../../apps/demo-backends.ts';
import { createLogger } from '../../gateway/admin/log.ts';
import { DEFAULT_ACCESS_LOG } from '../../gateway/admin/access-log.ts';
import { startGateway, type RunningGateway } from '../../gateway/cli/serve.ts';
import { readManifestsOnce } from '../../gateway/provider/files/index.ts';
import { selfSignedCert } from '../helpers/self-signed.ts';
import { demoJwt } from '../../apps/demo-jwt.ts';

const DIST = resolve(import.meta.dirname, '../../dist');
// Own loopback /24 and a high port offset, so concurrent test files and `npm start` never collide.
const SUBNET = 100 + Math.floor(Math.random() * 100);
const OFFSET = 20000;

interface Ctx { dir: string; backends: DemoBackends; gw: RunningGateway; address: string; token: string }
const traffic = suite<Ctx>('example app traffic');

function tlsSecret(dir: string, name: string, namespace: string, hosts: string[]): string {
  const { cert, key } = selfSignedCert(dir, name, hosts);
  return stringify({
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace },
    data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
  });
}

traffic.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'portico-example-traffic-'));
  // The platform's SecurityPolicy requires a JWT: the demo key's JWKS Secret, and its token on every call.
  const jwt = await demoJwt();
  ctx.token = jwt.token;
  writeFileSync(join(ctx.dir, 'secrets.yaml'), [
    stringify(jwt.secret),
    tlsSecret(ctx.dir, 'wildcard-example-com-tls', 'portico-system', ['*.example.com', '*.shop.example.com', '*.payments.example.com']),
    tlsSecret(ctx.dir, 'pay-example-net-tls', 'payments', ['pay.example.net']),
  ].join('---\n'));
  const { snapshot } = await readManifestsOnce([DIST]);
  ctx.backends = await startDemoBackends(snapshot.services, { prefix: `127.${SUBNET}.2.` });
  writeFileSync(join(ctx.dir, 'endpoints.yaml'), ctx.backends.endpointSlices.map((s) => stringify(s)).join('---\n'));
  // DEBUG_TRAFFIC=1 shows the gateway's log (bind failures, problems) when a test here fails.
  const log = createLogger(process.env.DEBUG_TRAFFIC ? (l) => process.stderr.write(`${l}\n`) : () => {}, () => new Date().toISOString(), process.env.DEBUG_TRAFFIC ? 'debug' : 'error');
  ctx.gw = await startGateway({
    manifests: [DIST, join(ctx.dir, 'secrets.yaml'), join(ctx.dir, 'endpoints.yaml')], controllerName: 'portico.dev/gateway-controller',
    portOffset: OFFSET, addressPool: `127.${SUBNET}.1.0/24`, bind: '127.0.0.1', admin: '127.0.0.1:0', accessLog: { ...DEFAULT_ACCESS_LOG, mode: 'off' }, pollMs: 60_000,
  }, log, () => new Date().toISOString());
  await ctx.gw.pipeline.idle();
  const state = ctx.gw.admin.state.current;
  assert.ok(state, 'the gateway applied no config');
  assert.equal(state.problems.filter((p) => p.severity === 'error'), [], 'dist/ has translator errors once the Secrets exist');
  ctx.address = state.table.gateways.find((g) => g.key === 'portico-system/public')!.addresses[0];
});

traffic.after(async (ctx) => {
  await ctx.gw?.stop();
  await ctx.backends?.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

interface Answer { status: number; headers: IncomingHttpHeaders; body: string; json: any; cert?: PeerCertificate }

function call(ctx: Ctx, scheme: 'http' | 'https', host: string, path: string, opts: { method?: string; headers?: Record<string, string>; anonymous?: boolean; localAddress?: string } = {}): Promise<Answer> {
  const port = (scheme === 'https' ? 443 : 80) + OFFSET;
  return new Promise((done, fail) => {
    const req = (scheme === 'https' ? httpsRequest : httpRequest)({
      host: ctx.address, port, path, method: opts.method ?? 'GET', agent: false, timeout: 5000, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      headers: { host: `${host}:${port}`, ...(opts.anonymous ? {} : { authorization: `Bearer ${ctx.token}` }), ...opts.headers }, servername: host, rejectUnauthorized: false,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        let json: any;
        try { json = JSON.parse(body); } catch { /* not an echo answer */ }
        const cert = 'getPeerCertificate' in res.socket ? (res.socket as any).getPeerCertificate() : undefined;
        done({ status: res.statusCode ?? 0, headers: res.headers, body, json, cert });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${scheme}://${host}${path} timed out`)));
    req.on('error', fail);
    req.end();
  });
}

traffic('http → https: 301 with a https Location, no backend', async (ctx) => {
  const r = await call(ctx, 'http', 'www.shop.example.com', '/cart?x=1');
  assert.is(r.status, 301);
  assert.is(r.headers.location, 'https://www.shop.example.com/cart?x=1');
});

traffic('canary: x-canary: true reaches storefront-v2, everything else storefront-v1', async (ctx) => {
  assert.is((await call(ctx, 'https', 'www.shop.example.com', '/', { headers: { 'x-canary': 'true' } })).json.service, 'storefront-v2');
  assert.is((await call(ctx, 'https', 'www.shop.example.com', '/')).json.service, 'storefront-v1');
  assert.is((await call(ctx, 'https', 'www.shop.example.com', '/', { headers: { 'x-canary': 'false' } })).json.service, 'storefront-v1');
});

traffic('api: /api/v1 is rewritten to /v1, responses get cache-control and lose server', async (ctx) => {
  const r = await call(ctx, 'https', 'api.shop.example.com', '/api/v1/items?page=2');
  assert.is(r.json.service, 'api');
  assert.is(r.json.path, '/v1/items?page=2');
  assert.is(r.headers['cache-control'], 'no-store');
  assert.is(r.headers.server, undefined);
});

traffic('api: CORS preflight from the storefront origin is allowed, others are not', async (ctx) => {
  // Browsers send no credentials on a preflight: the JWT policy lets the CORS filter answer it.
  const preflight = (origin: string) => call(ctx, 'https', 'api.shop.example.com', '/api/v1/cart', {
    anonymous: true, method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  const ok = await preflight('https://www.shop.example.com');
  assert.is(ok.headers['access-control-allow-origin'], 'https://www.shop.example.com');
  assert.is(ok.headers['access-control-allow-credentials'], 'true');
  assert.match(String(ok.headers['access-control-allow-methods']), 'POST');
  const other = await preflight('https://evil.example.org');
  assert.is(other.headers['access-control-allow-origin'], undefined);
});

traffic('recommendations: about 90/10 between v1 and v2', async (ctx) => {
  const counts: Record<string, number> = {};
  for (let i = 0; i < 200; i++) {
    const s = (await call(ctx, 'https', 'api.shop.example.com', '/recommendations')).json.service;
    counts[s] = (counts[s] ?? 0) + 1;
  }
  assert.equal(Object.keys(counts).sort(), ['recommendations-v1', 'recommendations-v2']);
  // Binomial(200, 0.1): 20 expected; outside 5..45 has probability far below 1e-6.
  assert.ok(counts['recommendations-v2'] >= 5 && counts['recommendations-v2'] <= 45, JSON.stringify(counts));
});

traffic('inventory GET and search (a catalog Service, granted across namespaces) reach their backends', async (ctx) => {
  assert.is((await call(ctx, 'https', 'api.shop.example.com', '/inventory/42')).json.service, 'inventory');
  const search = await call(ctx, 'https', 'api.shop.example.com', '/search?q=shoes');
  assert.equal([search.json.namespace, search.json.service], ['catalog', 'search']);
});

traffic('checkout: authorized by the auth service, then pinned with a checkout-session cookie', async (ctx) => {
  const first = await call(ctx, 'https', 'checkout.shop.example.com', '/');
  assert.is(first.json.service, 'checkout');
  const cookie = String(first.headers['set-cookie'] ?? '');
  assert.match(cookie, /^checkout-session=/);
  const again = await call(ctx, 'https', 'checkout.shop.example.com', '/', { headers: { cookie: cookie.split(';')[0] } });
  assert.is(again.json.pod, first.json.pod);
});

traffic('portal: the payments ListenerSet serves pay.example.net with its own certificate', async (ctx) => {
  const portal = await call(ctx, 'https', 'pay.example.net', '/');
  assert.is(portal.json.service, 'portal');
  assert.is(portal.cert?.subject.CN, 'pay.example.net');
  const shop = await call(ctx, 'https', 'www.shop.example.com', '/');
  assert.is(shop.cert?.subject.CN, '*.example.com');
});

traffic('security: the Gateway-wide JWT, the public storefront and redirect, the back office allow-list', async (ctx) => {
  const none = await call(ctx, 'https', 'api.shop.example.com', '/api/v1/items', { anonymous: true });
  assert.is(none.status, 401);
  assert.match(String(none.headers['www-authenticate']), 'Bearer');
  assert.is((await call(ctx, 'https', 'api.shop.example.com', '/api/v1/items', { headers: { authorization: 'Bearer forged.token.here' } })).status, 401);
  const withToken = await call(ctx, 'https', 'api.shop.example.com', '/api/v1/items');
  assert.is(withToken.json.service, 'api');
  assert.equal(withToken.json.headers['X-User'], ['demo-user'], 'claimToHeaders: sub');
  assert.is((await call(ctx, 'https', 'www.shop.example.com', '/', { anonymous: true })).json.service, 'storefront-v1', 'storefront: jwt disabled');
  assert.is((await call(ctx, 'http', 'www.shop.example.com', '/', { anonymous: true })).status, 301, 'redirect: jwt disabled');
  assert.is((await call(ctx, 'https', 'admin.shop.example.com', '/')).json.service, 'back-office');
  assert.is((await call(ctx, 'https', 'admin.shop.example.com', '/', { localAddress: '127.0.0.2' })).status, 403, 'outside the allow-list');
  assert.is((await call(ctx, 'https', 'admin.shop.example.com', '/', { anonymous: true })).status, 401, 'the allow-list is on top of the JWT');
});

traffic.run();
