// ExternalAuth filter, HTTP mode, over real loopback sockets: what the auth service is sent,
// allow/deny handling, failing closed, forwardBody and reloads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { externalAuthFilter } from '../../gateway/dataplane/http/filters/external-auth.ts';
import { auth, backend, deadPort, echoTerminal, firstEndpoint, recorder, send, serveChain, withGateway, type Recorder } from './policies-harness.ts';

const H = suite<{ allow: Recorder; deny: Recorder }>('ext-auth http');
H.before(async (ctx) => {
  ctx.allow = await recorder((s, res) => {
    res.writeHead(200, { 'x-user': 'alice', 'x-extra': 'e', 'content-type': 'text/plain' }).end('fine');
  });
  ctx.deny = await recorder((s, res) => {
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="x"', 'set-cookie': ['a=1', 'b=2'], 'content-type': 'application/json' });
    res.end('{"error":"nope"}');
  });
});
H.after(async (ctx) => {
  await ctx.allow.close();
  await ctx.deny.close();
});

H('allow: the auth request carries method, prefixed path, Host, Authorization, Content-Length 0 only', async ({ allow }) => {
  await withGateway(auth(allow.port, { path: '/auth/' }), async (port) => {
    const a = await send(port, {
      method: 'PUT',
      path: '/api/thing?x=1',
      headers: { authorization: 'Bearer t', 'x-secret': 's', 'x-tenant': 't1' },
    });
    assert.is(a.status, 200);
    const s = allow.seen.at(-1)!;
    assert.is(s.method, 'PUT');
    assert.is(s.url, '/auth/api/thing?x=1');
    assert.is(s.headers['host'], 'app.example.com');
    assert.is(s.headers['authorization'], 'Bearer t');
    assert.is(s.headers['content-length'], '0', 'no forwardBody: Content-Length 0');
    assert.is(s.body, '');
    assert.is(s.headers['x-secret'], undefined, 'headers outside the fixed set are not sent');
    assert.is(s.headers['x-tenant'], undefined);
  });
});

H('allow: allowedHeaders are sent too; the path prefix is sanitized', async ({ allow }) => {
  await withGateway(auth(allow.port, { path: 'check/../x/./', allowedHeaders: ['X-Tenant'] }), async (port) => {
    await send(port, { path: '/p', headers: { 'x-tenant': 't1', 'x-secret': 's' } });
    const s = allow.seen.at(-1)!;
    assert.is(s.url, '/check/x/p');
    assert.is(s.headers['x-tenant'], 't1');
    assert.is(s.headers['x-secret'], undefined);
  });
});

H('allow: all auth response headers (minus its own entity headers) overwrite the upstream request', async ({ allow }) => {
  await withGateway(auth(allow.port), async (port) => {
    const a = await send(port, { path: '/p', headers: { 'x-user': 'mallory' } });
    assert.is(a.status, 200);
    const seen = JSON.parse(a.body) as { headers: Record<string, string> };
    assert.is(seen.headers['x-user'], 'alice', 'a client cannot pre-seed the identity header');
    assert.is(seen.headers['x-extra'], 'e');
    assert.is(seen.headers['content-type'], undefined, "the auth response's content-type is not copied");
  });
});

H('allow: allowedResponseHeaders restricts what is copied', async ({ allow }) => {
  await withGateway(auth(allow.port, { allowedResponseHeaders: ['x-user'] }), async (port) => {
    const seen = JSON.parse((await send(port, { path: '/p' })).body) as { headers: Record<string, string> };
    assert.is(seen.headers['x-user'], 'alice');
    assert.is(seen.headers['x-extra'], undefined);
  });
});

H('deny: the auth status, headers and body go to the client; the backend is not reached', async ({ deny }) => {
  await withGateway(auth(deny.port), async (port, records) => {
    const a = await send(port, { path: '/p' });
    assert.is(a.status, 401);
    assert.is(a.headers['www-authenticate'], 'Bearer realm="x"');
    assert.equal(a.headers['set-cookie'], ['a=1', 'b=2']);
    assert.is(a.headers['content-type'], 'application/json');
    assert.is(a.body.trim(), '{"error":"nope"}');
    assert.is(a.headers['x-backend'], undefined);
    assert.is(records.at(-1)?.responseFlags?.join(','), 'GW_ERR_EXT_AUTH_DENIED');
  });
});

H('deny: any non-200 is a failure, including 2xx other than 200', async () => {
  const other = await recorder((s, res) => {
    res.writeHead(204).end();
  });
  try {
    await withGateway(auth(other.port), async (port) => {
      const a = await send(port, { path: '/p' });
      assert.is(a.status, 204);
      assert.is(a.headers['x-backend'], undefined);
    });
  } finally {
    await other.close();
  }
});

H('fail closed: auth service down → 500; no endpoints → 500', async () => {
  const port0 = await deadPort();
  await withGateway(auth(port0), async (port, records) => {
    const a = await send(port, { path: '/p' });
    assert.is(a.status, 500);
    assert.is(a.headers['x-backend'], undefined);
    assert.is(records.at(-1)?.responseFlags?.join(','), 'GW_ERR_EXT_AUTH_UNAVAILABLE');
  });
  await withGateway(auth(port0, { backend: backend('auth', port0, { endpoints: [] }) }), async (port) => {
    assert.is((await send(port, { path: '/p' })).status, 500);
  });
  await withGateway(auth(port0, { backend: backend('auth', port0, { invalid: { status: 500, reason: 'BackendNotFound' } }) }), async (port) => {
    assert.is((await send(port, { path: '/p' })).status, 500);
  });
});

H('forwardBody: the buffered body goes to the auth service with its exact length, then upstream', async ({ allow }) => {
  await withGateway(auth(allow.port, { forwardBodyMaxSize: 16 }), async (port) => {
    const a = await send(port, { method: 'POST', path: '/p', body: 'hello', headers: { 'content-type': 'text/plain' } });
    assert.is(a.status, 200);
    const s = allow.seen.at(-1)!;
    assert.is(s.body, 'hello');
    assert.is(s.headers['content-length'], '5');
    assert.is((JSON.parse(a.body) as { body: string }).body, 'hello', 'the backend still gets the body');
  });
});

H('forwardBody: a body over maxSize is rejected with 413 and the auth service is not asked', async ({ allow }) => {
  await withGateway(auth(allow.port, { forwardBodyMaxSize: 16 }), async (port, records) => {
    const before = allow.seen.length;
    const a = await send(port, { method: 'POST', path: '/p', body: 'x'.repeat(100) });
    assert.is(a.status, 413);
    assert.is(allow.seen.length, before);
    assert.is(records.at(-1)?.responseFlags?.join(','), 'GW_ERR_EXT_AUTH_BODY_TOO_LARGE');
  });
});

H('close() during an in-flight auth call (a table reload) still lets that request finish', async () => {
  const slow = await recorder(async (s, res) => {
    await new Promise((r) => setTimeout(r, 300));
    res.writeHead(200).end();
  });
  const f = externalAuthFilter(auth(slow.port), { pickEndpoint: firstEndpoint });
  const gw = await serveChain(f.filter(echoTerminal));
  try {
    const pending = send(gw.port, { path: '/inflight' });
    await slow.waitFor(1);
    f.close();
    assert.is((await pending).status, 200);
    assert.is((await send(gw.port, { path: '/late' })).status, 200, 'a straggler gets a one-off pool');
  } finally {
    await gw.close();
    await slow.close();
  }
});

H.run();
