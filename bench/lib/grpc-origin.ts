// The gRPC origin of the benchmark: one unary method that answers an empty message, with no
// protobuf code (identity serializers), so the origin costs as little as grpc-js allows.
import * as grpc from '@grpc/grpc-js';

const port = Number(process.argv[2]);
const identity = (b: Buffer) => b;
const server = new grpc.Server();
server.addService({
  Ping: { path: '/bench.Bench/Ping', requestStream: false, responseStream: false,
    requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
}, { Ping: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.alloc(0)) });
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => { if (err) throw err; });
process.on('SIGTERM', () => server.forceShutdown());
