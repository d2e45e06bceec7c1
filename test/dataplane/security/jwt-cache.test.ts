// The cache of verified JWTs (gateway/dataplane/http/security/jwt-cache.ts): a token presented
// again skips the signature check, but never outlives the token's own validity (exp, nbf, clock
// skew: judged on a clock the test moves), a JWKS rotation or a removed key, and the claims it
// hands on are the verified ones (authorization and claim-to-header still see them).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { jwtCheck } from '../../../gateway/dataplane/http/security/jwt.ts';
import { VerifiedTokens, MAX_CACHED_TOKEN_CHARS } from '../../../gateway/dataplane/http/security/jwt-cache.ts';
import type { Exchange } from '../../../gateway/dataplane/http/exchange.ts';
import type { JwtProviderIR } from '../../../gateway/ir/index.ts';
import { echo, gateway, gatewayClass, get, policy, route, secret, serve, server, service, upstreamHeaders } from './harness.ts';

interface Key { kid: string; priv: CryptoKey; jwk: JWK }
async function key(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, priv: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}
const T0 = Math.floor(Date.now() / 1000);
function token(k: Key, o: { exp?: number; nbf?: number; claims?: Record<string, unknown> } = {}): Promise<string> {
  return new SignJWT({ sub: 'alice', ...o.claims }).setProtectedHeader({ alg: 'ES256', kid: k.kid })
    .setIssuer('https://issuer.test').setAudience('api').setIssuedAt(T0)
    .setExpirationTime(o.exp ?? T0 + 600).setNotBefore(o.nbf ?? T0 - 10).sign(k.priv);
}

function provider(jwks: JwtProviderIR['jwks'], extra: Partial<JwtProviderIR> = {}): JwtProviderIR {
  return {
    name: 'corp', issuer: 'https://issuer.test', audiences: ['api'], algorithms: ['ES256'], clockSkewSeconds: 0, jwks,
    extract: { headers: [{ name: 'authorization', prefix: 'Bearer ' }], cookies: [], params: [] },
    claimToHeaders: [], requiredClaims: [], requiredScopes: [], forwardToken: false, ...extra,
  };
}
const inline = (...keys: Key[]) => ({ inline: JSON.stringify({ keys: keys.map((k) => k.jwk) }) });
const noDeps = { pickEndpoint: () => undefined };
/** The parts of an Exchange the jwt check reads and writes. */
const exchange = (t: string) => ({ headers: { authorization: `Bearer ${t}` }, query: '' }) as unknown as Exchange;
/** 'ok' or the denial's status. */
async function run(check: (ex: Exchange) => unknown, t: string): Promise<'ok' | number> {
  const d = (await check(exchange(t))) as { status: number } | undefined;
  return d === undefined ? 'ok' : d.status;
}

/** Counts signature verifications (jose's WebCrypto path). */
function countVerifications(): { readonly n: number; restore(): void } {
  type Verify = (...a: unknown[]) => Promise<boolean>;
  const subtle = globalThis.crypto.subtle as unknown as { verify: Verify };
  const orig = subtle.verify;
  let n = 0;
  subtle.verify = function (this: unknown, ...a: unknown[]) {
    n++;
    return orig.apply(this, a);
  };
  return { get n() { return n; }, restore: () => { delete (subtle as { verify?: Verify }).verify; if (subtle.verify !== orig) subtle.verify = orig; } };
}

const s = suite('JWT verification cache');
const ctx: { a?: Key; b?: Key } = {};
s.before(async () => {
  ctx.a = await key('a');
  ctx.b = await key('b');
});

s('a token presented again is answered from the cache: one signature check for many requests', async () => {
  const { check } = jwtCheck({ optional: false, providers: [provider(inline(ctx.a!))] }, noDeps);
  const t = await token(ctx.a!);
  const spy = countVerifications();
  try {
    for (let i = 0; i < 5; i++) assert.is(await run(check, t), 'ok');
    assert.is(spy.n, 1, 'verified once, then answered from the cache');
    assert.is(await run(check, await token(ctx.a!, { claims: { n: 2 } })), 'ok');
    assert.is(spy.n, 2, 'another token string is verified on its own');
    const forged = t.slice(0, t.lastIndexOf('.') + 1) + 'A'.repeat(86);
    assert.is(await run(check, forged), 401);
    assert.is(await run(check, forged), 401, 'a refused token stays refused');
    assert.is(spy.n, 4, 'refusals are not cached: each is checked');
  } finally { spy.restore(); }
});

s('an expired token is refused even when cached; clock skew is honoured as jose does', async () => {
  let now = T0 * 1000;
  const exp = T0 + 60;
  const t = await token(ctx.a!, { exp });
  const plain = jwtCheck({ optional: false, providers: [provider(inline(ctx.a!))] }, noDeps, { now: () => now }).check;
  assert.is(await run(plain, t), 'ok');
  now = exp * 1000 - 1;
  assert.is(await run(plain, t), 'ok', 'still valid a millisecond before exp');
  now = exp * 1000;
  assert.is(await run(plain, t), 401, 'refused at exp although it is cached');
  now = T0 * 1000;
  const skewed = jwtCheck({ optional: false, providers: [provider(inline(ctx.a!), { clockSkewSeconds: 30 })] }, noDeps, { now: () => now }).check;
  assert.is(await run(skewed, t), 'ok');
  now = (exp + 29) * 1000;
  assert.is(await run(skewed, t), 'ok', 'within the skew after exp');
  now = (exp + 30) * 1000;
  assert.is(await run(skewed, t), 401, 'beyond the skew: refused although cached');
});

s('a token not yet valid (nbf) is refused, then accepted once its time has come', async () => {
  let now = T0 * 1000;
  const t = await token(ctx.a!, { nbf: T0 + 100 });
  const { check } = jwtCheck({ optional: false, providers: [provider(inline(ctx.a!))] }, noDeps, { now: () => now });
  assert.is(await run(check, t), 401);
  assert.is(await run(check, t), 401, 'the refusal was not cached as an acceptance');
  now = (T0 + 100) * 1000;
  assert.is(await run(check, t), 'ok');
});

s('the cache window: exp and nbf with skew, no exp bounded, long tokens and entries out of window dropped', () => {
  const c = new VerifiedTokens({ max: 2 });
  const k = {};
  c.set('t1', { exp: 100, nbf: 50 }, k, 60_000, 5);
  assert.is(c.get('t1', 44_999), undefined, 'before nbf − skew');
  c.set('t1', { exp: 100, nbf: 50 }, k, 60_000, 5);
  assert.ok(c.get('t1', 45_000));
  assert.ok(c.get('t1', 104_999));
  assert.is(c.get('t1', 105_000), undefined, 'at exp + skew');
  assert.is(c.size, 0, 'dropped once out of its window');
  c.set('t2', {}, k, 0, 0);
  assert.ok(c.get('t2', 5 * 60_000 - 1));
  assert.is(c.get('t2', 5 * 60_000), undefined, 'a token without exp is re-verified after the bound');
  c.set('long', {}, k, 0, 0);
  c.set('x'.repeat(MAX_CACHED_TOKEN_CHARS + 1), {}, k, 0, 0);
  assert.is(c.size, 1, 'a token longer than the bound is not kept');
  c.set('t3', {}, k, 0, 0);
  c.set('t4', {}, k, 0, 0);
  assert.is(c.size, 2, 'bounded: the least recently used goes');
  assert.is(c.get('long', 1), undefined);
  c.set('t5', { exp: 1 }, k, 1000, 0);
  assert.is(c.get('t5', 999), undefined, 'an already expired token is never kept');
  const claims = { role: { name: 'ops' } };
  c.set('t6', claims, k, 0, 0);
  assert.ok(Object.isFrozen(c.get('t6', 1)!.claims.role), 'shared claims are frozen');
});

s('a JWKS rotation invalidates: a cached token whose key was removed is refused', async () => {
  let current = { keys: [ctx.a!.jwk] };
  let fetches = 0;
  const idp = await server((_req, res) => { fetches++; res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(current)); });
  try {
    const remote = { url: `http://127.0.0.1:${idp.port}/keys`, cacheSeconds: 600 };
    const { check } = jwtCheck({ optional: false, providers: [provider({ remote })] }, noDeps);
    const old = await token(ctx.a!);
    assert.is(await run(check, old), 'ok');
    assert.is(await run(check, old), 'ok');
    assert.is(fetches, 1);
    current = { keys: [ctx.b!.jwk] };
    // A token with the new kid makes jose refetch once its 1 s cooldown has passed (bounded retries).
    const fresh = await token(ctx.b!);
    let status: 'ok' | number = 0;
    for (let i = 0; i < 30 && status !== 'ok'; i++) {
      status = await run(check, fresh);
      if (status !== 'ok') await new Promise((r) => setTimeout(r, 100));
    }
    assert.is(status, 'ok', 'the rotated key was picked up');
    assert.is(await run(check, old), 401, 'the exact token verified before is refused: its key is gone');
    assert.is(await run(check, fresh), 'ok');
  } finally { await idp.close(); }
});

s('a cached token still carries its claims: authorization by claim and claim-to-header on every request', async () => {
  const backend = await echo();
  const k = ctx.a!;
  const objs = [gatewayClass, gateway([{ name: 'http', port: 1 }]), route('app', [{ path: '/' }]), ...service('echo', backend.port),
    secret('jwks', { 'jwks.json': JSON.stringify({ keys: [k.jwk] }) }),
    policy('p', [{ kind: 'Gateway', name: 'gw' }], {
      jwt: { providers: [{ name: 'corp', issuer: 'https://issuer.test', audiences: ['api'], jwks: { secretRef: { name: 'jwks' } }, claimToHeaders: [{ claim: 'sub', header: 'X-User' }] }] },
      authorization: { defaultAction: 'Deny', rules: [{ name: 'ops', action: 'Allow', principal: { jwt: { claims: [{ name: 'role', values: ['ops'] }] } } }] },
    })];
  const gw = await serve(objs);
  try {
    const ops = await token(k, { claims: { role: 'ops', sub: 'olga' } });
    const guest = await token(k, { claims: { role: 'guest' } });
    for (let i = 0; i < 3; i++) {
      const r = await get(gw.ports.http, '/', { authorization: `Bearer ${ops}`, 'x-user': 'mallory' });
      assert.is(r.status, 200, `request ${i + 1} with the ops token`);
      assert.is(upstreamHeaders(r)['x-user'], 'olga', 'the claim reaches the upstream header on cached requests too');
      assert.is((await get(gw.ports.http, '/', { authorization: `Bearer ${guest}` })).status, 403, `request ${i + 1} with the guest token`);
    }
  } finally { await gw.close(); await backend.close(); }
});

s.run();
