// Verified tokens of one JWT provider, so a client that sends the same bearer token on every
// request pays for the signature check once. Only successes are kept, keyed by the exact token
// string; an entry answers only inside the token's own validity (nbf .. exp, with the provider's
// clock skew, as jose judges them) and only for the key that verified it: the caller compares the
// key object jose resolves now for the token's header with the one kept, and a JWKS reload builds
// new key objects, so a rotation (or a removed key) is never answered from the cache.
import { LRUCache } from 'lru-cache';
import type { JWTPayload } from 'jose';

/** Longest a token without `exp` is answered from the cache before it is verified again. */
export const NO_EXP_TTL_MS = 5 * 60_000;
/** Tokens longer than this are verified every time (bounds the memory a client can pin). */
export const MAX_CACHED_TOKEN_CHARS = 8192;

export interface VerifiedToken {
  claims: Readonly<JWTPayload>;
  /** The key object the signature was verified with (identity marks the JWKS generation). */
  key: unknown;
  /** Epoch ms from which the token is valid (nbf − skew); -Infinity without nbf. */
  validFromMs: number;
  /** Epoch ms until which the token is valid (exp + skew), or the no-exp bound. */
  validUntilMs: number;
}

export interface VerifiedTokensOptions {
  /** Most tokens kept. @default 4096 */
  max?: number;
  /** Sum of cached token lengths (characters). @default 4 MiB */
  maxChars?: number;
}

export class VerifiedTokens {
  readonly #lru: LRUCache<string, VerifiedToken>;

  constructor(o: VerifiedTokensOptions = {}) {
    this.#lru = new LRUCache<string, VerifiedToken>({
      max: o.max ?? 4096,
      maxSize: o.maxChars ?? 4 * 1024 * 1024,
      sizeCalculation: (_v, token) => token.length,
    });
  }

  get size(): number {
    return this.#lru.size;
  }

  /** The entry for this exact token if it is valid at `nowMs`; an entry out of its window is dropped. */
  get(token: string, nowMs: number): VerifiedToken | undefined {
    const e = this.#lru.get(token);
    if (e === undefined) return undefined;
    if (nowMs < e.validFromMs || nowMs >= e.validUntilMs) {
      this.#lru.delete(token);
      return undefined;
    }
    return e;
  }

  /** Keeps a token jose has just verified with `key` at `nowMs`, with the provider's skew. */
  set(token: string, claims: JWTPayload, key: unknown, nowMs: number, clockSkewSeconds: number): void {
    if (token.length > MAX_CACHED_TOKEN_CHARS || key === undefined) return;
    const skewMs = clockSkewSeconds * 1000;
    // jose accepts exp > now − skew and nbf ≤ now + skew (whole seconds); the same window here.
    const validUntilMs = typeof claims.exp === 'number' ? claims.exp * 1000 + skewMs : nowMs + NO_EXP_TTL_MS;
    const validFromMs = typeof claims.nbf === 'number' ? claims.nbf * 1000 - skewMs : -Infinity;
    if (validUntilMs <= nowMs) return;
    this.#lru.set(token, { claims: deepFreeze(claims), key, validFromMs, validUntilMs });
  }

  delete(token: string): void {
    this.#lru.delete(token);
  }
}

/** Claims are shared by every request that presents the token: nothing may change them. */
function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}
