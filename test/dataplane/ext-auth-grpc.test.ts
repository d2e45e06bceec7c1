// ExternalAuth filter, GRPC mode: Envoy ext_authz v3 Check against a real @grpc/grpc-js server
// built from the vendored proto subset, over loopback (plaintext and BackendTLSPolicy TLS).
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { externalAuthFilter } from '../../gateway/dataplane/http/filters/external-auth.ts';
import { loadAuthorizationService } from '../../gateway/dataplane/http/filters/external-auth-grpc.ts';
import { TestCA, type Pem } from './certs.ts';
import { auth, backend, deadPort, echoTerminal, firstEndpoint, send, serveChain, withGateway } from './policies-harness.ts';

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
      assert.is(records.at(-1)?.responseFlags?.join(','), 'GW_ERR_EXT_AUTH_DENIED');
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
    assert.is(records.at(-1)?.responseFlags?.join(','), 'GW_ERR_EXT_AUTH_UNAVAILABLE');
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
