// echo-basic's gRPC mode (grpcecho.proto): Echo and EchoTwo answer assertions about the call,
// EchoThree is UNIMPLEMENTED. Plaintext h2c on 3000, TLS on 8443 when a certificate is mounted.
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import type { Closer, EchoContext } from './echo-context.ts';

export const GRPC_PROTO = new URL('../grpcecho.proto', import.meta.url).pathname;
export const GRPC_SERVICE = 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';

let cached: grpc.GrpcObject | undefined;
export function grpcPackage(): grpc.GrpcObject {
  cached ??= grpc.loadPackageDefinition(loader.loadSync(GRPC_PROTO, { keepCase: false, longs: String, defaults: true }));
  return cached;
}

export function echoServiceDefinition(): grpc.ServiceDefinition {
  const pkg = grpcPackage() as any;
  return pkg.gateway_api_conformance.echo_basic.grpcecho.GrpcEcho.service;
}

export async function startGrpcEcho(ctx: EchoContext): Promise<Closer> {
  const answer = (method: string) => (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    const headers: { key: string; value: string }[] = [{ key: ':authority', value: call.getHost() }];
    for (const [k, vs] of Object.entries(call.metadata.getMap())) headers.push({ key: k, value: String(vs) });
    for (const k of Object.keys(call.metadata.toJSON())) {
      const all = call.metadata.get(k);
      if (all.length > 1) for (const v of all.slice(1)) headers.push({ key: k, value: String(v) });
    }
    const sock = (call as any).call?.stream?.session?.socket;
    const assertions: Record<string, unknown> = {
      fullyQualifiedMethod: `/${GRPC_SERVICE}/${method}`,
      headers,
      authority: call.getHost(),
      context: { namespace: ctx.env.NAMESPACE ?? '', ingress: ctx.env.INGRESS_NAME ?? '', serviceName: ctx.env.SERVICE_NAME ?? '', pod: ctx.env.POD_NAME ?? '' },
    };
    if (sock?.encrypted) assertions.tlsAssertions = { version: sock.getProtocol?.() ?? '', serverName: sock.servername || '', negotiatedProtocol: sock.alpnProtocol || '', cipherSuite: sock.getCipher?.()?.standardName ?? '', peerCertificates: [] };
    ctx.records.push({ uri: call.getPath(), remote: call.getPeer(), at: Date.now() });
    cb(null, { assertions });
  };
  const unimplemented = (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'EchoThree is not implemented' });
  const servers: grpc.Server[] = [];
  const bind = (server: grpc.Server, port: number, creds: grpc.ServerCredentials) => new Promise<void>((resolve, reject) => {
    server.addService(echoServiceDefinition(), { Echo: answer('Echo'), EchoTwo: answer('EchoTwo'), EchoThree: unimplemented });
    server.bindAsync(`${ctx.pod.ip}:${port}`, creds, (err) => (err ? reject(err) : resolve()));
    servers.push(server);
  });
  const cert = ctx.file(ctx.env.TLS_SERVER_CERT);
  const key = ctx.file(ctx.env.TLS_SERVER_PRIV_KEY ?? ctx.env.TLS_SERVER_PRIVKEY);
  try {
    await bind(new grpc.Server(), Number(ctx.env.GRPC_PORT ?? ctx.env.HTTP_PORT ?? 3000), grpc.ServerCredentials.createInsecure());
    if (cert && key) await bind(new grpc.Server(), Number(ctx.env.HTTPS_PORT ?? 8443), grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(cert), private_key: Buffer.from(key) }], false));
  } catch (e) {
    for (const s of servers) s.forceShutdown();
    // grpc-js reports a busy port as "No address added out of total 1 resolved".
    if (/No address added/.test(String((e as Error).message))) Object.assign(e as object, { code: 'EADDRINUSE' });
    throw e;
  }
  return { close: async () => { for (const s of servers) s.forceShutdown(); } };
}
