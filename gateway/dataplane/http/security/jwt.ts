// The jwt section: find the token, verify it with jose against a provider's JWKS (inline from a
// Secret, or fetched and cached; a token with an unknown kid makes jose refetch, which is how key
// rotation is picked up), check issuer, audience, time (with clock skew), required claims and
// scopes; then copy claims to headers and keep the claims for authorization. A token verified
// once is answered from the provider's cache of verified tokens until it expires (jwt-cache.ts).
import { createLocalJWKSet, createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify } from 'jose';
import type { CompactJWSHeaderParameters, FlattenedJWSInput, JWTPayload, JWTVerifyGetKey } from 'jose';
import type { JwtIR, JwtProviderIR } from '../../../ir/index.ts';
import type { Exchange } from '../exchange.ts';
import { claimAt, claimMatches, scopesOf, setClaims } from './claims.ts';
import type { Check } from './denial.ts';
import { forbidden, unauthorized } from './denial.ts';
import type { RemoteDeps } from './remote-document.ts';
import { remoteFetch } from './remote-document.ts';
import { findCredential, removeCredential } from './request-values.ts';
import { VerifiedTokens } from './jwt-cache.ts';

// Remote key sets live as long as the process: a new routing table with the same source keeps the
// cached keys (a config change does not refetch every JWKS). Keyed by URL and endpoints.
const remoteSets = new Map<string, JWTVerifyGetKey>();

/** Seconds between refetches caused by unknown kids (rotation), so bad tokens cannot flood the IdP. */
export const JWKS_COOLDOWN_MS = 1000;

function keySet(p: JwtProviderIR, deps: RemoteDeps): JWTVerifyGetKey {
  if (p.jwks.inline !== undefined) return createLocalJWKSet(JSON.parse(p.jwks.inline));
  const r = p.jwks.remote!;
  const key = JSON.stringify([r.url, r.backend?.endpoints ?? null, r.cacheSeconds]);
  let set = remoteSets.get(key);
  if (!set) {
    set = createRemoteJWKSet(new URL(r.url), {
      cacheMaxAge: r.cacheSeconds * 1000, cooldownDuration: JWKS_COOLDOWN_MS, timeoutDuration: 5000,
      [customFetch]: remoteFetch(r, deps) as any,
    });
    if (remoteSets.size > 256) remoteSets.delete(remoteSets.keys().next().value!);
    remoteSets.set(key, set);
  }
  return set;
}

interface CompiledProvider {
  ir: JwtProviderIR;
  keys: JWTVerifyGetKey;
  /** Remote key sets change under the provider (refresh, rotation): cache hits re-resolve the key. */
  remote: boolean;
  verified: VerifiedTokens;
  spoofable: string[];
}

export interface JwtCheckOptions {
  /** The clock tokens are judged by (epoch ms); tests move it. @default Date.now */
  now?: () => number;
}

const NO_TOKEN = {} as FlattenedJWSInput;

/**
 * Whether the cached key is still the one the provider's key set resolves for this token: jose
 * builds new key objects on every JWKS (re)load, so this fails after a rotation, a refresh or a
 * removed kid; resolving also lets a stale remote set refetch as it would on a full verification.
 */
async function sameKey(p: CompiledProvider, token: string, key: unknown): Promise<boolean> {
  if (!p.remote) return true; // an inline set is fixed for the life of the compiled provider
  try {
    return (await p.keys(decodeProtectedHeader(token) as CompactJWSHeaderParameters, NO_TOKEN)) === key;
  } catch {
    return false;
  }
}

export function jwtCheck(ir: JwtIR, deps: RemoteDeps, opts: JwtCheckOptions = {}): { check: Check; spoofable: string[] } {
  const now = opts.now ?? Date.now;
  const providers: CompiledProvider[] = ir.providers.map((p) => ({
    ir: p, keys: keySet(p, deps), remote: p.jwks.inline === undefined, verified: new VerifiedTokens(), spoofable: p.claimToHeaders.map((c) => c.header),
  }));
  const challenge = 'Bearer realm="portico"';
  const verify = async (p: CompiledProvider, token: string): Promise<JWTPayload> => {
    const hit = p.verified.get(token, now());
    if (hit !== undefined) {
      if (await sameKey(p, token, hit.key)) return hit.claims;
      p.verified.delete(token);
    }
    let key: unknown;
    const at = now();
    const r = await jwtVerify(token, async (h, t) => (key = await p.keys(h, t)), {
      algorithms: p.ir.algorithms,
      clockTolerance: p.ir.clockSkewSeconds,
      currentDate: new Date(at),
      ...(p.ir.issuer ? { issuer: p.ir.issuer } : {}),
      ...(p.ir.audiences.length ? { audience: p.ir.audiences } : {}),
    });
    p.verified.set(token, r.payload, key, at, p.ir.clockSkewSeconds);
    return r.payload;
  };
  const check: Check = async (ex: Exchange) => {
    let lastError = 'no token';
    let sawToken = false;
    for (const p of providers) {
      const found = findCredential(ex, p.ir.extract);
      if (!found) continue;
      sawToken = true;
      let claims: JWTPayload;
      try {
        claims = await verify(p, found.value);
      } catch (e) {
        lastError = (e as { code?: string }).code ?? 'invalid token';
        continue;
      }
      const scopes = scopesOf(claims);
      const missingScope = p.ir.requiredScopes.find((s) => !scopes.has(s));
      if (missingScope !== undefined) return forbidden(`the token lacks the scope "${missingScope}"`);
      const failed = p.ir.requiredClaims.find((m) => !claimMatches(claims, m));
      if (failed) return forbidden(`the token's claim "${failed.name}" does not have a required value`);
      if (!p.ir.forwardToken) removeCredential(ex, found);
      for (const c of p.ir.claimToHeaders) {
        const v = claimAt(claims, c.claim);
        if (v === undefined || v === null) continue;
        ex.headers[c.header] = typeof v === 'string' ? v : JSON.stringify(v);
      }
      setClaims(ex, claims);
      return undefined;
    }
    if (!sawToken && ir.optional) return undefined;
    return unauthorized(sawToken ? `invalid token (${lastError})` : 'a bearer token is required', sawToken ? `${challenge}, error="invalid_token"` : challenge);
  };
  return { check, spoofable: providers.flatMap((p) => p.spoofable) };
}
