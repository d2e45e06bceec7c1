// Upstream faults, each with its defined answer: the status the client gets (or how the response
// ends), the access-log response flag and the upstream-error metric's code. A retry happens only
// where the route allows it and the request can be replayed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { Socket } from 'node:net';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import type { AccessRecord } from '../../gateway/dataplane/index.ts';
import type { HttpBackendIR, HttpRuleIR } from '../../gateway/ir/index.ts';
import * as H from '../dataplane/server-helpers.ts';
import { deadPort } from '../dataplane/upstream-fixtures.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function backendServer(handler: Handler): Promise<{ port: number; close(): Promise<void> }> {
  const s = http.createServer(handler);
  const sockets = new Set<Socket>();
  s.on('connection', (c) => { sockets.add(c); c.on('close', () => sockets.delete(c)); });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as { port: number }).port, close: () => new Promise((r) => { for (const c of sockets) c.destroy(); s.close(() => r()); }) };
}

/** The client's view: status, and whether the body ended cleanly. */
function fetchOnce(port: number): Promise<{ status: number; complete: boolean }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host: 'www.example' }, agent: false, timeout: 10_000 }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve({ status: res.statusCode!, complete: true }));
      res.on('error', () => resolve({ status: res.statusCode!, complete: false }));
      res.on('aborted', () => resolve({ status: res.statusCode!, complete: false }));
    });
    req.on('error', () => resolve({ status: 0, complete: false }));
    req.on('timeout', () => req.destroy());
  });
}

interface Row {
  fault: string;
  handler?: Handler;
  /** Endpoint ports override (dead ports, none). */
  ports?: (backendPort: number) => Promise<number[]>;
  rule?: Partial<HttpRuleIR>;
  want: { status: number; complete: boolean; flag: string; metric?: string };
}

const ROWS: Row[] = [
  { fault: 'connection refused', ports: async () => [await deadPort()], want: { status: 502, complete: true, flag: 'GW_ERR_UPSTREAM_CONNECT', metric: 'GW_ERR_UPSTREAM_CONNECT' } },
  { fault: 'reset before the response head', handler: (req) => req.socket.destroy(), want: { status: 502, complete: true, flag: 'GW_ERR_UPSTREAM_RESET', metric: 'GW_ERR_UPSTREAM_RESET' } },
  { fault: 'reset after the response head', handler: (_req, res) => { res.writeHead(200, { 'content-length': '100' }); res.write('partial'); setTimeout(() => res.socket?.destroy(), 50); },
    want: { status: 200, complete: false, flag: 'GW_ERR_UPSTREAM_RESET', metric: 'GW_ERR_UPSTREAM_RESET' } },
  { fault: 'slow response head (backendRequest timeout 300 ms)', handler: (_req, res) => { setTimeout(() => res.end('late'), 3000); },
    rule: { timeouts: { backendRequestMs: 300 } }, want: { status: 504, complete: true, flag: 'GW_ERR_UPSTREAM_TIMEOUT' } },
  { fault: 'slow body (backendRequest timeout 300 ms)', handler: (_req, res) => { res.writeHead(200); res.write('first'); setTimeout(() => res.end('late'), 3000); },
    rule: { timeouts: { backendRequestMs: 300 } }, want: { status: 200, complete: false, flag: 'GW_ERR_UPSTREAM_TIMEOUT' } },
  { fault: 'all endpoints removed', ports: async () => [], want: { status: 503, complete: true, flag: 'GW_ERR_NO_ENDPOINTS' } },
  { fault: 'refused, retried on a replayable GET where the route allows it', ports: async (p) => [await deadPort(), p],
    handler: (_req, res) => res.end('ok'), rule: { retry: { codes: [502], attempts: 3, backoffMs: 0 } },
    want: { status: 200, complete: true, flag: 'GW_ERR_UPSTREAM_CONNECT', metric: 'GW_ERR_UPSTREAM_CONNECT' } },
];

test('upstream faults: each gets its defined answer, response flag and metric', async () => {
  const failures: string[] = [];
  for (const row of ROWS) {
    const be = await backendServer(row.handler ?? ((_req, res) => res.end('ok')));
    const records: AccessRecord[] = [];
    const metrics: string[] = [];
    const dp = createDataplane({ observer: { onRequest: (r) => records.push(r), onUpstreamError: (_b, code) => metrics.push(code) } });
    try {
      const ports = row.ports ? await row.ports(be.port) : [be.port];
      const b: HttpBackendIR = H.backend('svc', be.port, { endpoints: ports.map((port) => ({ address: '127.0.0.1', port, pod: `p${port}` })) });
      const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [H.httpRule({}, { backends: [b], ...row.rule })] }])])])));
      // With two endpoints the dead one must be the one tried first for the retry row: try a few times.
      let got = await fetchOnce(H.boundPort(res, 0));
      await new Promise((r) => setTimeout(r, 100));
      if (row.fault.startsWith('refused, retried')) {
        for (let i = 0; i < 3 && !records.some((r) => r.responseFlags?.some((f) => f === 'GW_ERR_UPSTREAM_CONNECT')); i++) {
          got = await fetchOnce(H.boundPort(res, 0));
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const rec = records.find((r) => r.responseFlags?.some((f) => f === row.want.flag)) ?? records.at(-1);
      const line = `${row.fault}: got ${got.status} complete=${got.complete} flags=${rec?.responseFlags?.join(',')} metrics=${metrics.join(',')}`;
      if (got.status !== row.want.status || got.complete !== row.want.complete) failures.push(`${line}; want ${row.want.status} complete=${row.want.complete}`);
      else if (!rec?.responseFlags?.some((f) => f === row.want.flag)) failures.push(`${line}; want flag ${row.want.flag}`);
      else if (row.want.metric !== undefined && !metrics.includes(row.want.metric)) failures.push(`${line}; want metric code ${row.want.metric}`);
    } finally {
      await dp.close(0);
      await be.close();
    }
  }
  assert.equal(failures, []);
});

test('no retry without a retry policy, and none for a body that cannot be replayed', async () => {
  let hits = 0;
  const be = await backendServer((req, res) => { hits++; req.resume(); req.on('end', () => req.socket.destroy()); });
  const dp = createDataplane();
  try {
    const b = H.backend('svc', be.port);
    const retry = { retry: { codes: [502], attempts: 3, backoffMs: 0 } };
    const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [
      { hostname: 'plain.example', rules: [H.httpRule({}, { backends: [b] })] },
      { hostname: 'retry.example', rules: [H.httpRule({}, { backends: [b], ...retry })] },
    ])])])));
    const p = H.boundPort(res, 0);
    assert.is((await H.h1(p, { host: 'plain.example' })).status, 502);
    assert.is(hits, 1, 'no retry policy: one attempt');
    hits = 0;
    // A chunked upload of unknown length is streamed, not kept: it cannot be sent twice.
    const status = await new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: p, method: 'POST', path: '/', headers: { host: 'retry.example' }, agent: false }, (r) => { r.resume(); resolve(r.statusCode!); });
      req.on('error', () => resolve(0));
      for (let i = 0; i < 200; i++) req.write('x'.repeat(1024));
      req.end();
    });
    assert.is(status, 502);
    assert.is(hits, 1, 'a streamed body is not replayed');
  } finally {
    await dp.close(0);
    await be.close();
  }
});

test.run();
