// The oidc section: browser login with the authorization code flow and PKCE (S256). A request
// without a session is redirected to the provider's authorization endpoint (state, nonce and the
// PKCE verifier travel in a short-lived encrypted cookie); the callback exchanges the code at the
// token endpoint, verifies the ID token (issuer, audience = client id, nonce) with the provider's
// JWKS, and sets the session cookie: a JWE (dir, A256GCM, key derived from the cookie Secret)
// holding the tokens. An expired session is refreshed with the refresh token when there is one.
// The logout path clears the session. Discovery, token and JWKS requests go to the endpoint the
// policy names (a Service or an allow-listed host), never to a URL taken from a request.
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, customFetch, EncryptJWT, jwtDecrypt, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { OidcIR } from '../../../ir/index.ts';
import type { Exchange } from '../exchange.ts';
import { sendGatewayResponse } from '../respond.ts';
import { setClaims } from './claims.ts';
import type { Denial } from './denial.ts';
import type { RemoteDeps } from './remote-document.ts';
import { remoteFetch } from './remote-document.ts';
import { cookieValue, queryValue } from './request-values.ts';

interface Discovery { authorization_endpoint: string; token_endpoint: string; jwks_uri: string; end_session_endpoint?: string; issuer: string }
interface Session { id: string; refresh?: string; exp: number; claims: JWTPayload }

const STATE_TTL_S = 600;
const b64url = (b: Buffer) => b.toString('base64url');

/** Answers the request itself (redirects, callback, logout) or lets it go on with a session: 'next'. */
export type OidcStep = (ex: Exchange) => Promise<'next' | 'answered' | Denial>;

export function oidcStep(ir: OidcIR, deps: RemoteDeps): OidcStep {
  const fetchDoc = remoteFetch(ir.endpoint, deps);
  const key = createHash('sha256').update(`portico-oidc:${ir.cookieSecret}`).digest();
  const stateCookie = `${ir.cookieName}-state`;
  // Every provider URL is fetched through the policy's endpoint: only its path and query are kept.
  const base = new URL(ir.endpoint.url.endsWith('/') ? ir.endpoint.url : `${ir.endpoint.url}/`);
  const viaEndpoint = (u: string) => { const x = new URL(u); return new URL(`${x.pathname.replace(/^\//, '')}${x.search}`, base).href; };
  let discovery: Promise<Discovery> | undefined;
  let jwks: JWTVerifyGetKey | undefined;

  const discover = (): Promise<Discovery> => {
    discovery ??= (async () => {
      const r = await fetchDoc(new URL('.well-known/openid-configuration', base).href);
      if (r.status !== 200) throw new Error(`discovery answered ${r.status}`);
      const d = await r.json() as Discovery;
      if (d.issuer !== ir.issuer) throw new Error(`discovery issuer ${d.issuer} is not ${ir.issuer}`);
      jwks = createRemoteJWKSet(new URL(viaEndpoint(d.jwks_uri)), { cooldownDuration: 1000, [customFetch]: fetchDoc as any });
      return d;
    })().catch((e) => { discovery = undefined; throw e; });
    return discovery;
  };

  const seal = (payload: JWTPayload, ttl: number) => new EncryptJWT(payload).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).setIssuedAt().setExpirationTime(`${ttl}s`).encrypt(key);
  const open = async (v: string | undefined): Promise<JWTPayload | undefined> => {
    if (!v) return undefined;
    try { return (await jwtDecrypt(v, key)).payload; } catch { return undefined; }
  };
  const cookie = (name: string, value: string, maxAge: number, secure: boolean) =>
    `${name}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
  const addSetCookie = (ex: Exchange, c: string) => {
    const cur = ex.responseHeaders['set-cookie'];
    ex.responseHeaders['set-cookie'] = cur === undefined ? [c] : Array.isArray(cur) ? [...cur, c] : [cur, c];
  };
  const redirect = (ex: Exchange, location: string) => {
    sendGatewayResponse(ex, 302, 'redirecting', undefined, { location, 'cache-control': 'no-store' });
  };
  const tokenRequest = async (d: Discovery, params: Record<string, string>): Promise<any> => {
    const body = new URLSearchParams({ ...params, client_id: ir.clientId, client_secret: ir.clientSecret });
    const r = await fetchDoc(viaEndpoint(d.token_endpoint), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    if (r.status !== 200) throw new Error(`token endpoint answered ${r.status}`);
    return r.json();
  };
  /** Verifies the ID token and makes the session cookie value. */
  const sessionFrom = async (d: Discovery, tokens: any, nonce: string | undefined): Promise<{ value: string; session: Session }> => {
    const { payload } = await jwtVerify(String(tokens.id_token), jwks!, { issuer: ir.issuer, audience: ir.clientId });
    if (nonce !== undefined && payload.nonce !== nonce) throw new Error('nonce mismatch');
    const exp = typeof payload.exp === 'number' ? payload.exp : Math.floor(Date.now() / 1000) + 300;
    const session: Session = { id: String(tokens.id_token), exp, claims: payload, ...(ir.refresh && tokens.refresh_token ? { refresh: String(tokens.refresh_token) } : {}) };
    // The cookie outlives the ID token when it can be refreshed.
    return { value: await seal({ s: session } as any, session.refresh ? 86_400 : Math.max(60, exp - Math.floor(Date.now() / 1000))), session };
  };
  const proceed = (ex: Exchange, s: Session): 'next' => {
    setClaims(ex, s.claims);
    if (ir.forwardIdToken) ex.headers.authorization = `Bearer ${s.id}`;
    // The session cookie is the gateway's, not the backend's.
    const c = ex.headers.cookie;
    if (c) {
      const rest = (Array.isArray(c) ? c.join('; ') : c).split(';').map((x) => x.trim()).filter((x) => x && !x.startsWith(`${ir.cookieName}=`) && !x.startsWith(`${stateCookie}=`));
      if (rest.length) ex.headers.cookie = rest.join('; '); else delete ex.headers.cookie;
    }
    return 'next';
  };

  return async (ex) => {
    const secure = ex.scheme === 'https';
    let d: Discovery;
    try { d = await discover(); } catch { return { status: 503, body: 'the identity provider is unavailable', flag: 'GW_ERR_UNAUTHORIZED' }; }
    if (ex.path === ir.logoutPath) {
      addSetCookie(ex, cookie(ir.cookieName, '', 0, secure));
      redirect(ex, d.end_session_endpoint ?? '/');
      return 'answered';
    }
    if (ex.path === ir.redirectPath) {
      const st = await open(cookieValue(ex, stateCookie));
      const code = queryValue(ex, 'code');
      if (!st || !code || queryValue(ex, 'state') !== st.state) return { status: 401, body: 'invalid login callback (state)', flag: 'GW_ERR_UNAUTHORIZED' };
      try {
        const tokens = await tokenRequest(d, { grant_type: 'authorization_code', code, redirect_uri: String(st.redirect), code_verifier: String(st.verifier) });
        const { value } = await sessionFrom(d, tokens, String(st.nonce));
        addSetCookie(ex, cookie(stateCookie, '', 0, secure));
        addSetCookie(ex, cookie(ir.cookieName, value, 86_400, secure));
        redirect(ex, String(st.back ?? '/'));
        return 'answered';
      } catch {
        return { status: 401, body: 'login failed at the identity provider', flag: 'GW_ERR_UNAUTHORIZED' };
      }
    }
    const sess = (await open(cookieValue(ex, ir.cookieName)))?.s as Session | undefined;
    if (sess) {
      if (sess.exp > Math.floor(Date.now() / 1000)) return proceed(ex, sess);
      if (sess.refresh) {
        try {
          const tokens = await tokenRequest(d, { grant_type: 'refresh_token', refresh_token: sess.refresh });
          if (!tokens.refresh_token) tokens.refresh_token = sess.refresh;
          const { value, session } = await sessionFrom(d, tokens, undefined);
          addSetCookie(ex, cookie(ir.cookieName, value, 86_400, secure));
          return proceed(ex, session);
        } catch { /* fall through to a new login */ }
      }
    }
    // No usable session: log in. Only safe methods are redirected; an API call gets 401.
    if (ex.method !== 'GET' && ex.method !== 'HEAD') return { status: 401, body: 'login required', flag: 'GW_ERR_UNAUTHORIZED' };
    const verifier = b64url(randomBytes(32));
    const state = b64url(randomBytes(16));
    const nonce = b64url(randomBytes(16));
    const redirectUri = `${ex.scheme}://${ex.authority}${ir.redirectPath}`;
    addSetCookie(ex, cookie(stateCookie, await seal({ state, nonce, verifier, redirect: redirectUri, back: ex.path + ex.query }, STATE_TTL_S), STATE_TTL_S, secure));
    const u = new URL(d.authorization_endpoint);
    u.searchParams.set('response_type', 'code');
    u.searchParams.set('client_id', ir.clientId);
    u.searchParams.set('redirect_uri', redirectUri);
    u.searchParams.set('scope', ir.scopes.join(' '));
    u.searchParams.set('state', state);
    u.searchParams.set('nonce', nonce);
    u.searchParams.set('code_challenge', b64url(createHash('sha256').update(verifier).digest()));
    u.searchParams.set('code_challenge_method', 'S256');
    redirect(ex, u.href);
    return 'answered';
  };
}

