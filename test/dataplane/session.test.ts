// Session persistence (Cookie and Header): stickiness, expiry, forged values ignored.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createUpstreams } from '../../gateway/dataplane/upstream/index.ts';
import { encodeSession } from '../../gateway/dataplane/http/session-persistence.ts';
import { serveHandler } from '../helpers/exchange.ts';
import { backend, get, noHooks, rule, startBackend } from './upstream-fixtures.ts';
import type { Backend } from './upstream-fixtures.ts';

const ups = createUpstreams();
test.after(() => ups.close());

async function fleet(): Promise<Backend[]> {
  return Promise.all([startBackend(), startBackend(), startBackend(), startBackend()]);
}

function cookieOf(setCookie: string | string[] | undefined, name: string): string | undefined {
  for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
    if (c.startsWith(`${name}=`)) return c;
  }
  return undefined;
}

test('cookie: issued once, then every request sticks to the same endpoint', async () => {
  const bes = await fleet();
  const r = rule(
    [backend('a', [bes[0]!.port, bes[1]!.port]), backend('b', [bes[2]!.port, bes[3]!.port])],
    { sessionPersistence: { type: 'Cookie', name: 'sticky', permanent: true, absoluteTimeoutMs: 3600_000 }, match: { path: { type: 'PathPrefix', value: '/app' }, headers: [], queryParams: [] } },
  );
  const gw = await serveHandler(ups.compileRule(r, noHooks));
  try {
    const first = await get(gw.port, '/app');
    const set = cookieOf(first.headers['set-cookie'], 'sticky')!;
    assert.ok(set, 'cookie issued');
    assert.match(set, /; Path=\/app; HttpOnly; Max-Age=3600$/);
    const value = set.split(';')[0]!;
    const port = JSON.parse(first.body).port;
    for (let i = 0; i < 8; i++) {
      const again = await get(gw.port, '/app', { headers: { cookie: `other=1; ${value}` } });
      assert.is(JSON.parse(again.body).port, port);
      assert.is(again.headers['set-cookie'], undefined, 'a valid session is not re-issued');
    }
    // Without the cookie, requests spread.
    const spread = new Set<number>();
    for (let i = 0; i < 8; i++) spread.add(JSON.parse((await get(gw.port, '/app')).body).port);
    assert.ok(spread.size > 1);
  } finally {
    await gw.close();
    await Promise.all(bes.map((b) => b.close()));
  }
});

test('header: value returned in the named header and honoured on requests', async () => {
  const bes = await fleet();
  const r = rule([backend('a', bes.map((b) => b.port))], { sessionPersistence: { type: 'Header', name: 'X-Session', permanent: false } });
  const gw = await serveHandler(ups.compileRule(r, noHooks));
  try {
    const first = await get(gw.port, '/');
    const token = first.headers['x-session'] as string;
    assert.ok(token);
    const port = JSON.parse(first.body).port;
    for (let i = 0; i < 6; i++) {
      assert.is(JSON.parse((await get(gw.port, '/', { headers: { 'x-session': token } })).body).port, port);
    }
  } finally {
    await gw.close();
    await Promise.all(bes.map((b) => b.close()));
  }
});

test('expired (absolute and idle) and forged values fall back and get a new session', async () => {
  const bes = await fleet();
  const ports = bes.map((b) => b.port);
  const abs = await serveHandler(ups.compileRule(rule([backend('a', ports)], { sessionPersistence: { type: 'Header', name: 's', permanent: false, absoluteTimeoutMs: 150 } }), noHooks));
  const idle = await serveHandler(ups.compileRule(rule([backend('a', ports)], { sessionPersistence: { type: 'Header', name: 's', permanent: false, idleTimeoutMs: 150 } }), noHooks));
  try {
    const t1 = (await get(abs.port, '/')).headers['s'] as string;
    assert.is((await get(abs.port, '/', { headers: { s: t1 } })).headers['s'], undefined);
    await new Promise((r) => setTimeout(r, 200));
    const renewed = (await get(abs.port, '/', { headers: { s: t1 } })).headers['s'];
    assert.ok(renewed && renewed !== t1, 'expired session replaced');

    // Idle: each use refreshes the clock, so steady use keeps it; a pause ends it.
    let tok = (await get(idle.port, '/')).headers['s'] as string;
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 80));
      const g = await get(idle.port, '/', { headers: { s: tok } });
      const next = g.headers['s'] as string;
      assert.ok(next);
      tok = next;
    }
    const port = JSON.parse((await get(idle.port, '/', { headers: { s: tok } })).body).port;
    assert.ok(port);

    // Forged: a value naming an address that is not an endpoint, or a tampered signature.
    const forged = encodeSession('Service:test/a:80', { address: '10.9.9.9', port: 1 }, Date.now(), Date.now());
    const [payload, mac] = t1.split('.');
    const tampered = `${Buffer.from(Buffer.from(payload!, 'base64url').toString().replace(/\n\d+\n/, '\n1\n')).toString('base64url')}.${mac}`;
    for (const bad of [forged.replace(/.$/, forged.endsWith('A') ? 'B' : 'A'), tampered, 'garbage', '']) {
      const g = await get(idle.port, '/', { headers: { s: bad } });
      assert.is(g.status, 200);
      assert.ok(ports.includes(JSON.parse(g.body).port));
      assert.ok(g.headers['s'] && g.headers['s'] !== bad);
    }
    // Validly signed but naming a non-endpoint: ignored all the same.
    const g = await get(idle.port, '/', { headers: { s: forged } });
    assert.ok(ports.includes(JSON.parse(g.body).port));
  } finally {
    await abs.close();
    await idle.close();
    await Promise.all(bes.map((b) => b.close()));
  }
});

test.run();
