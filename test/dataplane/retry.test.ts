// rule.retry over real sockets: codes, attempts, backoff, connection resets, body replay rules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import type { ServerResponse } from 'node:http';
import { createUpstreams } from '../../gateway/dataplane/upstream/index.ts';
import { serveHandler } from '../helpers/exchange.ts';
import { backend, deadPort, get, noHooks, rule, startBackend } from './upstream-fixtures.ts';
import type { Backend } from './upstream-fixtures.ts';

const ups = createUpstreams();
test.after(() => ups.close());

/** Like echo-basic's /retry handler: fails the first `succeedAfter` calls per uuid. */
async function flaky(): Promise<Backend & { times: Map<string, number[]> }> {
  const counts = new Map<string, number>();
  const times = new Map<string, number[]>();
  const be = await startBackend((req, res) => {
    const u = new URL(req.url!, 'http://x');
    const id = u.searchParams.get('uuid') ?? '';
    const n = (counts.get(id) ?? 0) + 1;
    counts.set(id, n);
    times.set(id, [...(times.get(id) ?? []), Date.now()]);
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      if (n <= Number(u.searchParams.get('succeedAfter') ?? 0)) {
        if (u.searchParams.get('responseCode') === 'reset') {
          req.socket.destroy();
          return;
        }
        (res as ServerResponse).writeHead(Number(u.searchParams.get('responseCode') ?? 500));
        res.end(`fail ${n}`);
        return;
      }
      res.end(`ok ${n} ${body}`);
    });
  });
  return Object.assign(be, { times });
}

const retry500x3 = (ports: number[], backoffMs = 0) =>
  rule([backend('v3', ports)], { retry: { codes: [500], attempts: 3, backoffMs } });
const retryAllx2 = (ports: number[]) => rule([backend('v3', ports)], { retry: { codes: [500, 502, 503, 504], attempts: 2, backoffMs: 0 } });

test('conformance matrix: codes and attempts', async () => {
  const be = await flaky();
  const a = await serveHandler(ups.compileRule(retry500x3([be.port]), noHooks));
  const b = await serveHandler(ups.compileRule(retryAllx2([be.port]), noHooks));
  let id = 0;
  const probe = async (gw: typeof a, code: number, succeedAfter: number) =>
    (await get(gw.port, `/retry?responseCode=${code}&succeedAfter=${succeedAfter}&uuid=${++id}`)).status;
  try {
    assert.is(await probe(a, 500, 2), 200);
    assert.is(await probe(a, 500, 4), 500);
    assert.is(await probe(a, 503, 2), 503); // not a listed code: surfaced at once
    assert.is(be.times.get(String(id))!.length, 1);
    for (const code of [500, 502, 503, 504]) {
      assert.is(await probe(b, code, 1), 200, `code ${code} recovers`);
      assert.is(await probe(b, code, 3), code, `code ${code} surfaces`);
      assert.is(be.times.get(String(id))!.length, 2, 'attempts is the total number of calls');
    }
    assert.is(b.records.at(-1)!.attempts, 2);
  } finally {
    await a.close();
    await b.close();
    await be.close();
  }
});

test('waits at least the backoff between attempts', async () => {
  const be = await flaky();
  const gw = await serveHandler(ups.compileRule(retry500x3([be.port], 120), noHooks));
  try {
    const r = await get(gw.port, '/retry?responseCode=500&succeedAfter=2&uuid=b');
    assert.is(r.status, 200);
    const t = be.times.get('b')!;
    assert.is(t.length, 3);
    assert.ok(t[1]! - t[0]! >= 110, `gap ${t[1]! - t[0]!}`);
    assert.ok(t[2]! - t[1]! >= 110, `gap ${t[2]! - t[1]!}`);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('retries connection resets and refused connections on another endpoint', async () => {
  const be = await flaky();
  const dead = await deadPort();
  const gw = await serveHandler(ups.compileRule(retry500x3([be.port]), noHooks));
  const gw2 = await serveHandler(ups.compileRule(retry500x3([dead, be.port]), noHooks));
  try {
    const r = await get(gw.port, '/retry?responseCode=reset&succeedAfter=2&uuid=r');
    assert.is(r.status, 200);
    assert.is(r.body, 'ok 3 ');
    // Round-robin starts on one of the two; whichever is dead is skipped by the retry.
    for (let i = 0; i < 4; i++) assert.is((await get(gw2.port, `/retry?uuid=d${i}`)).status, 200);
    const noRetry = await serveHandler(ups.compileRule(rule([backend('v3', [be.port])]), noHooks));
    try {
      const r2 = await get(noRetry.port, '/retry?responseCode=reset&succeedAfter=1&uuid=n');
      assert.is(r2.status, 502);
      assert.is(noRetry.records[0]!.responseFlags?.join(','), 'GW_ERR_UPSTREAM_RESET');
    } finally {
      await noRetry.close();
    }
  } finally {
    await gw.close();
    await gw2.close();
    await be.close();
  }
});

test('a small body with a declared length is replayed on each attempt', async () => {
  const be = await flaky();
  const gw = await serveHandler(ups.compileRule(retry500x3([be.port]), noHooks));
  try {
    const r = await get(gw.port, '/retry?responseCode=500&succeedAfter=2&uuid=p', { method: 'POST', body: 'payload' });
    assert.is(r.status, 200);
    assert.is(r.body, 'ok 3 payload');
  } finally {
    await gw.close();
    await be.close();
  }
});

test('a streamed body (no length) or a large one is sent once, never retried', async () => {
  const be = await flaky();
  const gw = await serveHandler(ups.compileRule(retry500x3([be.port]), noHooks));
  try {
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: gw.port, method: 'POST', path: '/retry?responseCode=500&succeedAfter=1&uuid=s', agent: false });
      req.setTimeout(5000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.write('part1');
      req.end('part2');
    });
    assert.is(chunked, 500);
    assert.is(be.times.get('s')!.length, 1);
    const big = await get(gw.port, '/retry?responseCode=500&succeedAfter=1&uuid=L', { method: 'POST', body: Buffer.alloc(200 * 1024, 1) });
    assert.is(big.status, 500);
    assert.is(be.times.get('L')!.length, 1);
  } finally {
    await gw.close();
    await be.close();
  }
});

test('a replayable Exchange.body from a filter is used instead of req', async () => {
  const be = await flaky();
  const gw = await serveHandler(ups.compileRule(retry500x3([be.port]), noHooks), {
    prepare: (ex) => {
      ex.req.resume();
      ex.body = Buffer.from('from-filter');
    },
  });
  try {
    const r = await get(gw.port, '/retry?responseCode=500&succeedAfter=1&uuid=f', { method: 'POST', body: 'client-body' });
    assert.is(r.status, 200);
    assert.is(r.body, 'ok 2 from-filter');
  } finally {
    await gw.close();
    await be.close();
  }
});

test.run();
