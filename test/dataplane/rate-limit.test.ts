// TrafficPolicy rate limits through real sockets: local token buckets, global fixed windows in a
// real Redis (redis-server started here), every key source, the X-RateLimit-* headers, shadow
// mode, fail-open and fail-closed, and two gateway processes sharing one limit.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { Dataplane } from '../../gateway/dataplane/index.ts';
import type { RateLimitIR, RateLimitKeyIR, HttpRuleIR, RoutingTable } from '../../gateway/ir/index.ts';
import type { RateLimitOutcome } from '../../gateway/dataplane/observer.ts';
import { compileKey } from '../../gateway/dataplane/ratelimit/keys.ts';
import { TokenBuckets } from '../../gateway/dataplane/ratelimit/token-bucket.ts';
import { createRedisCounter } from '../../gateway/dataplane/ratelimit/redis-counter.ts';
import type { Exchange } from '../../gateway/dataplane/http/exchange.ts';
import * as H from './server-helpers.ts';
import { startRedis, type RedisServer } from '../helpers/redis.ts';
import { freePort } from '../e2e/serve-process.ts';
import { REPO, tsxArgv } from '../helpers/cli.ts';

const MINUTE = 60_000;

function policy(p: Partial<RateLimitIR>): RateLimitIR {
  return { id: `TrafficPolicy/ns/p${Math.random().toString(36).slice(2, 8)}`, shadow: false, failOpen: true, headers: true, ...p };
}

function tableFor(echoPort: number, rl: RateLimitIR, extra: Partial<HttpRuleIR> = {}): RoutingTable {
  const rule = H.httpRule({}, { backends: [H.backend('echo', echoPort)], policies: { traffic: { rateLimit: rl } }, ...extra });
  return H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [rule] }])])]));
}

interface Outcome { policy: string; kind: string; outcome: RateLimitOutcome }

async function serveWith(echoPort: number, rl: RateLimitIR, redisUrl: string | undefined): Promise<{ dp: Dataplane; port: number; outcomes: Outcome[] }> {
  const outcomes: Outcome[] = [];
  const dp = createDataplane({
    rateLimit: redisUrl === undefined ? undefined : { redisUrl, commandTimeoutMs: 5000 },
    observer: { onRateLimit: (policy, kind, outcome) => outcomes.push({ policy, kind, outcome }) },
  });
  const res = await dp.apply(tableFor(echoPort, rl));
  return { dp, port: H.boundPort(res, 0), outcomes };
}

async function statuses(port: number, n: number, o: H.ReqOpts = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await H.h1(port, o)).status);
  return out;
}

const Local = suite('rate limit: local token buckets');
let echo: Awaited<ReturnType<typeof H.startEcho>>;
Local.before(async () => { echo = await H.startEcho('echo'); });
Local.after(async () => { await echo.close(); });

Local('a bucket of 3 per minute per header value: the 4th request of a client is 429 with Retry-After and X-RateLimit-*', async () => {
  const s = await serveWith(echo.port, policy({ local: [{ requests: 3, windowMs: MINUTE, keys: [{ type: 'Header', name: 'x-user' }] }] }), undefined);
  try {
    const a = { headers: { 'x-user': 'a' } };
    const first = await H.h1(s.port, a);
    assert.is(first.status, 200);
    assert.is(first.headers['x-ratelimit-limit'], '3');
    assert.is(first.headers['x-ratelimit-remaining'], '2');
    assert.ok(Number(first.headers['x-ratelimit-reset']) > 0);
    assert.equal(await statuses(s.port, 2, a), [200, 200]);
    const denied = await H.h1(s.port, a);
    assert.is(denied.status, 429);
    assert.is(denied.headers['x-ratelimit-remaining'], '0');
    // One token comes back every 20 s.
    const retry = Number(denied.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 20, String(retry));
    // Another key has its own bucket; a request without the header is not counted by this limit.
    assert.equal(await statuses(s.port, 3, { headers: { 'x-user': 'b' } }), [200, 200, 200]);
    assert.equal(await statuses(s.port, 5), [200, 200, 200, 200, 200]);
    assert.ok(s.outcomes.some((o) => o.kind === 'local' && o.outcome === 'limited'));
  } finally {
    await s.dp.close(0);
  }
});

Local('buckets survive a reload of an unchanged policy, and a changed one starts afresh', async () => {
  const rl = policy({ local: [{ requests: 2, windowMs: MINUTE, keys: [] }] });
  const s = await serveWith(echo.port, rl, undefined);
  try {
    assert.equal(await statuses(s.port, 3), [200, 200, 429]);
    await s.dp.apply(tableFor(echo.port, rl));
    assert.equal(await statuses(s.port, 1), [429]);
    await s.dp.apply(tableFor(echo.port, { ...rl, local: [{ requests: 3, windowMs: MINUTE, keys: [] }] }));
    assert.equal(await statuses(s.port, 4), [200, 200, 200, 429]);
  } finally {
    await s.dp.close(0);
  }
});

Local('shadow mode: over the limit is counted and reported, never answered 429, and sends no headers', async () => {
  const s = await serveWith(echo.port, policy({ shadow: true, local: [{ requests: 1, windowMs: MINUTE, keys: [] }] }), undefined);
  try {
    const replies = [await H.h1(s.port), await H.h1(s.port)];
    assert.equal(replies.map((r) => r.status), [200, 200]);
    assert.is(replies[1]!.headers['x-ratelimit-limit'], undefined);
    assert.equal(s.outcomes.map((o) => o.outcome), ['allowed', 'shadow_limited']);
  } finally {
    await s.dp.close(0);
  }
});

Local('headers: false sends no X-RateLimit-* but still Retry-After on 429', async () => {
  const s = await serveWith(echo.port, policy({ headers: false, local: [{ requests: 1, windowMs: MINUTE, keys: [] }] }), undefined);
  try {
    const ok = await H.h1(s.port);
    assert.is(ok.headers['x-ratelimit-limit'], undefined);
    const no = await H.h1(s.port);
    assert.is(no.status, 429);
    assert.is(no.headers['x-ratelimit-limit'], undefined);
    assert.ok(Number(no.headers['retry-after']) >= 1);
  } finally {
    await s.dp.close(0);
  }
});

Local('token bucket refills continuously (clock injected)', () => {
  let t = 0;
  const b = new TokenBuckets(2, 1000, () => t);
  assert.equal([b.take('k').allowed, b.take('k').allowed, b.take('k').allowed], [true, true, false]);
  t = 499;
  assert.is(b.take('k').allowed, false);
  t = 500;
  const r = b.take('k');
  assert.is(r.allowed, true);
  assert.is(r.remaining, 0);
  assert.is(r.resetMs, 1000);
});

Local('keys: every source, length-prefixed, API keys digested, missing values skip the limit', () => {
  const ex = {
    clientAddress: '127.0.0.9', path: '/p', method: 'POST',
    headers: { 'x-tenant': 'shop', 'x-api-key': 'secret-key-1' },
    claims: { sub: 'alice', org: { id: 'o1' } },
  } as unknown as Exchange;
  const k = (keys: RateLimitKeyIR[]) => compileKey(keys)(ex);
  assert.is(k([{ type: 'ClientIP' }]), '9:127.0.0.9');
  assert.is(k([{ type: 'Header', name: 'x-tenant' }, { type: 'Method' }, { type: 'Path' }]), '4:shop4:POST2:/p');
  assert.is(k([{ type: 'JWTClaim', claim: 'sub' }]), '5:alice');
  assert.is(k([{ type: 'JWTClaim', claim: 'org.id' }]), '2:o1');
  assert.is(k([{ type: 'JWTClaim', claim: 'missing' }]), undefined);
  assert.is(k([{ type: 'Header', name: 'x-none' }]), undefined);
  const apiKey = k([{ type: 'APIKey', header: 'x-api-key' }])!;
  assert.not.ok(apiKey.includes('secret'), apiKey);
  assert.is(apiKey, k([{ type: 'APIKey', header: 'x-api-key' }]));
  assert.is(k([]), '');
});

Local.run();

const Global = suite('rate limit: global counters in Redis');
let redis: RedisServer;
let echo2: Awaited<ReturnType<typeof H.startEcho>>;
Global.before(async () => {
  redis = await startRedis();
  echo2 = await H.startEcho('echo');
});
Global.after(async () => {
  await echo2.close();
  await redis.stop();
});

Global('a fixed window of 3 per minute per client IP: the 4th is 429; headers from Redis\'s count and TTL', async () => {
  const s = await serveWith(echo2.port, policy({ failOpen: false, global: [{ requests: 3, windowMs: MINUTE, keys: [{ type: 'ClientIP' }] }] }), redis.url);
  try {
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await H.h1(s.port));
    assert.equal(replies.map((r) => r.status), [200, 200, 200, 429]);
    assert.equal(replies.map((r) => r.headers['x-ratelimit-remaining']), ['2', '1', '0', '0']);
    const reset = Number(replies[0]!.headers['x-ratelimit-reset']);
    assert.ok(reset > 0 && reset <= 60, String(reset));
    const retry = Number(replies[3]!.headers['retry-after']);
    assert.ok(retry > 0 && retry <= 60, String(retry));
    // The counter lives in Redis, with the window as its expiry.
    const keys = (await redis.command('KEYS', 'portico:rl:*')).split(',');
    assert.ok(keys.some((k) => k.includes('127.0.0.1')), keys.join(' '));
    assert.ok(s.outcomes.some((o) => o.kind === 'global' && o.outcome === 'limited'));
  } finally {
    await s.dp.close(0);
  }
});

Global('path, method and API key keys count separately; the API key never reaches Redis in clear', async () => {
  const s = await serveWith(echo2.port, policy({ failOpen: false, global: [
    { requests: 1, windowMs: MINUTE, keys: [{ type: 'Method' }, { type: 'Path' }] },
    { requests: 3, windowMs: MINUTE, keys: [{ type: 'APIKey', header: 'x-api-key' }] },
  ] }), redis.url);
  try {
    const key = { 'x-api-key': 'very-secret-api-key' };
    assert.is((await H.h1(s.port, { path: '/a', headers: key })).status, 200);
    // A request is counted on every limit it is charged to, also when another one denies it.
    assert.is((await H.h1(s.port, { path: '/a', headers: key })).status, 429); // method+path used up
    assert.is((await H.h1(s.port, { path: '/b', headers: key })).status, 200); // 3rd use of the key
    assert.is((await H.h1(s.port, { path: '/c', headers: key })).status, 429); // key used up
    assert.is((await H.h1(s.port, { path: '/d', headers: { 'x-api-key': 'other' } })).status, 200);
    const keys = await redis.command('KEYS', '*');
    assert.not.ok(keys.includes('very-secret'), keys);
  } finally {
    await s.dp.close(0);
  }
});

Global('Redis unreachable: failOpen lets requests through and reports fail_open; otherwise 503', async () => {
  const dead = `redis://127.0.0.1:${await freePort()}`;
  const open = await serveWith(echo2.port, policy({ failOpen: true, global: [{ requests: 1, windowMs: MINUTE, keys: [] }] }), dead);
  const closed = await serveWith(echo2.port, policy({ failOpen: false, global: [{ requests: 1, windowMs: MINUTE, keys: [] }] }), dead);
  try {
    assert.equal(await statuses(open.port, 3), [200, 200, 200]);
    assert.equal(open.outcomes.map((o) => o.outcome), ['fail_open', 'fail_open', 'fail_open']);
    const r = await H.h1(closed.port);
    assert.is(r.status, 503);
    assert.equal(closed.outcomes.map((o) => o.outcome), ['fail_closed']);
  } finally {
    await open.dp.close(0);
    await closed.dp.close(0);
  }
});

Global('no Redis configured: a global limit fails open or closed as its policy says', async () => {
  const open = await serveWith(echo2.port, policy({ failOpen: true, global: [{ requests: 1, windowMs: MINUTE, keys: [] }] }), undefined);
  try {
    assert.equal(await statuses(open.port, 2), [200, 200]);
  } finally {
    await open.dp.close(0);
  }
});

Global('two gateway processes share one limit: 25 requests across both inside one 60 s window, exactly 10 accepted', async () => {
  const rl = policy({ failOpen: false, global: [{ requests: 10, windowMs: MINUTE, keys: [] }] });
  const table = JSON.stringify(tableFor(echo2.port, rl));
  const procs: ChildProcess[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const child = spawn(process.execPath, [...tsxArgv('test/helpers/dataplane-process.ts'), table, redis.url], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      procs.push(child);
      ports.push(await new Promise<number>((done, fail) => {
        let out = '';
        let err = '';
        child.stdout!.on('data', (c: Buffer) => {
          out += c;
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line !== undefined) done((JSON.parse(line) as { port: number }).port);
        });
        child.stderr!.on('data', (c: Buffer) => (err += c));
        child.on('exit', (code) => fail(new Error(`gateway process exited ${code}: ${err}`)));
      }));
    }
    // Concurrent bursts against both processes: the count, not the timing, is what is checked.
    const sends: Promise<number>[] = [];
    for (let i = 0; i < 25; i++) sends.push(H.h1(ports[i % 2]!).then((r) => r.status));
    const got = await Promise.all(sends);
    assert.is(got.filter((s) => s === 200).length, 10, got.join(','));
    assert.is(got.filter((s) => s === 429).length, 15, got.join(','));
  } finally {
    for (const c of procs) {
      if (c.exitCode !== null) continue;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    }
  }
});

// The counter pipelines concurrent scripts (ioredis auto-pipelining): every caller must still get
// its own answer, and the counts stay exact.
Global('concurrent hits from one process, pipelined: each caller gets its own count, exactly 1..N', async () => {
  const counter = createRedisCounter({ url: redis.url, commandTimeoutMs: 5000 });
  try {
    const key = `portico:rl:test-pipelined-${Math.random().toString(36).slice(2)}`;
    const other = `${key}-other`;
    const hits = await Promise.all(Array.from({ length: 300 }, (_, i) => counter.hit(i % 3 === 0 ? [key, other] : [key], [MINUTE, MINUTE])));
    assert.equal(hits.map((h) => h[0]!.count).sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i + 1));
    assert.equal(hits.filter((h) => h.length === 2).map((h) => h[1]!.count).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i + 1));
    assert.ok(hits.every((h) => h.every((w) => w.ttlMs > 0 && w.ttlMs <= MINUTE)));
    assert.is(await redis.command('GET', key), '300');
  } finally {
    await counter.close();
  }
});

Global.run();
