// The rate-limit step of a rule's chain: local token buckets first (cheap, and they spare Redis
// a burst), then the global counters in Redis. A request over any limit is answered 429 with
// Retry-After, unless the policy is in shadow mode (counted and reported only). Admitted
// requests carry X-RateLimit-* of the most constrained limit they were charged to.
import type { RateLimitIR, RateLimitRuleIR } from '../../ir/index.ts';
import type { Exchange, Handler } from '../http/exchange.ts';
import type { DataplaneObserver, RateLimitOutcome } from '../observer.ts';
import { sendGatewayResponse } from '../http/respond.ts';
import { ResponseFlag } from '../response-flags.ts';
import { compileKey } from './keys.ts';
import { TokenBuckets } from './token-bucket.ts';
import type { RedisCounter } from './redis-counter.ts';
import { createHash } from 'node:crypto';

export interface RateLimitDeps {
  /** Absent when the gateway runs without Redis: global limits then fail open or closed. */
  redis: RedisCounter | undefined;
  observer: DataplaneObserver | undefined;
  /** Prefix of every Redis key (several gateways may share one Redis). */
  keyPrefix: string;
  /** This process's buckets for a local limit; kept across config reloads while the limit is unchanged. */
  buckets(id: string, rule: RateLimitRuleIR): TokenBuckets;
}

interface Verdict {
  limit: number;
  remaining: number;
  resetMs: number;
  retryMs: number;
  allowed: boolean;
}

interface LocalLimit {
  key: (ex: Exchange) => string | undefined;
  buckets: TokenBuckets;
}

interface GlobalLimit {
  key: (ex: Exchange) => string | undefined;
  rule: RateLimitRuleIR;
  prefix: string;
}

// Redis keys stay short whatever the request carried (a long path, a big header value).
function redisKey(prefix: string, k: string): string {
  return k.length <= 64 ? prefix + k : prefix + createHash('sha256').update(k).digest('base64url');
}

/** Keeps the most constrained verdict: a denial beats an admission, then fewer remaining. */
function tighter(a: Verdict | undefined, b: Verdict): Verdict {
  if (a === undefined) return b;
  if (a.allowed !== b.allowed) return a.allowed ? b : a;
  return b.remaining < a.remaining ? b : a;
}

function setHeaders(out: Record<string, string | string[]>, v: Verdict): void {
  out['x-ratelimit-limit'] = String(v.limit);
  out['x-ratelimit-remaining'] = String(Math.max(0, v.remaining));
  out['x-ratelimit-reset'] = String(Math.ceil(v.resetMs / 1000));
}

export function rateLimitFilter(ir: RateLimitIR, deps: RateLimitDeps): (next: Handler) => Handler {
  const locals: LocalLimit[] = (ir.local ?? []).map((r, i) => ({ key: compileKey(r.keys), buckets: deps.buckets(`${ir.id}:${i}`, r) }));
  const globals: GlobalLimit[] = (ir.global ?? []).map((r, i) => ({
    key: compileKey(r.keys), rule: r, prefix: `${deps.keyPrefix}${ir.id}:${i}:${r.requests}/${r.windowMs}:`,
  }));
  const report = (outcome: RateLimitOutcome, kind: 'local' | 'global') => {
    try {
      deps.observer?.onRateLimit?.(ir.id, kind, outcome);
    } catch {
      // metrics must not fail a request
    }
  };

  const deny = (ex: Exchange, v: Verdict, kind: 'local' | 'global'): boolean => {
    if (ir.shadow) {
      report('shadow_limited', kind);
      return false;
    }
    report('limited', kind);
    const headers: Record<string, string> = { 'retry-after': String(Math.max(1, Math.ceil(v.retryMs / 1000))) };
    if (ir.headers) setHeaders(headers, v);
    sendGatewayResponse(ex, 429, 'too many requests', ResponseFlag.RATE_LIMITED, headers);
    return true;
  };

  const admit = (ex: Exchange, v: Verdict | undefined, kind: 'local' | 'global'): void => {
    report('allowed', kind);
    if (v !== undefined && ir.headers && !ir.shadow) setHeaders(ex.responseHeaders, v);
  };

  return (next) => async (ex) => {
    let verdict: Verdict | undefined;
    let kind: 'local' | 'global' = 'local';
    for (const l of locals) {
      const k = l.key(ex);
      if (k === undefined) continue;
      verdict = tighter(verdict, l.buckets.take(k));
    }
    if (verdict !== undefined && !verdict.allowed) {
      if (deny(ex, verdict, 'local')) return;
    }
    if (globals.length > 0) {
      const keys: string[] = [];
      const windows: number[] = [];
      const rules: RateLimitRuleIR[] = [];
      for (const g of globals) {
        const k = g.key(ex);
        if (k === undefined) continue;
        keys.push(redisKey(g.prefix, k));
        windows.push(g.rule.windowMs);
        rules.push(g.rule);
      }
      if (keys.length > 0) {
        let counts;
        try {
          if (deps.redis === undefined) throw new Error('no Redis configured');
          counts = await deps.redis.hit(keys, windows);
        } catch {
          if (ir.failOpen) {
            report('fail_open', 'global');
          } else {
            report('fail_closed', 'global');
            sendGatewayResponse(ex, 503, 'rate limit service unavailable', ResponseFlag.RATE_LIMIT_UNAVAILABLE);
            return;
          }
        }
        if (ex.signal.aborted) return;
        if (counts !== undefined) {
          let g: Verdict | undefined;
          for (let i = 0; i < counts.length; i++) {
            const { count, ttlMs } = counts[i]!;
            const limit = rules[i]!.requests;
            g = tighter(g, { limit, remaining: limit - count, resetMs: ttlMs, retryMs: ttlMs, allowed: count <= limit });
          }
          if (!g!.allowed && deny(ex, g!, 'global')) return;
          verdict = tighter(verdict, g!);
          kind = 'global';
        }
      }
    }
    // Nothing judged (no key applied, or Redis failed open): nothing to report or announce.
    if (verdict !== undefined && verdict.allowed) admit(ex, verdict, kind);
    return next(ex);
  };
}
