// Rate limiting for the data plane: the Redis connection (when the gateway has one), the local
// buckets (kept across reloads while their policy is unchanged) and the chain filter factory.
import type { RateLimitIR, RateLimitRuleIR, RoutingTable } from '../../ir/index.ts';
import type { Handler } from '../http/exchange.ts';
import type { DataplaneObserver } from '../observer.ts';
import { rateLimitFilter } from './filter.ts';
import { createRedisCounter, type RedisCounter } from './redis-counter.ts';
import { TokenBuckets } from './token-bucket.ts';
import { trafficOf } from '../traffic/of.ts';

export interface RateLimitOptions {
  /** redis://host:port of the Redis that global limits count in; absent: none (they fail open or closed). */
  redisUrl?: string;
  /** Prefix of every Redis key. @default "portico:rl:" */
  keyPrefix?: string;
  commandTimeoutMs?: number;
}

export interface RateLimits {
  filter(ir: RateLimitIR): (next: Handler) => Handler;
  /** Forgets the buckets of local limits no longer in the table. */
  retain(table: RoutingTable): void;
  close(): Promise<void>;
}

function localIds(table: RoutingTable): Set<string> {
  const ids = new Set<string>();
  for (const gw of table.gateways) for (const p of gw.ports) for (const l of p.listeners) for (const h of l.http ?? []) {
    for (const r of h.rules) {
      const rl = trafficOf(r)?.rateLimit;
      if (rl?.local !== undefined) rl.local.forEach((x, i) => ids.add(bucketId(`${rl.id}:${i}`, x)));
    }
  }
  return ids;
}

function bucketId(id: string, r: RateLimitRuleIR): string {
  return `${id}:${r.requests}/${r.windowMs}:${JSON.stringify(r.keys)}`;
}

export function createRateLimits(opts: RateLimitOptions, observer: DataplaneObserver | undefined): RateLimits {
  let redis: RedisCounter | undefined;
  if (opts.redisUrl !== undefined) {
    redis = createRedisCounter({
      url: opts.redisUrl,
      commandTimeoutMs: opts.commandTimeoutMs,
      onEvent: (level, message, fields) => observer?.onEvent?.(level, message, fields),
    });
  }
  const buckets = new Map<string, TokenBuckets>();
  const deps = {
    redis,
    observer,
    keyPrefix: opts.keyPrefix ?? 'portico:rl:',
    buckets(id: string, r: RateLimitRuleIR) {
      const k = bucketId(id, r);
      let b = buckets.get(k);
      if (b === undefined) buckets.set(k, (b = new TokenBuckets(r.requests, r.windowMs)));
      return b;
    },
  };
  return {
    filter: (ir) => rateLimitFilter(ir, deps),
    retain(table) {
      const keep = localIds(table);
      for (const k of buckets.keys()) if (!keep.has(k)) buckets.delete(k);
    },
    close: async () => {
      await redis?.close();
    },
  };
}
