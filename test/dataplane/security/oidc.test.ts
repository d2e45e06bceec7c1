// SecurityPolicy oidc against an in-test OpenID provider (jose signs its ID tokens): the
// authorization code flow with PKCE (S256), state and nonce, the encrypted session cookie, the
// refresh of an expired session, logout, and a provider reached through a Service.
import { createHash, randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { echo, gateway, gatewayClass, get, policy, route, secret, serve, server, service, type Reply } from './harness.ts';

const ISSUER = 'https://idp.test';
const CLIENT = 'shop-web';

/** A tiny OpenID provider: discovery, /authorize (logs "alice" in at once), /token (code with PKCE, refresh_token), /jwks. */
async function provider(opts: { idTokenSeconds: number }) {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'idp', alg: 'RS256' };
  const codes = new Map<string, { challenge: string; nonce: string; redirect: string }>();
  const refreshTokens = new Set<string>();
  const seen = { tokenCalls: [] as Record<string, string>[], refreshes: 0 };
  const idToken = (nonce?: string) => new SignJWT({ ...(nonce ? { nonce } : {}), email: 'alice@example.com' }).setProtectedHeader({ alg: 'RS256', kid: 'idp' })
    .setIssuer(ISSUER).setAudience(CLIENT).setSubject('alice').setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + opts.idTokenSeconds).sign(privateKey);
  const s = await server((req, res) => {
    const u = new URL(req.url ?? '/', 'http://idp');
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const json = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      if (u.pathname === '/.well-known/openid-configuration') {
        return json(200, { issuer: ISSUER, authorization_endpoint: `${ISSUER}/authorize`, token_endpoint: `${ISSUER}/token`, jwks_uri: `${ISSUER}/jwks`, end_session_endpoint: `${ISSUER}/logout` });
      }
      if (u.pathname === '/jwks') return json(200, { keys: [jwk] });
      if (u.pathname === '/token') {
        const f = Object.fromEntries(new URLSearchParams(body));
        seen.tokenCalls.push(f);
        if (f.client_id !== CLIENT || f.client_secret !== 'client-secret-value') return json(401, { error: 'invalid_client' });
        if (f.grant_type === 'authorization_code') {
          const c = codes.get(f.code ?? '');
          codes.delete(f.code ?? '');
          const challenge = createHash('sha256').update(f.code_verifier ?? '').digest('base64url');
          if (!c || c.challenge !== challenge || c.redirect !== f.redirect_uri) return json(400, { error: 'invalid_grant' });
          const rt = randomBytes(8).toString('hex');
          refreshTokens.add(rt);
          return json(200, { id_token: await idToken(c.nonce), access_token: 'at', refresh_token: rt, token_type: 'Bearer' });
        }
        if (f.grant_type === 'refresh_token' && refreshTokens.has(f.refresh_token ?? '')) {
          seen.refreshes++;
          return json(200, { id_token: await idToken(), access_token: 'at2', token_type: 'Bearer' });
        }
        return json(400, { error: 'invalid_grant' });
      }
      res.writeHead(404).end();
    });
  });
  /** The browser's visit to /authorize: the provider logs the user in and redirects back with a code. */
  const authorize = (location: string): string => {
    const u = new URL(location);
    assert.is(u.origin + u.pathname, `${ISSUER}/authorize`);
    assert.is(u.searchParams.get('client_id'), CLIENT);
    assert.is(u.searchParams.get('response_type'), 'code');
    assert.is(u.searchParams.get('code_challenge_method'), 'S256');
    const code = randomBytes(8).toString('hex');
    codes.set(code, { challenge: u.searchParams.get('code_challenge')!, nonce: u.searchParams.get('nonce')!, redirect: u.searchParams.get('redirect_uri')! });
    const back = new URL(u.searchParams.get('redirect_uri')!);
    back.searchParams.set('code', code);
    back.searchParams.set('state', u.searchParams.get('state')!);
    return back.pathname + back.search;
  };
  return { ...s, authorize, seen };
}

const cookiesOf = (r: Reply): string[] => ([] as string[]).concat(r.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!);
const jar = (...lists: string[][]) => lists.flat().filter((c) => !c.endsWith('=')).join('; ');

const s = suite('SecurityPolicy oidc');
const ctx: { backend?: Awaited<ReturnType<typeof echo>> } = {};
s.before(async () => { ctx.backend = await echo(); });
s.after(async () => { await ctx.backend?.close(); });

async function gatewayFor(idp: { port: number }) {
  return serve([
    gatewayClass, gateway([{ name: 'http', port: 1 }]), route('app', [{ path: '/' }]), ...service('echo', ctx.backend!.port), ...service('idp', idp.port),
    secret('oidc', { 'client-secret': 'client-secret-value', 'cookie-secret': 'a cookie secret of any length' }),
    policy('login', [{ kind: 'HTTPRoute', name: 'app' }], { oidc: {
      provider: { issuer: ISSUER, endpoint: { backendRef: { name: 'idp', port: 8080 } } }, clientID: CLIENT,
      clientSecret: { name: 'oidc' }, cookieSecret: { name: 'oidc' }, scopes: ['openid', 'email'], forwardIDToken: true,
    } }),
  ]);
}

s('authorization code flow with PKCE: redirect, callback, session cookie, then the backend sees the user', async () => {
  const idp = await provider({ idTokenSeconds: 600 });
  const gw = await gatewayFor(idp);
  try {
    const p = gw.ports.http;
    const first = await get(p, '/orders?page=2');
    assert.is(first.status, 302);
    const stateCookies = cookiesOf(first);
    assert.ok(stateCookies.some((c) => c.startsWith('portico-oidc-state=')));
    const callback = idp.authorize(String(first.headers.location));
    assert.ok(callback.startsWith('/oauth2/callback?'));
    assert.is((await get(p, callback)).status, 401, 'a callback without the state cookie is refused');
    const done = await get(p, callback.replace(/code=[^&]+/, 'code=stolen'), { cookie: jar(stateCookies) });
    assert.is(done.status, 401, 'an unknown code is refused by the provider');
    // The real code was never sent above: it is still valid for the exchange.
    const back = await get(p, callback, { cookie: jar(stateCookies) });
    assert.is(back.status, 302);
    assert.is(back.headers.location, '/orders?page=2');
    const session = cookiesOf(back).find((c) => c.startsWith('portico-oidc='))!;
    assert.ok(session && session.length > 40);
    assert.ok(!session.includes('alice'), 'the session cookie is encrypted');
    assert.is(idp.seen.tokenCalls.at(-1)!.grant_type, 'authorization_code');
    assert.ok(idp.seen.tokenCalls.at(-1)!.code_verifier, 'PKCE verifier sent');
    const ok = await get(p, '/orders', { cookie: `${session}; other=1` });
    assert.is(ok.status, 200);
    const up = JSON.parse(ok.body).headers;
    assert.match(up.authorization, /^Bearer ey/, 'forwardIDToken');
    assert.is(up.cookie, 'other=1', 'the session cookie stays with the gateway');
    assert.is((await get(p, '/orders', { cookie: 'portico-oidc=tampered' })).status, 302, 'a tampered cookie is no session');
    assert.is((await get(p, '/orders', { cookie: session }, { method: 'POST' })).status, 200);
    assert.is((await get(p, '/orders', {}, { method: 'POST' })).status, 401, 'API calls without a session get 401, not a redirect');
    const out = await get(p, '/logout', { cookie: session });
    assert.is(out.status, 302);
    assert.is(out.headers.location, `${ISSUER}/logout`);
    assert.ok(cookiesOf(out).includes('portico-oidc='), 'logout clears the session cookie');
  } finally { await gw.close(); await idp.close(); }
});

s('an expired session is refreshed with the refresh token', async () => {
  const idp = await provider({ idTokenSeconds: 1 });
  const gw = await gatewayFor(idp);
  try {
    const p = gw.ports.http;
    const first = await get(p, '/');
    const back = await get(p, idp.authorize(String(first.headers.location)), { cookie: jar(cookiesOf(first)) });
    const session = cookiesOf(back).find((c) => c.startsWith('portico-oidc='))!;
    // The ID token lives one second: wait until it has expired (bounded).
    await new Promise((r) => setTimeout(r, 2100));
    const r = await get(p, '/', { cookie: session });
    assert.is(r.status, 200);
    assert.is(idp.seen.refreshes, 1);
    assert.ok(cookiesOf(r).some((c) => c.startsWith('portico-oidc=') && c !== session), 'a new session cookie is set');
  } finally { await gw.close(); await idp.close(); }
});

s('a provider endpoint on a host the platform did not allow-list is Invalid (fails closed)', async () => {
  const gw = await serve([
    gatewayClass, gateway([{ name: 'http', port: 1 }]), route('app', [{ path: '/' }]), ...service('echo', ctx.backend!.port),
    secret('oidc', { 'client-secret': 'x', 'cookie-secret': 'y' }),
    policy('login', [{ kind: 'HTTPRoute', name: 'app' }], { oidc: { provider: { issuer: ISSUER, endpoint: { uri: 'https://idp.test' } }, clientID: CLIENT, clientSecret: { name: 'oidc' }, cookieSecret: { name: 'oidc' } } }),
  ]);
  try {
    assert.is((await get(gw.ports.http, '/')).status, 500);
    assert.ok(gw.result.problems.some((x) => x.field === 'spec.oidc.provider.endpoint.uri'));
  } finally { await gw.close(); }
});

s.run();
