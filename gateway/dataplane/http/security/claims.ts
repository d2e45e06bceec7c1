// JWT claims of the request being served (set by the jwt check, read by authorization), and the
// claim/scope matching both use.
import type { JWTPayload } from 'jose';
import type { Exchange } from '../exchange.ts';

// On the exchange (`ex.claims`), where TrafficPolicy rate-limit keys (JWTClaim) read them too.
export function setClaims(ex: Exchange, claims: JWTPayload): void { ex.claims = claims; }
export function getClaims(ex: Exchange): JWTPayload | undefined { return ex.claims as JWTPayload | undefined; }

/** A claim by name; a dotted name reaches into objects ("realm.role"). */
export function claimAt(claims: JWTPayload, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(claims, name)) return claims[name];
  let cur: unknown = claims;
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function claimMatches(claims: JWTPayload, m: { name: string; values: string[] }): boolean {
  const v = claimAt(claims, m.name);
  if (v === undefined || v === null) return false;
  const list = Array.isArray(v) ? v : [v];
  return list.some((x) => (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') && m.values.includes(String(x)));
}

export function scopesOf(claims: JWTPayload): Set<string> {
  const out = new Set<string>();
  for (const v of [claims.scope, claims.scp]) {
    if (typeof v === 'string') for (const s of v.split(' ')) { if (s) out.add(s); }
    else if (Array.isArray(v)) for (const s of v) if (typeof s === 'string') out.add(s);
  }
  return out;
}
