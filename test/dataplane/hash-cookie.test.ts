// TrafficPolicy loadBalancer consistentHash on a Cookie, with the cookie issued by the gateway:
// a request without the cookie gets a random one (Set-Cookie) and is hashed by it at once, so
// the client sticks to one endpoint from its first request; attributes as the policy says;
// weighted backends stick too; an ejected endpoint's keys move to their next choice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { HashCookieIR, HttpBackendIR, HttpRuleIR, ListenerIR, OutlierDetectionIR, RoutingTable, TrafficPolicyIR } from '../../gateway/ir/index.ts';
import { rendezvous } from '../../gateway/dataplane/upstream/load-balancer.ts';
import { TestCA } from './certs.ts';
import * as H from './server-helpers.ts';

interface Ep {
  port: number;
  name: string;
  hits: number;
  status: number;
  cookies: (string | undefined)[];
  close(): Promise<void>;
}

async function endpoint(name: string): Promise<Ep> {
  const ep: Ep = { port: 0, name, hits: 0, status: 200, cookies: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    req.resume();
    ep.hits++;
    ep.cookies.push(req.headers.cookie);
    res.writeHead(ep.status, { 'x-ep': name });
    res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  ep.port = (server.address() as AddressInfo).port;
  ep.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return ep;
}

function backendOf(name: string, eps: Ep[], weight = 1): HttpBackendIR {
  return { ...H.backend(name, eps[0]!.port), weight, endpoints: eps.map((e) => ({ address: '127.0.0.1', port: e.port })) };
}

const DEFAULTS: HashCookieIR = { path: '/', httpOnly: true, sameSite: 'Lax' };
/** `false`: the policy issues no cookie (generate: false). */
const hashOn = (issue: HashCookieIR | false = DEFAULTS): TrafficPolicyIR => ({
  loadBalancer: { type: 'ConsistentHash', hashOn: { type: 'Cookie', name: 'lb', ...(issue ? { issue } : {}) } },
});

function tableOf(backends: HttpBackendIR[], traffic: TrafficPolicyIR, extra: Partial<HttpRuleIR> = {}, listener?: (rules: HttpRuleIR[]) => ListenerIR): RoutingTable {
  const rules = [H.httpRule({}, { backends, policies: { traffic }, ...extra })];
  return H.table(H.gateway([H.port(0, [listener ? listener(rules) : H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules }])])]));
}

const setCookies = (r: { headers: http.IncomingHttpHeaders }) => r.headers['set-cookie'] ?? [];
const valueOf = (line: string) => /^lb=([^;]*)/.exec(line)?.[1];

test('a first request without the cookie gets a random one and sticks to its endpoint from then on; requests with it get no new cookie', async () => {
  const eps = [await endpoint('a'), await endpoint('b'), await endpoint('c')];
  const dp = createDataplane();
  try {
    const p = H.boundPort(await dp.apply(tableOf([backendOf('svc', eps)], hashOn())), 0);
    const first = await H.h1(p);
    const lines = setCookies(first);
    assert.is(lines.length, 1, String(lines));
    assert.match(lines[0]!, /^lb=[A-Za-z0-9_-]{22}; Path=\/; HttpOnly; SameSite=Lax$/, 'a session cookie, HttpOnly, Lax, not Secure on plain HTTP');
    const value = valueOf(lines[0]!)!;
    assert.is(eps.find((e) => e.name === first.body)!.cookies[0], undefined, 'the issued cookie is not added to the forwarded request');
    for (let i = 0; i < 30; i++) {
      const r = await H.h1(p, { headers: { cookie: `theme=dark; lb=${value}` } });
      assert.is(r.body, first.body, `request ${i} with the issued cookie left its endpoint`);
      assert.equal(setCookies(r), [], 'a request with the cookie gets no new one');
    }
    // Every new client gets its own value; together they spread over the endpoints.
    const values = new Set<string>();
    const reached = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = await H.h1(p);
      values.add(valueOf(setCookies(r)[0]!)!);
      reached.add(r.body);
    }
    assert.is(values.size, 30, 'issued values repeat');
    assert.ok(reached.size >= 2, `30 new clients all reached ${[...reached]}`);
  } finally {
    await dp.close(0);
    for (const e of eps) await e.close();
  }
});

test('cookie attributes: ttl as Max-Age, path, domain, SameSite, HttpOnly off, Secure forced or by scheme', async () => {
  const eps = [await endpoint('a')];
  const ca = new TestCA();
  const pem = ca.issue('example', ['example.org']);
  const dp = createDataplane();
  try {
    const issue: HashCookieIR = { maxAgeS: 86400, path: '/shop', domain: 'example.org', httpOnly: false, sameSite: 'Strict' };
    const p = H.boundPort(await dp.apply(tableOf([backendOf('svc', eps)], hashOn(issue))), 0);
    assert.match(setCookies(await H.h1(p))[0]!, /^lb=[A-Za-z0-9_-]{22}; Path=\/shop; Domain=example.org; Max-Age=86400; SameSite=Strict$/);
    await dp.apply(tableOf([backendOf('svc', eps)], hashOn({ ...DEFAULTS, secure: true })));
    assert.match(setCookies(await H.h1(p))[0]!, /; HttpOnly; SameSite=Lax; Secure$/, 'secure: true on plain HTTP');
    // Over HTTPS the default is Secure; secure: false turns it off.
    const https = (issueIR: HashCookieIR) => tableOf([backendOf('svc', eps)], hashOn(issueIR), {}, (rules) =>
      H.listener('s', 'HTTPS', undefined, [{ hostname: 'example.org', rules }], { mode: 'Terminate', certificates: [H.cert(pem, ['example.org'])] }));
    const sp = H.boundPort(await dp.apply(https(DEFAULTS)), 0);
    const get = () => H.h1(sp, { host: 'example.org', tls: { servername: 'example.org', ca: ca.ca.certPem } });
    assert.match(setCookies(await get())[0]!, /; HttpOnly; SameSite=Lax; Secure$/, 'HTTPS: Secure by default');
    await dp.apply(https({ ...DEFAULTS, secure: false }));
    assert.match(setCookies(await get())[0]!, /; HttpOnly; SameSite=Lax$/, 'secure: false');
  } finally {
    await dp.close(0);
    for (const e of eps) await e.close();
    ca.cleanup();
  }
});

test('without issue (generate: false) nothing is set: requests without the cookie are spread, with it they stick', async () => {
  const eps = [await endpoint('a'), await endpoint('b')];
  const dp = createDataplane();
  try {
    const p = H.boundPort(await dp.apply(tableOf([backendOf('svc', eps)], hashOn(false))), 0);
    const names = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = await H.h1(p);
      assert.equal(setCookies(r), []);
      names.add(r.body);
    }
    assert.is(names.size, 2, 'round-robin without a key');
    const sticky = new Set<string>();
    for (let i = 0; i < 6; i++) sticky.add((await H.h1(p, { headers: { cookie: 'lb=app-session-1' } })).body);
    assert.is(sticky.size, 1);
  } finally {
    await dp.close(0);
    for (const e of eps) await e.close();
  }
});

test('weighted backends: a cookie sticks to one backend and endpoint; many cookies split by weight', async () => {
  const stable = [await endpoint('s1'), await endpoint('s2')];
  const canary = [await endpoint('c1')];
  const dp = createDataplane();
  try {
    const p = H.boundPort(await dp.apply(tableOf([backendOf('stable', stable, 3), backendOf('canary', canary, 1)], hashOn())), 0);
    const counts: Record<string, number> = {};
    for (let client = 0; client < 40; client++) {
      const first = await H.h1(p);
      const value = valueOf(setCookies(first)[0]!)!;
      counts[first.body] = (counts[first.body] ?? 0) + 1;
      for (let i = 0; i < 3; i++) assert.is((await H.h1(p, { headers: { cookie: `lb=${value}` } })).body, first.body, `client ${client} moved`);
    }
    // 40 keys at 3:1: the canary gets some and fewer than the stable backend (not a timing, a split).
    const c = counts.c1 ?? 0;
    const s = (counts.s1 ?? 0) + (counts.s2 ?? 0);
    assert.ok(c > 0 && s > c, JSON.stringify(counts));
  } finally {
    await dp.close(0);
    for (const e of [...stable, ...canary]) await e.close();
  }
});

test('a retry goes to the key\'s next choice with the same issued cookie (one Set-Cookie); an ejected endpoint\'s keys move there instead of failing', async () => {
  const eps = [await endpoint('a'), await endpoint('b'), await endpoint('c')];
  const ir = eps.map((e) => ({ address: '127.0.0.1', port: e.port }));
  const nameAt = (ep: { port: number } | undefined) => eps.find((e) => e.port === ep?.port)!.name;
  const dp = createDataplane();
  try {
    const retry = { codes: [503], attempts: 2, backoffMs: 1 };
    const table = (passive: OutlierDetectionIR) => tableOf([backendOf('svc', eps)], { ...hashOn(), healthCheck: { passive } }, { retry });
    const p = H.boundPort(await dp.apply(table({ consecutiveLocalOriginFailure: 1000 })), 0);
    // One endpoint stops listening: its connections are refused (a retryable failure).
    const down = eps[0]!;
    await down.close();
    // New clients (bounded): those whose key's first choice is the closed endpoint are retried
    // on their second choice, answered 200, with one Set-Cookie carrying the key they were hashed by.
    let retried = 0;
    for (let i = 0; i < 60 && retried < 2; i++) {
      const r = await H.h1(p);
      assert.is(r.status, 200);
      const lines = setCookies(r);
      assert.is(lines.length, 1, String(lines));
      const value = valueOf(lines[0]!)!;
      if (nameAt(rendezvous(value, ir)) !== down.name) {
        assert.is(r.body, nameAt(rendezvous(value, ir)));
        continue;
      }
      retried++;
      assert.is(r.body, nameAt(rendezvous(value, ir, 1)), 'the retry went to the key\'s second choice');
    }
    assert.is(retried, 2, 'no new client hashed to the closed endpoint in 60 tries');
    // Outlier detection ejects it after one failure: a key whose first choice it is now goes
    // straight to its next choice (no failed attempt, no 503), the same one every time.
    await dp.apply(table({ consecutiveLocalOriginFailure: 1, baseEjectionMs: 600_000 }));
    let key: string | undefined;
    for (let i = 0; i < 200 && key === undefined; i++) if (nameAt(rendezvous(`k${i}`, ir)) === down.name) key = `k${i}`;
    const answers = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = await H.h1(p, { headers: { cookie: `lb=${key}` } });
      assert.is(r.status, 200);
      answers.add(r.body);
    }
    assert.equal([...answers], [nameAt(rendezvous(key!, ir, 1))]);
  } finally {
    await dp.close(0);
    for (const e of eps.slice(1)) await e.close();
  }
});

test.run();
