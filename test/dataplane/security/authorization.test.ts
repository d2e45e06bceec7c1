// SecurityPolicy authorization over real sockets: client CIDRs seen directly and behind one and
// two real proxy hops (numTrustedHops, trustedCIDRs; a forged X-Forwarded-For does not help),
// JWT claims and scopes, headers, methods, paths, first match wins, default action.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { echo, gateway, gatewayClass, get, policy, route, secret, serve, service } from './harness.ts';

const s = suite('SecurityPolicy authorization');
const ctx: { backend?: Awaited<ReturnType<typeof echo>> } = {};
s.before(async () => { ctx.backend = await echo(); });
s.after(async () => { await ctx.backend?.close(); });

function objs(spec: Record<string, unknown>, extra: unknown[] = []) {
  return [gatewayClass, gateway([{ name: 'http', port: 1 }]), route('app', [{ path: '/' }]), ...service('echo', ctx.backend!.port),
    policy('p', [{ kind: 'Gateway', name: 'gw' }], spec), ...extra];
}

/** A real HTTP proxy on `listenOn` that appends its peer to X-Forwarded-For and connects onward from `listenOn`. */
async function proxy(listenOn: string, toPort: number, toHost = '127.0.0.1'): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const xff = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const up = http.request({ host: toHost, port: toPort, localAddress: listenOn, path: req.url, method: req.method, headers: { ...req.headers, 'x-forwarded-for': xff }, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, listenOn, () => r()));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

async function via(hops: string[], gwPort: number, path: string, from: string, headers: Record<string, string> = {}) {
  const proxies: { port: number; close(): Promise<void> }[] = [];
  let next = gwPort;
  let nextHost = '127.0.0.1';
  for (const h of [...hops].reverse()) { const p = await proxy(h, next, nextHost); proxies.push(p); next = p.port; nextHost = h; }
  try {
    return await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: nextHost, port: next, path, localAddress: from, headers: { host: 'app.example.com', ...headers }, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', reject);
      req.end();
    });
  } finally { for (const p of proxies) await p.close(); }
}

s('client CIDRs on the peer address: allow-list with default Deny', async () => {
  const gw = await serve(objs({ authorization: { defaultAction: 'Deny', rules: [{ action: 'Allow', principal: { clientCIDRs: ['127.0.0.8/29'] } }] } }));
  try {
    assert.is((await get(gw.ports.http, '/', {}, { localAddress: '127.0.0.9' })).status, 200);
    const denied = await get(gw.ports.http, '/', {}, { localAddress: '127.0.0.20' });
    assert.is(denied.status, 403);
  } finally { await gw.close(); }
});

s('behind one proxy hop (numTrustedHops: 1): the client address is read from X-Forwarded-For; a forged entry does not help', async () => {
  const gw = await serve(objs({ authorization: { clientIP: { xForwardedFor: { numTrustedHops: 1 } }, defaultAction: 'Deny', rules: [{ action: 'Allow', principal: { clientCIDRs: ['127.0.0.9/32'] } }] } }));
  try {
    assert.is(await via(['127.0.0.2'], gw.ports.http, '/', '127.0.0.9'), 200);
    assert.is(await via(['127.0.0.2'], gw.ports.http, '/', '127.0.0.10'), 403);
    assert.is(await via(['127.0.0.2'], gw.ports.http, '/', '127.0.0.10', { 'x-forwarded-for': '127.0.0.9' }), 403, 'forged X-Forwarded-For');
    assert.is((await get(gw.ports.http, '/', {}, { localAddress: '127.0.0.10' })).status, 403, 'no proxy: the peer counts');
  } finally { await gw.close(); }
});

s('behind two proxy hops: numTrustedHops: 2, and trustedCIDRs naming both proxies', async () => {
  for (const xff of [{ numTrustedHops: 2 }, { trustedCIDRs: ['127.0.0.2/32', '127.0.0.3/32'] }]) {
    const gw = await serve(objs({ authorization: { clientIP: { xForwardedFor: xff }, defaultAction: 'Deny', rules: [{ action: 'Allow', principal: { clientCIDRs: ['127.0.0.9/32'] } }] } }));
    try {
      assert.is(await via(['127.0.0.2', '127.0.0.3'], gw.ports.http, '/', '127.0.0.9'), 200, JSON.stringify(xff));
      assert.is(await via(['127.0.0.2', '127.0.0.3'], gw.ports.http, '/', '127.0.0.11'), 403, JSON.stringify(xff));
      assert.is(await via(['127.0.0.2', '127.0.0.3'], gw.ports.http, '/', '127.0.0.11', { 'x-forwarded-for': '127.0.0.9' }), 403, `forged, ${JSON.stringify(xff)}`);
    } finally { await gw.close(); }
  }
});

s('methods, paths and headers; the first matching rule decides; default Allow', async () => {
  const gw = await serve(objs({ authorization: { defaultAction: 'Allow', rules: [
    { name: 'ops-may-delete', action: 'Allow', methods: ['DELETE'], principal: { headers: [{ name: 'X-Team', values: ['ops'] }] } },
    { name: 'no-delete', action: 'Deny', methods: ['DELETE'] },
    { name: 'no-admin', action: 'Deny', paths: [{ type: 'PathPrefix', value: '/admin' }] },
  ] } }));
  try {
    const p = gw.ports.http;
    assert.is((await get(p, '/x', {}, { method: 'DELETE' })).status, 403);
    assert.is((await get(p, '/x', { 'x-team': 'ops' }, { method: 'DELETE' })).status, 200);
    assert.is((await get(p, '/admin/users')).status, 403);
    assert.is((await get(p, '/administrator')).status, 200, 'PathPrefix matches whole segments');
    assert.is((await get(p, '/x')).status, 200);
  } finally { await gw.close(); }
});

s('JWT claims and scopes of the verified token', async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' };
  const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setExpirationTime('5m').sign(privateKey);
  const gw = await serve(objs({
    jwt: { providers: [{ name: 'p', jwks: { secretRef: { name: 'jwks' } } }] },
    authorization: { defaultAction: 'Deny', rules: [{ action: 'Allow', principal: { jwt: { claims: [{ name: 'groups', values: ['admins'] }], scopes: ['admin'] } } }] },
  }, [secret('jwks', { 'jwks.json': JSON.stringify({ keys: [jwk] }) })]));
  try {
    const p = gw.ports.http;
    assert.is((await get(p, '/', { authorization: `Bearer ${await sign({ groups: ['users', 'admins'], scope: 'admin read' })}` })).status, 200);
    assert.is((await get(p, '/', { authorization: `Bearer ${await sign({ groups: ['users'], scope: 'admin' })}` })).status, 403);
    assert.is((await get(p, '/', { authorization: `Bearer ${await sign({ groups: ['admins'], scope: 'read' })}` })).status, 403);
  } finally { await gw.close(); }
});

s.run();
