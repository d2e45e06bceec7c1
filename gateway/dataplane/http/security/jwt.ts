// The jwt section: find the token, verify it with jose against a provider's JWKS (inline from a
// Secret, or fetched and cached; a token with an unknown kid makes jose refetch, which is how key
// rotation is picked up), check issuer, audience, time (with clock skew), required claims and
// scopes; then copy claims to headers and keep the claims for authorization.
import { createLocalJWKSet, createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { JwtIR, JwtProviderIR } from '../../../ir/index.ts';
import type { Exchange } from '../exchange.ts';
import { claimAt, claimMatches, scopesOf, setClaims } from './claims.ts';
import type { Check } from './denial.ts';
import { forbidden, unauthorized } from './denial.ts';
import type { RemoteDeps } from './remote-document.ts';
import { remoteFetch } from './remote-document.ts';
import { findCredential, removeCredential } from './request-values.ts';

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

interface CompiledProvider { ir: JwtProviderIR; keys: JWTVerifyGetKey; spoofable: string[] }

export function jwtCheck(ir: JwtIR, deps: RemoteDeps): { check: Check; spoofable: string[] } {
  const providers: CompiledProvider[] = ir.providers.map((p) => ({ ir: p, keys: keySet(p, deps), spoofable: p.claimToHeaders.map((c) => c.header) }));
  const challenge = 'Bearer realm="portico"';
  const check: Check = async (ex: Exchange) => {
    let lastError = 'no token';
    let sawToken = false;
    for (const p of providers) {
      const found = findCredential(ex, p.ir.extract);
      if (!found) continue;
      sawToken = true;
      let claims: JWTPayload;
      try {
        const r = await jwtVerify(found.value, p.keys, {
          algorithms: p.ir.algorithms,
          clockTolerance: p.ir.clockSkewSeconds,
          ...(p.ir.issuer ? { issuer: p.ir.issuer } : {}),
          ...(p.ir.audiences.length ? { audience: p.ir.audiences } : {}),
        });
        claims = r.payload;
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
