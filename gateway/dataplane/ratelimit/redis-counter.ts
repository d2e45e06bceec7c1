// Global rate limits: fixed-window counters in Redis, shared by every gateway process that uses
// the same Redis. One Lua script per request increments every counter the request is charged
// to and reads their time to live, atomically (Redis runs a script alone), so N processes
// together admit exactly `requests` per window and key. A window starts at the first request of
// its key and lasts windowMs on Redis's clock (PEXPIRE), so the gateways' clocks never matter.
import type { Redis as RedisClient } from 'ioredis';

const SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[i])
  local n = redis.call('INCR', key)
  local ttl = window
  if n == 1 then
    redis.call('PEXPIRE', key, window)
  else
    ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, window)
      ttl = window
    end
  end
  out[#out + 1] = n
  out[#out + 1] = ttl
end
return out
`;

export interface WindowCount {
  /** Requests counted in this window, this one included. */
  count: number;
  /** Milliseconds until the window ends. */
  ttlMs: number;
}

export interface RedisCounter {
  /** Counts one request on each key; rejects when Redis cannot answer (the caller fails open or closed). */
  hit(keys: readonly string[], windowsMs: readonly number[]): Promise<WindowCount[]>;
  close(): Promise<void>;
}

export interface RedisCounterOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** A command without an answer within this is a failure (fail open or closed). @default 200 */
  commandTimeoutMs?: number;
  onEvent?(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
}

type ScriptClient = RedisClient & { porticoHit(n: number, ...args: (string | number)[]): Promise<number[]> };

/** ioredis is loaded only by a gateway that has a Redis: the others never pay for it. */
export function createRedisCounter(o: RedisCounterOptions): RedisCounter {
  const counter = import('ioredis').then(({ Redis }) => connect(Redis, o));
  return {
    hit: async (keys, windowsMs) => (await counter).hit(keys, windowsMs),
    close: async () => (await counter).close(),
  };
}

function connect(Redis: typeof RedisClient, o: RedisCounterOptions): RedisCounter {
  const client = new Redis(o.url, {
    // A request must never wait for a reconnect: while Redis is away, commands fail at once.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: o.commandTimeoutMs ?? 200,
    connectTimeout: 5000,
    retryStrategy: (n: number) => Math.min(100 * n, 2000),
    lazyConnect: false,
    // Concurrent requests share round trips: every counter script issued in the same event-loop
    // tick goes out as one pipeline (one write, one read of the answers) instead of a write and
    // a read each. Counting stays exact: each script still runs alone in Redis, in order.
    enableAutoPipelining: true,
  }) as ScriptClient;
  // defineCommand sends EVALSHA and falls back to EVAL once when the script is not cached.
  client.defineCommand('porticoHit', { lua: SCRIPT });
  let wasReady = false;
  // Until the first connection attempt has an outcome, a request waits for it (see hit()).
  let settled = false;
  let lastError = '';
  client.on('ready', () => {
    wasReady = true;
    settled = true;
    lastError = '';
    o.onEvent?.('info', 'rate limit: connected to Redis', { url: redact(o.url) });
  });
  // Without a listener an 'error' event would end the process; report each new error once.
  client.on('error', (err: Error) => {
    settled = true;
    if (err.message === lastError) return;
    lastError = err.message;
    o.onEvent?.(wasReady ? 'error' : 'warn', 'rate limit: Redis unavailable', { url: redact(o.url), error: err.message });
  });
  const timeoutMs = o.commandTimeoutMs ?? 200;
  // Before the first connection is up (a gateway just started), a request waits for it as long
  // as for a command, instead of failing at once; afterwards an outage fails without waiting.
  const firstReady = new Promise<void>((r) => {
    client.once('ready', () => r());
    client.once('error', () => r());
  });
  const waitFirst = () => Promise.race([firstReady, new Promise<void>((r) => setTimeout(r, timeoutMs).unref())]);
  return {
    async hit(keys, windowsMs) {
      if (!settled) await waitFirst();
      const raw = await client.porticoHit(keys.length, ...keys, ...windowsMs);
      const out: WindowCount[] = [];
      for (let i = 0; i < keys.length; i++) out.push({ count: Number(raw[2 * i]), ttlMs: Number(raw[2 * i + 1]) });
      return out;
    },
    async close() {
      client.disconnect(false);
    },
  };
}

/** The URL without its password, for logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'redis://(unparsable url)';
  }
}
