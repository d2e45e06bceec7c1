// SecurityPolicy jwt over real sockets with real keys: RS256 and ES256 (plus the other algorithms),
// JWKS from a Secret and from an in-cluster Service with rotation, issuer/audience/expiry with clock
// skew, required claims and scopes, claim-to-header, token sources, optional, and no spoofing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { echo, gateway, gatewayClass, get, policy, route, secret, serve, server, service, upstreamHeaders } from './harness.ts';

interface Key { kid: string; alg: string; priv: CryptoKey; jwk: JWK }
async function key(alg: string, kid: string, opts: Record<string, unknown> = {}): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...opts });
  return { kid, alg, priv: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}
const jwks = (...keys: Key[]) => JSON.stringify({ keys: keys.map((k) => k.jwk) });
const now = () => Math.floor(Date.now() / 1000);
async function token(k: Key, claims: Record<string, unknown> = {}, o: { iss?: string; aud?: string; exp?: number; nbf?: number } = {}): Promise<string> {
  return new SignJWT({ sub: 'alice', ...claims }).setProtectedHeader({ alg: k.alg, kid: k.kid })
    .setIssuer(o.iss ?? 'https://issuer.test').setAudience(o.aud ?? 'api')
    .setIssuedAt().setExpirationTime(o.exp ?? now() + 600).setNotBefore(o.nbf ?? now() - 10).sign(k.priv);
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

const s = suite('SecurityPolicy jwt');
const ctx: { rs?: Key; es?: Key; backend?: Awaited<ReturnType<typeof echo>> } = {};
s.before(async () => {
  ctx.rs = await key('RS256', 'rs1');
  ctx.es = await key('ES256', 'es1');
  ctx.backend = await echo();
});
s.after(async () => { await ctx.backend?.close(); });

function base(spec: Record<string, unknown>, extra: unknown[] = []) {
  return [gatewayClass, gateway([{ name: 'http', port: 1 }]), route('app', [{ path: '/' }]), ...service('echo', ctx.backend!.port),
    secret('jwks', { 'jwks.json': jwks(ctx.rs!, ctx.es!) }), policy('p', [{ kind: 'Gateway', name: 'gw' }], spec), ...extra];
}
const provider = (extra: Record<string, unknown> = {}) => ({ name: 'corp', issuer: 'https://issuer.test', audiences: ['api'], jwks: { secretRef: { name: 'jwks' } }, ...extra });

s('RS256 and ES256 tokens verify against a JWKS from a Secret; no token or a bad one is 401', async () => {
  const gw = await serve(base({ jwt: { providers: [provider()] } }));
  try {
    const p = gw.ports.http;
    assert.is((await get(p, '/x', bearer(await token(ctx.rs!)))).status, 200);
    assert.is((await get(p, '/x', bearer(await token(ctx.es!)))).status, 200);
    const none = await get(p, '/x');
    assert.is(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), 'Bearer');
    const other = await key('RS256', 'rs1');
    assert.is((await get(p, '/x', bearer(await token(other)))).status, 401, 'same kid, different key: signature fails');
    assert.is((await get(p, '/x', bearer('not.a.jwt'))).status, 401);
    const up = upstreamHeaders(await get(p, '/x', bearer(await token(ctx.rs!))));
    assert.is(up.authorization, undefined, 'the token is not forwarded by default');
  } finally { await gw.close(); }
});

s('RS384, RS512, ES384, PS256 and EdDSA verify; algorithms restricts them', async () => {
  const keys = [await key('RS384', 'a'), await key('RS512', 'b'), await key('ES384', 'c'), await key('PS256', 'd'), await key('EdDSA', 'e', { crv: 'Ed25519' })];
  const objs = base({ jwt: { providers: [provider()] } });
  (objs.find((o: any) => o.kind === 'Secret') as any).stringData['jwks.json'] = jwks(...keys);
  const gw = await serve(objs);
  try {
    for (const k of keys) assert.is((await get(gw.ports.http, '/', bearer(await token(k)))).status, 200, k.alg);
  } finally { await gw.close(); }
  const only = base({ jwt: { providers: [provider({ algorithms: ['ES256'] })] } });
  const gw2 = await serve(only);
  try {
    assert.is((await get(gw2.ports.http, '/', bearer(await token(ctx.es!)))).status, 200);
    assert.is((await get(gw2.ports.http, '/', bearer(await token(ctx.rs!)))).status, 401, 'RS256 not in algorithms');
  } finally { await gw2.close(); }
});

s('issuer, audience and expiry are checked; clockSkew tolerates a just-expired token', async () => {
  const gw = await serve(base({ jwt: { providers: [provider()] } }));
  try {
    const p = gw.ports.http;
    assert.is((await get(p, '/', bearer(await token(ctx.rs!, {}, { iss: 'https://evil.test' })))).status, 401);
    assert.is((await get(p, '/', bearer(await token(ctx.rs!, {}, { aud: 'other' })))).status, 401);
    assert.is((await get(p, '/', bearer(await token(ctx.rs!, {}, { exp: now() - 20 })))).status, 401);
    assert.is((await get(p, '/', bearer(await token(ctx.rs!, {}, { nbf: now() + 120 })))).status, 401);
  } finally { await gw.close(); }
  const skew = await serve(base({ jwt: { providers: [provider({ clockSkew: '60s' })] } }));
  try {
    assert.is((await get(skew.ports.http, '/', bearer(await token(ctx.rs!, {}, { exp: now() - 20 })))).status, 200);
    assert.is((await get(skew.ports.http, '/', bearer(await token(ctx.rs!, {}, { exp: now() - 600 })))).status, 401);
  } finally { await skew.close(); }
});

s('required claims and scopes: 403 when missing; claimToHeaders set upstream headers a client cannot spoof', async () => {
  const gw = await serve(base({ jwt: { providers: [provider({
    requiredClaims: [{ name: 'realm.role', values: ['admin', 'ops'] }], requiredScopes: ['read'],
    claimToHeaders: [{ claim: 'sub', header: 'X-User' }, { claim: 'realm', header: 'X-Realm' }], forwardToken: true,
  })] } }));
  try {
    const p = gw.ports.http;
    const good = await token(ctx.es!, { realm: { role: 'ops' }, scope: 'read write' });
    const r = await get(p, '/', { ...bearer(good), 'x-user': 'mallory' });
    assert.is(r.status, 200);
    const up = upstreamHeaders(r);
    assert.is(up['x-user'], 'alice');
    assert.is(up['x-realm'], '{"role":"ops"}');
    assert.is(up.authorization, `Bearer ${good}`, 'forwardToken keeps it');
    assert.is((await get(p, '/', bearer(await token(ctx.es!, { realm: { role: 'guest' }, scope: 'read' })))).status, 403);
    assert.is((await get(p, '/', bearer(await token(ctx.es!, { realm: { role: 'admin' }, scp: ['write'] })))).status, 403);
    assert.is((await get(p, '/', bearer(await token(ctx.es!, { realm: { role: 'admin' }, scp: ['read'] })))).status, 200);
  } finally { await gw.close(); }
});

s('token from a cookie or a query parameter; optional lets token-less requests through', async () => {
  const gw = await serve(base({ jwt: { optional: true, providers: [provider({ extractFrom: { cookies: ['session'], params: ['access_token'] } })] } }));
  try {
    const p = gw.ports.http;
    const t = await token(ctx.rs!);
    assert.is((await get(p, '/', { cookie: `a=b; session=${t}` })).status, 200);
    const viaQuery = await get(p, `/x?access_token=${t}&keep=1`);
    assert.is(viaQuery.status, 200);
    assert.is(JSON.parse(viaQuery.body).url, '/x?keep=1', 'the token parameter is removed upstream');
    assert.is((await get(p, '/')).status, 200, 'optional: no token is fine');
    assert.is((await get(p, '/?access_token=garbage')).status, 401, 'optional: a bad token is not');
  } finally { await gw.close(); }
});

s('JWKS from an in-cluster Service, cached, and refetched when the keys rotate', async () => {
  let current = jwks(ctx.rs!);
  let fetches = 0;
  const jwksServer = await server((req, res) => { fetches++; res.writeHead(200, { 'content-type': 'application/json' }).end(current); });
  const gw = await serve(base({ jwt: { providers: [provider({ jwks: { remote: { backendRef: { name: 'idp', port: 8080 }, path: '/keys' } } })] } }, service('idp', jwksServer.port)));
  try {
    const p = gw.ports.http;
    assert.is((await get(p, '/', bearer(await token(ctx.rs!)))).status, 200);
    assert.is((await get(p, '/', bearer(await token(ctx.rs!)))).status, 200);
    assert.is(fetches, 1, 'the JWKS is cached');
    const rotated = await key('ES256', 'es-rotated');
    current = jwks(rotated);
    // A token with the new kid makes the gateway refetch (once the 1 s cooldown since the last
    // fetch has passed: retried a bounded number of times).
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await get(p, '/', bearer(await token(rotated)))).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    assert.is(status, 200, 'the rotated key is picked up');
    assert.ok(fetches >= 2);
    assert.is((await get(p, '/', bearer(await token(ctx.rs!)))).status, 401, 'the retired key no longer verifies');
  } finally { await gw.close(); await jwksServer.close(); }
});

s('a policy whose JWKS Secret is missing is Invalid and fails closed (500), never open', async () => {
  const objs = base({ jwt: { providers: [provider({ jwks: { secretRef: { name: 'missing' } } })] } });
  const gw = await serve(objs);
  try {
    assert.is((await get(gw.ports.http, '/', bearer(await token(ctx.rs!)))).status, 500);
    const st = gw.result.statuses.find((x) => x.ref.kind === 'SecurityPolicy')!.status as any;
    assert.is(st.ancestors[0].conditions[0].reason, 'Invalid');
  } finally { await gw.close(); }
});

s('a remote JWKS on a host the platform did not allow-list is Invalid; an allow-listed one is accepted', async () => {
  const denied = await serve(base({ jwt: { providers: [provider({ jwks: { remote: { uri: 'https://idp.example.com/jwks' } } })] } }));
  try {
    const p = denied.result.problems.find((x) => x.ref.kind === 'SecurityPolicy')!;
    assert.is(p.field, 'spec.jwt.providers[0].jwks.remote.uri');
    assert.match(p.message, 'idp.example.com is not allow-listed');
    assert.match(p.fix!, 'policy.portico.dev/allowed-hosts');
  } finally { await denied.close(); }
  const objs = base({ jwt: { providers: [provider({ jwks: { remote: { uri: 'https://idp.example.com/jwks' } } })] } });
  (objs[1] as any).metadata.annotations = { 'policy.portico.dev/allowed-hosts': 'idp.example.com' };
  const allowed = await serve(objs);
  try {
    assert.equal(allowed.result.problems.filter((x) => x.ref.kind === 'SecurityPolicy'), []);
  } finally { await allowed.close(); }
});

s.run();
