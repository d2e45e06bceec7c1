// Trace context on external-auth calls, HTTP and gRPC, over loopback: with tracing off the
// client's traceparent/tracestate reach the auth service as they came (they are not in
// allowedHeaders); with tracing on the call carries its own client span's traceparent and the
// span ends with the service's answer.
import * as grpc from '@grpc/grpc-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { externalAuthFilter } from '../../gateway/dataplane/http/filters/external-auth.ts';
import { loadAuthorizationService } from '../../gateway/dataplane/http/filters/external-auth-grpc.ts';
import type { Handler } from '../../gateway/dataplane/http/exchange.ts';
import type { ChildSpan, RequestSpan } from '../../gateway/dataplane/observer.ts';
import { auth, echoTerminal, firstEndpoint, recorder, send, serveChain } from './policies-harness.ts';
import type { ExternalAuthIR } from '../../gateway/ir/index.ts';

const CLIENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const CHILD = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01';

/** A request span that records its children, standing in for the OpenTelemetry one. */
function fakeSpan(): { span: RequestSpan; ended: { name: string; result: { status?: number; error?: string } }[] } {
  const ended: { name: string; result: { status?: number; error?: string } }[] = [];
  const span: RequestSpan = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    child(name): ChildSpan {
      return { headers: { traceparent: CHILD, tracestate: 'portico=1' }, end: (result) => ended.push({ name, result }) };
    },
    end() {},
  };
  return { span, ended };
}

async function through(ir: ExternalAuthIR, span: RequestSpan | undefined, fn: (port: number) => Promise<void>): Promise<void> {
  const f = externalAuthFilter(ir, { pickEndpoint: firstEndpoint });
  const withSpan = (next: Handler): Handler => (ex) => {
    if (span !== undefined) ex.span = span;
    return next(ex);
  };
  const gw = await serveChain(withSpan(f.filter(echoTerminal)));
  try {
    await fn(gw.port);
  } finally {
    f.close();
    await gw.close();
  }
}

test('HTTP auth: tracing off passes the client trace context on; tracing on sends the call span', async () => {
  const svc = await recorder();
  try {
    await through(auth(svc.port), undefined, async (port) => {
      assert.is((await send(port, { headers: { traceparent: CLIENT, tracestate: 'v=1' } })).status, 200);
    });
    assert.is(svc.seen[0]!.headers.traceparent, CLIENT);
    assert.is(svc.seen[0]!.headers.tracestate, 'v=1');
    const { span, ended } = fakeSpan();
    await through(auth(svc.port), span, async (port) => {
      assert.is((await send(port, { headers: { traceparent: CLIENT } })).status, 200);
    });
    assert.is(svc.seen[1]!.headers.traceparent, CHILD);
    assert.is(svc.seen[1]!.headers.tracestate, 'portico=1');
    assert.equal(ended, [{ name: 'external auth', result: { status: 200 } }]);
  } finally {
    await svc.close();
  }
});

test('gRPC auth: the Check call carries the trace context as metadata', async () => {
  const Authorization = loadAuthorizationService();
  const seen: Record<string, unknown>[] = [];
  const server = new grpc.Server();
  server.addService(Authorization.service, {
    Check(call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
      seen.push(call.metadata.getMap());
      cb(null, { status: { code: 0 } });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  try {
    const ir = auth(port, { protocol: 'GRPC' });
    await through(ir, undefined, async (gw) => {
      assert.is((await send(gw, { headers: { traceparent: CLIENT } })).status, 200);
    });
    assert.is(seen[0]!.traceparent, CLIENT);
    const { span, ended } = fakeSpan();
    await through(ir, span, async (gw) => {
      assert.is((await send(gw, { headers: { traceparent: CLIENT } })).status, 200);
    });
    assert.is(seen[1]!.traceparent, CHILD);
    assert.is(ended.length, 1);
  } finally {
    await new Promise<void>((r) => server.tryShutdown(() => r()));
  }
});

test.run();
