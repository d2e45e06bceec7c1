// ExternalAuth over gRPC: Envoy's ext_authz v3 Authorization/Check, from the vendored proto
// subset in ./proto (field numbers as upstream, so real ext_authz servers interoperate).
// status OK allows and applies ok_response's header edits; any other status denies with
// denied_response's HTTP status (403 when unset), headers and body. One channel per endpoint.
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import { checkServerIdentity, rootCertificates, type PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { BackendTlsIR, EndpointIR, ExternalAuthIR } from '../../../ir/index.ts';
import type { Exchange } from '../exchange.ts';
import { AUTH_TIMEOUT_MS, type AuthClient, type AuthDecision, type HeaderAction } from './external-auth.ts';
import type { TraceHeaders } from '../trace-headers.ts';

interface HeaderValueOption {
  header?: { key?: string; value?: string; raw_value?: Buffer };
  append?: { value?: boolean };
  append_action?: number;
}

interface CheckResponse {
  status?: { code?: number; message?: string };
  denied_response?: { status?: { code?: number }; headers?: HeaderValueOption[]; body?: string };
  ok_response?: { headers?: HeaderValueOption[]; headers_to_remove?: string[]; response_headers_to_add?: HeaderValueOption[] };
}

type CheckFn = (
  req: unknown,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: CheckResponse) => void,
) => grpc.ClientUnaryCall;

type AuthorizationCtor = new (target: string, creds: grpc.ChannelCredentials, opts?: grpc.ChannelOptions) => grpc.Client & {
  Check: CheckFn;
};

export const PROTO_DIR = join(import.meta.dirname, 'proto');

let ctor: AuthorizationCtor | undefined;

/** Loads the proto once per process; also used by tests to build a real Check server. */
export function loadAuthorizationService(): AuthorizationCtor & { service: grpc.ServiceDefinition } {
  if (ctor === undefined) {
    const def = protoLoader.loadSync('envoy/service/auth/v3/external_auth.proto', {
      includeDirs: [PROTO_DIR],
      keepCase: true,
      longs: String,
      enums: Number,
      defaults: false,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as any;
    ctor = pkg.envoy.service.auth.v3.Authorization as AuthorizationCtor;
  }
  return ctor as AuthorizationCtor & { service: grpc.ServiceDefinition };
}

function headerAction(o: HeaderValueOption): HeaderAction {
  // The deprecated BoolValue wins when present. Otherwise OkHttpResponse documents "append
  // defaults to false": overwriting also keeps a client from pre-seeding an identity header.
  if (o.append !== undefined && o.append !== null) return o.append.value ? 'append' : 'set';
  switch (o.append_action) {
    case 1: return 'add-if-absent';
    case 3: return 'overwrite-if-exists';
    default: return 'set';
  }
}

function valueOf(o: HeaderValueOption): string {
  const h = o.header;
  if (!h) return '';
  return h.value || (h.raw_value ? Buffer.from(h.raw_value).toString('latin1') : '');
}

function flat(v: string | string[]): string {
  return Array.isArray(v) ? v.join(', ') : v;
}

function declaredSize(ex: Exchange): number {
  const cl = ex.headers['content-length'];
  if (typeof cl === 'string' && /^[0-9]+$/.test(cl)) return Number(cl);
  return ex.req.httpVersionMajor === 2 || ex.req.headers['transfer-encoding'] !== undefined ? -1 : 0;
}

export function buildCheckRequest(ex: Exchange, allowed: string[] | undefined, body: Buffer | undefined): unknown {
  const headers: Record<string, string> = {};
  const want = (n: string): boolean => allowed === undefined || allowed.includes(n);
  // Envoy sends the pseudo-headers in the map too; auth servers written for it read them.
  const pseudo: Record<string, string> = { ':authority': ex.authority, ':method': ex.method, ':path': ex.path + ex.query, ':scheme': ex.scheme };
  for (const k in pseudo) if (want(k)) headers[k] = pseudo[k]!;
  for (const k in ex.headers) {
    if (want(k)) headers[k] = k === 'cookie' && Array.isArray(ex.headers[k]) ? (ex.headers[k] as string[]).join('; ') : flat(ex.headers[k]!);
  }
  const now = Date.now();
  const http: Record<string, unknown> = {
    id: typeof ex.headers['x-request-id'] === 'string' ? ex.headers['x-request-id'] : '',
    method: ex.method,
    headers,
    path: ex.path + ex.query,
    host: ex.authority,
    scheme: ex.scheme,
    protocol: ex.req.httpVersionMajor === 2 ? 'HTTP/2' : `HTTP/${ex.req.httpVersion}`,
    // ext_authz: "If unknown, it must be -1" (a chunked or HTTP/2 body that was not buffered).
    size: String(body !== undefined ? body.length : declaredSize(ex)),
  };
  if (body !== undefined && body.length > 0) {
    if (isUtf8(body)) http.body = body.toString('utf8');
    else http.raw_body = body;
  }
  const port = ex.req.socket?.remotePort;
  return {
    attributes: {
      source: { address: { socket_address: { address: ex.clientAddress, port_value: port ?? 0 } } },
      request: { time: { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 }, http },
    },
  };
}

function decide(res: CheckResponse | undefined): AuthDecision {
  const code = res?.status?.code ?? 0;
  if (code === 0) {
    const ok = res?.ok_response;
    return {
      allow: true,
      headers: (ok?.headers ?? []).filter((o) => o.header?.key).map((o) => ({
        name: o.header!.key!.toLowerCase(),
        value: valueOf(o),
        action: headerAction(o),
      })),
      remove: (ok?.headers_to_remove ?? []).map((h) => h.toLowerCase()),
      responseHeaders: (ok?.response_headers_to_add ?? []).filter((o) => o.header?.key).map((o) => [o.header!.key!.toLowerCase(), valueOf(o)]),
    };
  }
  const d = res?.denied_response;
  const status = d?.status?.code;
  return {
    allow: false,
    status: status !== undefined && status >= 200 && status <= 599 ? status : 403,
    headers: (d?.headers ?? []).filter((o) => o.header?.key).map((o) => [o.header!.key!.toLowerCase(), valueOf(o)]),
    body: d?.body ?? '',
  };
}

/** BackendTLSPolicy for the Check channel: the policy's CAs (plus system roots) and names. */
function tlsCredentials(tls: BackendTlsIR): grpc.ChannelCredentials {
  const roots = tls.system ? [...rootCertificates, ...tls.caPem] : tls.caPem;
  const verify = (_host: string, cert: PeerCertificate): Error | undefined => {
    if (tls.subjectAltNames.length === 0) return checkServerIdentity(tls.hostname, cert);
    const sans = (cert.subjectaltname ?? '').split(',').map((s) => s.trim());
    for (const want of tls.subjectAltNames) {
      if (want.type === 'URI' ? sans.includes(`URI:${want.value}`) : checkServerIdentity(want.value, cert) === undefined) return undefined;
    }
    return new Error('auth service certificate matches none of the subjectAltNames');
  };
  return grpc.credentials.createSsl(Buffer.from(roots.join('\n')), null, null, { checkServerIdentity: verify });
}

export function createGrpcAuthClient(ir: ExternalAuthIR): AuthClient {
  const Authorization = loadAuthorizationService();
  // For GRPC the CRD says an empty allowedHeaders list means all headers are sent.
  const allowed = ir.allowedHeaders.length > 0 ? ir.allowedHeaders.map((h) => h.toLowerCase()) : undefined;
  const tls = ir.backend.tls;
  const creds = tls ? tlsCredentials(tls) : grpc.credentials.createInsecure();
  const chanOpts: grpc.ChannelOptions = tls ? { 'grpc.ssl_target_name_override': tls.hostname, 'grpc.default_authority': tls.hostname } : {};
  const clients = new Map<string, InstanceType<AuthorizationCtor>>();
  let closed = false;

  return {
    check(ex, ep: EndpointIR, body, trace) {
      const target = ep.address.includes(':') ? `[${ep.address}]:${ep.port}` : `${ep.address}:${ep.port}`;
      let client = closed ? undefined : clients.get(target);
      const oneOff = closed;
      if (client === undefined) {
        client = new Authorization(target, creds, chanOpts);
        if (!closed) clients.set(target, client);
      }
      const c = client;
      const req = buildCheckRequest(ex, allowed, body);
      return new Promise<AuthDecision>((resolve, reject) => {
        const onAbort = (): void => call.cancel();
        const meta = new grpc.Metadata();
        if (trace !== undefined) for (const k in trace) meta.set(k, trace[k as keyof TraceHeaders]!);
        const call = c.Check(req, meta, { deadline: Date.now() + AUTH_TIMEOUT_MS }, (err, res) => {
          ex.signal.removeEventListener('abort', onAbort);
          if (oneOff) c.close();
          if (err) reject(err);
          else resolve(decide(res));
        });
        ex.signal.addEventListener('abort', onAbort);
      });
    },
    close() {
      closed = true;
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}
