// TrafficPolicy settings that act per backend, through real sockets: loadBalancer (least
// request, consistent hash by header, cookie and source IP), active health checks (HTTP, TCP,
// gRPC), circuitBreaker.maxConnections and the retry budget.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { HttpBackendIR, HttpRuleIR, RoutingTable, TrafficPolicyIR } from '../../gateway/ir/index.ts';
import { createProbe } from '../../gateway/dataplane/upstream/health-probes.ts';
import { rendezvous } from '../../gateway/dataplane/upstream/load-balancer.ts';
import * as H from './server-helpers.ts';

interface Ep {
  port: number;
  name: string;
  hits: number;
  /** Requests to /hold wait here until released. */
  held: http.ServerResponse[];
  health: number;
  maxSockets: number;
  close(): Promise<void>;
}

async function endpoint(name: string, status = 200): Promise<Ep> {
  const ep: Ep = { port: 0, name, hits: 0, held: [], health: 200, maxSockets: 0, close: async () => {} };
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/healthz') {
      res.writeHead(ep.health);
      res.end();
      return;
    }
    ep.hits++;
    if (req.url === '/hold') {
      ep.held.push(res);
      return;
    }
    if (req.url === '/tick') {
      setImmediate(() => { res.writeHead(status, { 'x-ep': name }); res.end(name); });
      return;
    }
    res.writeHead(status, { 'x-ep': name });
    res.end(name);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    ep.maxSockets = Math.max(ep.maxSockets, sockets.size);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  ep.port = (server.address() as AddressInfo).port;
  ep.close = () => new Promise<void>((r) => { for (const h of ep.held) h.end(); server.closeAllConnections(); server.close(() => r()); });
  return ep;
}

function backendOf(eps: Ep[]): HttpBackendIR {
  return { ...H.backend('svc', eps[0]!.port), endpoints: eps.map((e) => ({ address: '127.0.0.1', port: e.port })) };
}

/** One rule to the backend, with the TrafficPolicy settings given (they act on all its backends). */
function tableOf(b: HttpBackendIR, traffic: TrafficPolicyIR, extra: Partial<HttpRuleIR> = {}): RoutingTable {
  return H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [H.httpRule({}, { backends: [b], policies: { traffic }, ...extra })] }])])]));
}

async function until(cond: () => boolean | Promise<boolean>, what: string, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

test('least request: while one endpoint holds a request, every other request goes to the idle one', async () => {
  const a = await endpoint('a');
  const b = await endpoint('b');
  const dp = createDataplane();
  try {
    const p = H.boundPort(await dp.apply(tableOf(backendOf([a, b]), { loadBalancer: { type: 'LeastRequest' } })), 0);
    const pending = H.h1(p, { path: '/hold' });
    await until(() => a.held.length + b.held.length === 1, 'the held request');
    const busy = a.held.length === 1 ? a : b;
    const idle = busy === a ? b : a;
    const names = [];
    for (let i = 0; i < 6; i++) names.push((await H.h1(p, { path: '/x' })).body);
    assert.equal(names, Array(6).fill(idle.name));
    busy.held.shift()!.end('done');
    assert.is((await pending).status, 200);
  } finally {
    await dp.close(0);
    await a.close();
    await b.close();
  }
});

test('consistent hash: one header value, cookie or client address always reaches one endpoint; values spread', async () => {
  const eps = [await endpoint('a'), await endpoint('b'), await endpoint('c')];
  const dp = createDataplane();
  try {
    const byHeader = H.boundPort(await dp.apply(tableOf(backendOf(eps), { loadBalancer: { type: 'ConsistentHash', hashOn: { type: 'Header', name: 'x-user' } } })), 0);
    const seen = new Map<string, Set<string>>();
    for (let u = 0; u < 12; u++) {
      for (let i = 0; i < 3; i++) {
        const r = await H.h1(byHeader, { headers: { 'x-user': `user-${u}` } });
        seen.set(`user-${u}`, (seen.get(`user-${u}`) ?? new Set()).add(r.body));
      }
    }
    for (const [u, s] of seen) assert.is(s.size, 1, u);
    assert.ok(new Set([...seen.values()].map((s) => [...s][0])).size >= 2, 'twelve users all on one endpoint');
    await dp.apply(tableOf(backendOf(eps), { loadBalancer: { type: 'ConsistentHash', hashOn: { type: 'Cookie', name: 'sid' } } }));
    const c1 = new Set<string>();
    for (let i = 0; i < 4; i++) c1.add((await H.h1(byHeader, { headers: { cookie: 'a=1; sid=abc' } })).body);
    assert.is(c1.size, 1);
    await dp.apply(tableOf(backendOf(eps), { loadBalancer: { type: 'ConsistentHash', hashOn: { type: 'SourceIP' } } }));
    const ip = new Set<string>();
    for (let i = 0; i < 4; i++) ip.add((await H.h1(byHeader)).body);
    assert.is(ip.size, 1);
  } finally {
    await dp.close(0);
    for (const e of eps) await e.close();
  }
});

test('rendezvous hashing: removing an endpoint moves only the keys that were on it', () => {
  const eps = [1, 2, 3, 4].map((i) => ({ address: '10.0.0.' + i, port: 80 }));
  const before = new Map<string, string>();
  for (let k = 0; k < 200; k++) before.set(`k${k}`, rendezvous(`k${k}`, eps)!.address);
  const after = eps.slice(0, 3);
  for (const [k, addr] of before) if (addr !== '10.0.0.4') assert.is(rendezvous(k, after)!.address, addr, k);
});

test('active HTTP health check: an endpoint failing /healthz leaves the rotation and comes back when it passes', async () => {
  const a = await endpoint('a');
  const b = await endpoint('b');
  b.health = 503;
  const dp = createDataplane();
  try {
    const p = H.boundPort(await dp.apply(tableOf(backendOf([a, b]), { healthCheck: { active: {
      probe: { type: 'HTTP', path: '/healthz', method: 'GET', expectedStatuses: [{ from: 200, to: 299 }] },
      intervalMs: 20, timeoutMs: 1000, healthyThreshold: 1, unhealthyThreshold: 2,
    } } })), 0);
    // Bounded wait for the checks to take b out (state, not timing: the next 10 answers).
    await until(async () => {
      const names = [];
      for (let i = 0; i < 10; i++) names.push((await H.h1(p)).body);
      return names.every((n) => n === 'a');
    }, 'b to leave the rotation', 100);
    b.health = 200;
    await until(async () => (await H.h1(p)).body === 'b', 'b to come back', 200);
  } finally {
    await dp.close(0);
    await a.close();
    await b.close();
  }
});

test('active TCP health check: an endpoint nobody listens on leaves the rotation (no more 502s)', async () => {
  const a = await endpoint('a');
  const gone = await endpoint('gone');
  const deadPort = gone.port;
  await gone.close();
  const dp = createDataplane();
  try {
    const be = backendOf([a]);
    be.endpoints = [...be.endpoints, { address: '127.0.0.1', port: deadPort }];
    const p = H.boundPort(await dp.apply(tableOf(be, { healthCheck: { active: {
      probe: { type: 'TCP' }, intervalMs: 20, timeoutMs: 1000, healthyThreshold: 1, unhealthyThreshold: 1,
    } } })), 0);
    await until(async () => {
      const st = [];
      for (let i = 0; i < 10; i++) st.push((await H.h1(p)).status);
      return st.every((s) => s === 200);
    }, 'the dead endpoint to leave the rotation', 100);
  } finally {
    await dp.close(0);
    await a.close();
  }
});

test('active TCP check with send/receive, and gRPC grpc.health.v1 checks (SERVING, NOT_SERVING, unknown service)', async () => {
  const net = await import('node:net');
  const echo = net.createServer((s) => s.on('data', (d) => s.write(d.toString() === 'PING\r\n' ? '+PONG\r\n' : '-ERR\r\n')));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoPort = (echo.address() as AddressInfo).port;
  const server = new grpc.Server();
  const statuses: Record<string, number> = { '': 1, shop: 1, down: 2 };
  server.addService({
    Check: {
      path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false,
      // Decoded to an object: grpc-js does not hand a falsy message ('') to a unary handler.
      requestSerialize: (s: { service: string }) => Buffer.from(s.service), requestDeserialize: (b: Buffer) => ({ service: b.subarray(2).toString() }),
      responseSerialize: (v: number) => Buffer.from([0x08, v]), responseDeserialize: (b: Buffer) => b[1]!,
    },
  } as grpc.ServiceDefinition, {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, number>, cb: grpc.sendUnaryData<number>) => {
      const s = statuses[call.request.service];
      if (s === undefined) cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' } as grpc.ServiceError);
      else cb(null, s);
    },
  });
  const grpcPort = await new Promise<number>((r, j) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => (e ? j(e) : r(port))));
  const b = H.backend('x', 1);
  const tcp = (send?: string, receive?: string) => createProbe({ probe: { type: 'TCP', send, receive }, intervalMs: 1000, timeoutMs: 1000, healthyThreshold: 1, unhealthyThreshold: 1 }, b, { address: '127.0.0.1', port: echoPort });
  const g = (service: string) => createProbe({ probe: { type: 'GRPC', service }, intervalMs: 1000, timeoutMs: 2000, healthyThreshold: 1, unhealthyThreshold: 1 }, b, { address: '127.0.0.1', port: grpcPort });
  try {
    assert.is(await tcp()(), true);
    assert.is(await tcp('PING\r\n', '+PONG')(), true);
    assert.is(await tcp('HELLO\r\n', '+PONG')(), false);
    for (const [service, want] of [['', true], ['shop', true], ['down', false], ['nope', false]] as const) {
      const probe = g(service);
      assert.is(await probe(), want, `service '${service}'`);
      probe.close?.();
    }
  } finally {
    echo.close();
    server.forceShutdown();
  }
});

test('circuitBreaker.maxConnections: at most N connections per endpoint, the other requests wait for one', async () => {
  const a = await endpoint('a');
  const dp = createDataplane();
  try {
    const p = H.boundPort(await dp.apply(tableOf(backendOf([a]), { circuitBreaker: { maxConnections: 2 } })), 0);
    const all = await Promise.all(Array.from({ length: 12 }, () => H.h1(p, { path: '/tick' })));
    assert.ok(all.every((r) => r.status === 200));
    assert.ok(a.maxSockets <= 2, String(a.maxSockets));
  } finally {
    await dp.close(0);
    await a.close();
  }
});

test('circuitBreaker.maxParallelRequests and maxPendingRequests: the backend queue per policy, 503 beyond it', async () => {
  const a = await endpoint('a');
  const dp = createDataplane();
  try {
    const p = H.boundPort(await dp.apply(tableOf(backendOf([a]), { circuitBreaker: { maxParallelRequests: 1, maxPendingRequests: 1 } })), 0);
    const first = H.h1(p, { path: '/hold' });
    await until(() => a.held.length === 1, 'the first request in flight');
    const queued = H.h1(p, { path: '/x' }); // waits for the slot
    const over = await H.h1(p, { path: '/y' });
    assert.is(over.status, 503);
    assert.is(a.hits, 1);
    a.held.shift()!.end('done');
    assert.is((await first).status, 200);
    assert.is((await queued).status, 200);
  } finally {
    await dp.close(0);
    await a.close();
  }
});

test('healthCheck.passive: the policy\'s outlier detection ejects an endpoint after its consecutive 5xx', async () => {
  const good = await endpoint('good');
  const bad = await endpoint('bad', 500);
  const dp = createDataplane();
  try {
    const p = H.boundPort(await dp.apply(tableOf(backendOf([good, bad]), { healthCheck: { passive: { consecutive5xx: 2, baseEjectionMs: 60_000 } } })), 0);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await H.h1(p)).status);
    // Round robin sends every other request to "bad" until its second 500 ejects it.
    assert.is(statuses.filter((s) => s === 500).length, 2, statuses.join(','));
    assert.ok(statuses.slice(-6).every((s) => s === 200), statuses.join(','));
  } finally {
    await dp.close(0);
    await good.close();
    await bad.close();
  }
});

test('retry budget: with no budget left a retryable 503 is relayed instead of retried', async () => {
  const a = await endpoint('a', 503);
  const dp = createDataplane();
  try {
    const retry = { codes: [503], attempts: 3, backoffMs: 1 };
    const p = H.boundPort(await dp.apply(tableOf(backendOf([a]), {}, { retry })), 0);
    assert.is((await H.h1(p)).status, 503);
    assert.is(a.hits, 3);
    await dp.apply(tableOf(backendOf([a]), { circuitBreaker: { retryBudget: { percent: 0, minRetryConcurrency: 0 } } }, { retry }));
    assert.is((await H.h1(p)).status, 503);
    assert.is(a.hits, 4);
    await dp.apply(tableOf(backendOf([a]), { circuitBreaker: { retryBudget: { percent: 20, minRetryConcurrency: 3 } } }, { retry }));
    assert.is((await H.h1(p)).status, 503);
    assert.is(a.hits, 7);
  } finally {
    await dp.close(0);
    await a.close();
  }
});

test.run();
