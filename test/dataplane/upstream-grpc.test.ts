// gRPC (GRPCRoute rules) through the forwarder with real @grpc/grpc-js peers: an HTTP/2 client,
// an h2c backend, messages and status both ways, and the gateway's own trailers-only errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { createUpstreams } from '../../gateway/dataplane/upstream/index.ts';
import { serveHandler } from '../helpers/exchange.ts';
import { backend, noHooks, rule } from './upstream-fixtures.ts';

const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const service: grpc.ServiceDefinition = {
  Echo: { path: '/test.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
  Fail: { path: '/test.Echo/Fail', requestStream: false, responseStream: false, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
};

function unary(client: grpc.Client, path: string, msg: Buffer, md = new grpc.Metadata()) {
  return new Promise<{ err: grpc.ServiceError | null; value?: Buffer; trailers?: grpc.Metadata }>((resolve) => {
    let got: { err: grpc.ServiceError | null; value?: Buffer } | undefined;
    let trailers: grpc.Metadata | undefined;
    const settle = () => got && trailers && resolve({ ...got, trailers });
    const call = client.makeUnaryRequest(path, raw.serialize, raw.deserialize, msg, md, { deadline: Date.now() + 3000 }, (err, value) => {
      got = { err, value };
      settle();
    });
    call.on('status', (s) => {
      trailers = s.metadata;
      settle();
    });
  });
}

test('unary calls, metadata and error statuses flow through; no-endpoint answers are gRPC statuses', async () => {
  const server = new grpc.Server();
  server.addService(service, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const md = new grpc.Metadata();
      md.set('x-authority', String(call.getPath()) + ' ' + String(call.metadata.get('x-client')[0]));
      call.sendMetadata(md);
      const t = new grpc.Metadata();
      t.set('x-trailer', 'yes');
      cb(null, Buffer.concat([Buffer.from('echo:'), call.request]), t);
    },
    Fail: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb({ code: grpc.status.NOT_FOUND, details: 'nope' }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const ups = createUpstreams();
  const gw = await serveHandler(ups.compileRule(rule([backend('g', [port], { protocol: 'h2c' })], { grpc: true }), noHooks), { h2: true });
  const empty = await serveHandler(ups.compileRule(rule([backend('g', [], { protocol: 'h2c' })], { grpc: true }), noHooks), { h2: true });
  const client = new grpc.Client(`127.0.0.1:${gw.port}`, grpc.credentials.createInsecure());
  const client2 = new grpc.Client(`127.0.0.1:${empty.port}`, grpc.credentials.createInsecure());
  try {
    const md = new grpc.Metadata();
    md.set('x-client', 'c1');
    const ok = await unary(client, '/test.Echo/Echo', Buffer.from('hi'), md);
    assert.is(ok.err, null);
    assert.is(ok.value!.toString(), 'echo:hi');
    assert.equal(ok.trailers!.get('x-trailer'), ['yes']);
    const bad = await unary(client, '/test.Echo/Fail', Buffer.from('x'));
    assert.is(bad.err!.code, grpc.status.NOT_FOUND);
    assert.is(bad.err!.details, 'nope');
    const missing = await unary(client, '/test.Echo/Unknown', Buffer.from('x'));
    assert.is(missing.err!.code, grpc.status.UNIMPLEMENTED);
    const none = await unary(client2, '/test.Echo/Echo', Buffer.from('x'));
    assert.is(none.err!.code, grpc.status.UNAVAILABLE);
    assert.is(empty.last!.record.responseFlags?.join(','), 'GW_ERR_NO_ENDPOINTS');
  } finally {
    client.close();
    client2.close();
    await gw.close();
    await empty.close();
    await ups.close();
    server.forceShutdown();
  }
});

test.run();
