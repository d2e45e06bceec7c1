// HTTPRouteRule.timeouts: request (whole exchange, retries included) and backendRequest
// (per attempt), zero disables, 504 with the coded error in the record.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServerResponse } from 'node:http';
import { createUpstreams } from '../../gateway/dataplane/upstream/index.ts';
import { serveHandler } from '../helpers/exchange.ts';
import { backend, get, noHooks, rule, startBackend } from './upstream-fixtures.ts';

const ups = createUpstreams();
test.after(() => ups.close());

/** Answers after ?delay=<ms>; ?fastAfter=n answers at once from the n-th call on. */
async function slow() {
  let calls = 0;
  return startBackend((req, res) => {
    calls++;
    const u = new URL(req.url!, 'http://x');
    const fastAfter = Number(u.searchParams.get('fastAfter') ?? 0);
    const delay = fastAfter && calls >= fastAfter ? 0 : Number(u.searchParams.get('delay') ?? 0);
    const t = setTimeout(() => res.end(`done ${calls}`), delay);
    res.on('close', () => clearTimeout(t));
  });
}

test('request timeout -> 504, zero disables it', async () => {
  const be = await slow();
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])], { timeouts: { requestMs: 200 } }), noHooks));
  const off = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])], { timeouts: { requestMs: 0 } }), noHooks));
  try {
    assert.is((await get(gw.port, '/?delay=0')).status, 200);
    const started = Date.now();
    const r = await get(gw.port, '/?delay=1000');
    assert.is(r.status, 504);
    assert.ok(Date.now() - started < 800);
    assert.is(gw.records.at(-1)!.responseFlags?.join(','), 'GW_ERR_REQUEST_TIMEOUT');
    assert.is((await get(off.port, '/?delay=400')).status, 200);
  } finally {
    await gw.close();
    await off.close();
    await be.close();
  }
});

test('backendRequest timeout -> 504 per attempt; zero disables it', async () => {
  const be = await slow();
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])], { timeouts: { backendRequestMs: 150 } }), noHooks));
  const off = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])], { timeouts: { backendRequestMs: 0 } }), noHooks));
  try {
    assert.is((await get(gw.port, '/?delay=0')).status, 200);
    const r = await get(gw.port, '/?delay=1000');
    assert.is(r.status, 504);
    assert.is(gw.records.at(-1)!.responseFlags?.join(','), 'GW_ERR_UPSTREAM_TIMEOUT');
    assert.is((await get(off.port, '/?delay=300')).status, 200);
  } finally {
    await gw.close();
    await off.close();
    await be.close();
  }
});

test('backendRequest covers the body: a stalled body is cut after the head was sent', async () => {
  const be = await startBackend((_req, res) => {
    (res as ServerResponse).writeHead(200);
    res.write('head');
  });
  const gw = await serveHandler(ups.compileRule(rule([backend('v1', [be.port])], { timeouts: { backendRequestMs: 150 } }), noHooks));
  try {
    const err = await get(gw.port, '/').then(() => undefined, (e: Error) => e);
    assert.ok(err, 'the client sees the response cut');
    await new Promise((r) => setTimeout(r, 20));
    assert.is(gw.records[0]!.responseFlags?.join(','), 'GW_ERR_UPSTREAM_TIMEOUT');
  } finally {
    await gw.close();
    await be.close();
  }
});

test('a timed-out attempt is retried when 504 is a retry code, within the request timeout', async () => {
  const be = await slow();
  const r = rule([backend('v1', [be.port])], {
    timeouts: { requestMs: 2000, backendRequestMs: 100 },
    retry: { codes: [504], attempts: 3, backoffMs: 10 },
  });
  const gw = await serveHandler(ups.compileRule(r, noHooks));
  try {
    const got = await get(gw.port, '/?delay=1000&fastAfter=2');
    assert.is(got.status, 200);
    assert.is(gw.records[0]!.attempts, 2);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('the request timeout bounds retries and backoff together', async () => {
  const be = await startBackend((_req, res) => {
    (res as ServerResponse).writeHead(500);
    res.end();
  });
  const r = rule([backend('v1', [be.port])], { timeouts: { requestMs: 250 }, retry: { codes: [500], attempts: 10, backoffMs: 100 } });
  const gw = await serveHandler(ups.compileRule(r, noHooks));
  try {
    const started = Date.now();
    const got = await get(gw.port, '/');
    assert.is(got.status, 504);
    assert.ok(Date.now() - started < 600);
    assert.ok(be.seen.length >= 2 && be.seen.length <= 4, `calls ${be.seen.length}`);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('a client slow to send a replayable body hits the request timeout', async () => {
  const be = await slow();
  const r = rule([backend('v1', [be.port])], { timeouts: { requestMs: 200 }, retry: { codes: [500], attempts: 2, backoffMs: 0 } });
  const gw = await serveHandler(ups.compileRule(r, noHooks));
  try {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: gw.port, method: 'POST', path: '/', agent: false, headers: { 'content-length': '10' } });
      req.setTimeout(3000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
        req.destroy();
      });
      req.write('12345'); // and never the rest
    });
    assert.is(status, 504);
    assert.is(be.seen.length, 0);
  } finally {
    await gw.close();
    await be.close();
  }
});

test.run();
