// ExternalAuth filter over real loopback sockets: an HTTP auth service (node http) and an
// Envoy ext_authz v3 Check service (a real @grpc/grpc-js server built from the vendored proto).
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ExternalAuthIR } from '../../gateway/ir/index.ts';
import { externalAuthFilter } from '../../gateway/dataplane/http/filters/external-auth.ts';
import { loadAuthorizationService } from '../../gateway/dataplane/http/filters/external-auth-grpc.ts';
import { TestCA, type Pem } from './certs.ts';
import { backend, deadPort, echoTerminal, firstEndpoint, recorder, send, serveChain, type Recorder } from './policies-harness.ts';

const auth = (port: number, over: Partial<ExternalAuthIR> = {}): ExternalAuthIR => ({
  protocol: 'HTTP',
  backend: backend('auth', port),
  allowedHeaders: [],
  allowedResponseHeaders: [],
  forwardBodyMaxSize: 0,
  ...over,
});

/** Serves one ExternalAuth filter in front of the echo backend; closes everything after `fn`. */
async function withGateway(ir: ExternalAuthIR, fn: (port: number, records: { error?: string; status: number }[]) => Promise<void>) {
  const f = externalAuthFilter(ir, { pickEndpoint: firstEndpoint });
  const gw = await serveChain(f.filter(echoTerminal));
  try {
    await fn(gw.port, gw.records);
  } finally {
    f.close();
    await gw.close();
  }
}

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
    assert.is(records.at(-1)?.error, 'GW_ERR_EXT_AUTH_DENIED');
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
    assert.is(records.at(-1)?.error, 'GW_ERR_EXT_AUTH_UNAVAILABLE');
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
    assert.is(records.at(-1)?.error, 'GW_ERR_EXT_AUTH_BODY_TOO_LARGE');
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

// ---------------------------------------------------------------------------------------------

interface CheckCall {
  attributes: {
    source?: { address?: { socket_address?: { address?: string } } };
    request: { http: { method: string; path: string; host: string; scheme: string; headers: Record<string, string>; body?: string; size?: string } };
  };
}

type Reply = (call: CheckCall) => unknown;

async function startCheckServer(reply: Reply): Promise<{ port: number; calls: CheckCall[]; peers: string[]; close(): Promise<void> }> {
  const Authorization = loadAuthorizationService();
  const calls: CheckCall[] = [];
  const peers: string[] = [];
  const server = new grpc.Server();
  server.addService(Authorization.service, {
    Check(call: grpc.ServerUnaryCall<CheckCall, unknown>, cb: grpc.sendUnaryData<unknown>) {
      calls.push(call.request);
      peers.push(call.getPeer());
      cb(null, reply(call.request));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, calls, peers, close: () => new Promise((r) => server.tryShutdown(() => r())) };
}

const G = suite('ext-auth grpc');

G('allow: CheckRequest attributes; ok_response header edits reach the upstream request', async () => {
  const srv = await startCheckServer(() => ({
    status: { code: 0 },
    ok_response: {
      headers: [
        { header: { key: 'x-user', value: 'bob' } },
        { header: { key: 'x-multi', value: 'two' }, append: { value: true } },
        { header: { key: 'x-if-absent', value: 'new' }, append_action: 1 },
      ],
      headers_to_remove: ['x-remove-me', 'host'],
      response_headers_to_add: [{ header: { key: 'x-auth-ok', value: 'yes' } }],
    },
  }));
  try {
    await withGateway(auth(srv.port, { protocol: 'GRPC' }), async (port) => {
      const a = await send(port, {
        method: 'PATCH',
        path: '/api/v1?q=2',
        headers: { authorization: 'Bearer g', 'x-user': 'mallory', 'x-multi': 'one', 'x-if-absent': 'kept', 'x-remove-me': '1' },
      });
      assert.is(a.status, 200);
      assert.is(a.headers['x-auth-ok'], 'yes');
      const seen = JSON.parse(a.body) as { headers: Record<string, string | string[]> };
      assert.is(seen.headers['x-user'], 'bob');
      assert.equal(seen.headers['x-multi'], ['one', 'two']);
      assert.is(seen.headers['x-if-absent'], 'kept');
      assert.is(seen.headers['x-remove-me'], undefined);
      const http = srv.calls[0]!.attributes.request.http;
      assert.is(http.method, 'PATCH');
      assert.is(http.path, '/api/v1?q=2');
      assert.is(http.host, 'app.example.com');
      assert.is(http.scheme, 'http');
      assert.is(http.headers['authorization'], 'Bearer g');
      assert.is(http.headers[':path'], '/api/v1?q=2');
      assert.is(http.headers['x-remove-me'], '1', 'empty allowedHeaders: every header is sent');
      assert.is(srv.calls[0]!.attributes.source?.address?.socket_address?.address, '127.0.0.1');
    });
  } finally {
    await srv.close();
  }
});

G('deny: denied_response status, headers and body; 403 when no HTTP status is given', async () => {
  let mode = 0;
  const srv = await startCheckServer(() =>
    mode === 0
      ? {
          status: { code: 16 },
          denied_response: { status: { code: 401 }, headers: [{ header: { key: 'www-authenticate', value: 'Basic' } }], body: 'who are you' },
        }
      : { status: { code: 7 } },
  );
  try {
    await withGateway(auth(srv.port, { protocol: 'GRPC' }), async (port, records) => {
      const a = await send(port, { path: '/p' });
      assert.is(a.status, 401);
      assert.is(a.headers['www-authenticate'], 'Basic');
      assert.is(a.body.trim(), 'who are you');
      assert.is(a.headers['x-backend'], undefined);
      assert.is(records.at(-1)?.error, 'GW_ERR_EXT_AUTH_DENIED');
      mode = 1;
      const b = await send(port, { path: '/p' });
      assert.is(b.status, 403);
    });
  } finally {
    await srv.close();
  }
});

G('allowedHeaders limits the header map; forwardBody fills http.body', async () => {
  const srv = await startCheckServer(() => ({ status: { code: 0 } }));
  try {
    await withGateway(auth(srv.port, { protocol: 'GRPC', allowedHeaders: ['x-tenant'], forwardBodyMaxSize: 64 }), async (port) => {
      const a = await send(port, { method: 'POST', path: '/p', body: '{"a":1}', headers: { 'x-tenant': 't', authorization: 'x' } });
      assert.is(a.status, 200);
      assert.is((JSON.parse(a.body) as { body: string }).body, '{"a":1}');
      const http = srv.calls[0]!.attributes.request.http;
      assert.equal(Object.keys(http.headers), ['x-tenant']);
      assert.is(http.body, '{"a":1}');
      assert.is(http.size, '7');
    });
  } finally {
    await srv.close();
  }
});

G('fail closed: Check service unreachable → 500', async () => {
  const port0 = await deadPort();
  await withGateway(auth(port0, { protocol: 'GRPC' }), async (port, records) => {
    const a = await send(port, { path: '/p' });
    assert.is(a.status, 500);
    assert.is(a.headers['x-backend'], undefined);
    assert.is(records.at(-1)?.error, 'GW_ERR_EXT_AUTH_UNAVAILABLE');
  });
});

G('the channel is reused across requests (one pooled client per endpoint)', async () => {
  const srv = await startCheckServer(() => ({ status: { code: 0 } }));
  try {
    await withGateway(auth(srv.port, { protocol: 'GRPC' }), async (port) => {
      for (let i = 0; i < 5; i++) assert.is((await send(port, { path: `/p${i}` })).status, 200);
    });
    assert.is(srv.calls.length, 5);
    assert.is(new Set(srv.peers).size, 1, `calls came from ${[...new Set(srv.peers)]}`);
  } finally {
    await srv.close();
  }
});

G('close() during an in-flight Check (a table reload) still lets that request finish', async () => {
  const Authorization = loadAuthorizationService();
  const server = new grpc.Server();
  server.addService(Authorization.service, {
    Check(_call: unknown, cb: grpc.sendUnaryData<unknown>) {
      setTimeout(() => cb(null, { status: { code: 0 } }), 300);
    },
  });
  const authPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const f = externalAuthFilter(auth(authPort, { protocol: 'GRPC' }), { pickEndpoint: firstEndpoint });
  const gw = await serveChain(f.filter(echoTerminal));
  try {
    // Warm the channel, then retire the filter while the next call is in flight.
    assert.is((await send(gw.port, { path: '/warm' })).status, 200);
    const pending = send(gw.port, { path: '/inflight' });
    await new Promise((r) => setTimeout(r, 100));
    f.close();
    assert.is((await pending).status, 200);
    // A straggler on the retired chain gets a one-off channel, not a failure.
    assert.is((await send(gw.port, { path: '/late' })).status, 200);
  } finally {
    await gw.close();
    await new Promise<void>((r) => server.tryShutdown(() => r()));
  }
});

G.run();

// ---------------------------------------------------------------------------------------------

const S = suite<{ ca: TestCA; other: TestCA; leaf: Pem }>('ext-auth over TLS (BackendTLSPolicy)');
S.before((ctx) => {
  ctx.ca = new TestCA();
  ctx.other = new TestCA('Other CA');
  ctx.leaf = ctx.ca.issue('auth.internal', ['auth.internal']);
});
S.after((ctx) => {
  ctx.ca.cleanup();
  ctx.other.cleanup();
});

const tlsFor = (ca: TestCA) => ({ hostname: 'auth.internal', caPem: [ca.ca.certPem], system: false, subjectAltNames: [] });

S('HTTP auth service over TLS: verified against the policy CA; a wrong CA fails closed', async ({ ca, other, leaf }) => {
  const srv = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    req.resume();
    res.writeHead(req.headers['authorization'] === 'ok' ? 200 : 401).end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const p = (srv.address() as AddressInfo).port;
  try {
    await withGateway(auth(p, { backend: backend('auth', p, { tls: tlsFor(ca) }) }), async (port) => {
      assert.is((await send(port, { path: '/a', headers: { authorization: 'ok' } })).status, 200);
      assert.is((await send(port, { path: '/a', headers: { authorization: 'no' } })).status, 401);
    });
    await withGateway(auth(p, { backend: backend('auth', p, { tls: tlsFor(other) }) }), async (port) => {
      assert.is((await send(port, { path: '/a', headers: { authorization: 'ok' } })).status, 500);
    });
  } finally {
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  }
});

S('gRPC Check service over TLS: verified against the policy CA; a wrong CA fails closed', async ({ ca, other, leaf }) => {
  const Authorization = loadAuthorizationService();
  const server = new grpc.Server();
  server.addService(Authorization.service, {
    Check(_call: unknown, cb: grpc.sendUnaryData<unknown>) {
      cb(null, { status: { code: 0 } });
    },
  });
  const creds = grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(leaf.certPem), private_key: Buffer.from(leaf.keyPem) }]);
  const p = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (err, n) => (err ? reject(err) : resolve(n))));
  try {
    await withGateway(auth(p, { protocol: 'GRPC', backend: backend('auth', p, { tls: tlsFor(ca) }) }), async (port) => {
      assert.is((await send(port, { path: '/g' })).status, 200);
    });
    await withGateway(auth(p, { protocol: 'GRPC', backend: backend('auth', p, { tls: tlsFor(other) }) }), async (port) => {
      assert.is((await send(port, { path: '/g' })).status, 500);
    });
    // The right CA but a subjectAltName the certificate does not carry.
    const wrongSan = { ...tlsFor(ca), subjectAltNames: [{ type: 'Hostname' as const, value: 'other.internal' }] };
    await withGateway(auth(p, { protocol: 'GRPC', backend: backend('auth', p, { tls: wrongSan }) }), async (port) => {
      assert.is((await send(port, { path: '/g' })).status, 500);
    });
    const rightSan = { ...tlsFor(ca), subjectAltNames: [{ type: 'Hostname' as const, value: 'auth.internal' }] };
    await withGateway(auth(p, { protocol: 'GRPC', backend: backend('auth', p, { tls: rightSan }) }), async (port) => {
      assert.is((await send(port, { path: '/g' })).status, 200);
    });
  } finally {
    server.forceShutdown();
  }
});

S.run();
