// A unary gRPC call to any service/method (unknown ones included), like upstream's grpc client.
import * as grpc from '@grpc/grpc-js';
import { echoServiceDefinition } from '../echo/grpc-echo.ts';

export interface GrpcResult { code: number; details: string; response?: any; metadata?: Record<string, unknown> }

export function grpcCall(o: { address: string; port: number; authority: string; service: string; method: string; metadata?: Record<string, string>; tls?: { roots: string; sni?: string }; timeoutMs?: number }): Promise<GrpcResult> {
  const def = echoServiceDefinition().Echo;
  const creds = o.tls ? grpc.credentials.createSsl(Buffer.from(o.tls.roots)) : grpc.credentials.createInsecure();
  const options: grpc.ChannelOptions = { 'grpc.default_authority': o.authority, 'grpc.enable_retries': 0 };
  if (o.tls?.sni) options['grpc.ssl_target_name_override'] = o.tls.sni;
  const client = new grpc.Client(`${o.address}:${o.port}`, creds, options);
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(o.metadata ?? {})) md.add(k.toLowerCase(), v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(`/${o.service}/${o.method}`, def.requestSerialize, def.responseDeserialize, {}, md,
      { deadline: Date.now() + (o.timeoutMs ?? 10000) }, (err, response) => {
        client.close();
        if (err) resolve({ code: err.code ?? grpc.status.UNKNOWN, details: err.details ?? err.message });
        else resolve({ code: grpc.status.OK, details: '', response });
      });
  });
}

export function grpcCodeOf(name: string | number | undefined): number {
  if (name === undefined) return grpc.status.OK;
  if (typeof name === 'number') return name;
  if (/^\d+$/.test(name)) return Number(name);
  const v = (grpc.status as unknown as Record<string, number>)[name.toUpperCase()];
  if (v === undefined) throw new Error(`unknown gRPC code ${name}`);
  return v;
}
