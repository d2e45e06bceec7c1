// HTTPRoute ExternalAuth filter: asks an auth service before the request goes on. The protocol
// clients (HTTP, Envoy ext_authz gRPC) only turn one request into a decision; everything both
// share lives here: endpoint choice, the bounded forwardBody buffer, applying an allow decision
// to the upstream-bound headers, answering a denial, and failing closed (the spec: "If there is
// any problem communicating with the external service, this filter MUST fail closed").
import type { BackendIR, EndpointIR, ExternalAuthIR } from '../../../ir/index.ts';
import type { Exchange, Handler } from '../exchange.ts';
import { sendGatewayResponse } from '../respond.ts';
import { createHttpAuthClient } from './external-auth-http.ts';
import { incomingTrace, type TraceHeaders } from '../trace-headers.ts';

/** How long one auth call may take before the request fails closed. */
export const AUTH_TIMEOUT_MS = 10_000;

export type HeaderAction = 'set' | 'append' | 'add-if-absent' | 'overwrite-if-exists';

export type AuthDecision =
  | {
      allow: true;
      /** Edits to the upstream-bound request headers (names lower-case). */
      headers: { name: string; value: string; action: HeaderAction }[];
      remove: string[];
      /** Headers for the client's response (ext_authz ok_response.response_headers_to_add). */
      responseHeaders: [string, string][];
    }
  | { allow: false; status: number; headers: [string, string][]; body: string };

export interface AuthClient {
  /** Resolves with the service's decision; rejects on any communication problem. */
  check(ex: Exchange, endpoint: EndpointIR, body: Buffer | undefined, trace?: TraceHeaders): Promise<AuthDecision>;
  close(): void;
}

export interface ExternalAuthDeps {
  pickEndpoint(b: BackendIR): EndpointIR | undefined;
}

// Never taken from the auth service: they describe its own message or route the request.
const PROTECTED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'expect']);

export function isProtectedHeader(name: string): boolean {
  return name.charCodeAt(0) === 58 /* ':' */ || PROTECTED.has(name);
}

function applyAllow(ex: Exchange, d: Extract<AuthDecision, { allow: true }>, allowed: Set<string> | undefined): void {
  const h = ex.headers;
  for (const name of d.remove) {
    if (!isProtectedHeader(name)) delete h[name];
  }
  for (const { name, value, action } of d.headers) {
    if (isProtectedHeader(name) || (allowed !== undefined && !allowed.has(name))) continue;
    const cur = h[name];
    if (action === 'set') h[name] = value;
    else if (action === 'add-if-absent') {
      if (cur === undefined) h[name] = value;
    } else if (action === 'overwrite-if-exists') {
      if (cur !== undefined) h[name] = value;
    } else if (cur === undefined) h[name] = value;
    // A new array, never push: a mirror filter earlier in the chain may share the old one.
    else h[name] = Array.isArray(cur) ? [...cur, value] : [cur, value];
  }
  for (const [name, value] of d.responseHeaders) {
    if (isProtectedHeader(name)) continue;
    const cur = ex.responseHeaders[name];
    ex.responseHeaders[name] = cur === undefined ? value : Array.isArray(cur) ? [...cur, value] : [cur, value];
  }
}

function deny(ex: Exchange, d: Extract<AuthDecision, { allow: false }>): void {
  let contentType: Record<string, string> | undefined;
  for (const [name, value] of d.headers) {
    if (isProtectedHeader(name)) continue;
    if (name === 'content-type') {
      contentType = { 'content-type': value };
      continue;
    }
    const cur = ex.responseHeaders[name];
    ex.responseHeaders[name] = cur === undefined ? value : Array.isArray(cur) ? [...cur, value] : [cur, value];
  }
  sendGatewayResponse(ex, d.status, d.body, 'GW_ERR_EXT_AUTH_DENIED', contentType);
}

type BodyResult = Buffer | 'too-large' | 'aborted';

/**
 * Reads the whole request body, refusing more than `max` bytes. It reads whatever an earlier
 * filter left in `ex.body` (a mirror tee) before falling back to the client stream.
 */
export function readBoundedBody(ex: Exchange, max: number): Promise<BodyResult> {
  const prior = ex.body;
  if (Buffer.isBuffer(prior)) return Promise.resolve(prior.length > max ? 'too-large' : prior);
  const declared = Number(ex.headers['content-length'] ?? Number.NaN);
  if (declared > max) return Promise.resolve('too-large');
  const src = prior ?? ex.req;
  return new Promise<BodyResult>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (r: BodyResult): void => {
      src.off('data', onData);
      src.off('end', onEnd);
      src.off('error', onAbort);
      src.off('close', onClose);
      ex.signal.removeEventListener('abort', onAbort);
      if (r === 'too-large') src.pause();
      resolve(r);
    };
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > max) done('too-large');
      else chunks.push(c);
    };
    const onEnd = (): void => done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    const onAbort = (): void => done('aborted');
    const onClose = (): void => {
      if (!src.readableEnded) done('aborted');
    };
    if (ex.signal.aborted) return resolve('aborted');
    ex.signal.addEventListener('abort', onAbort);
    src.on('data', onData);
    src.on('end', onEnd);
    src.on('error', onAbort);
    src.on('close', onClose);
  });
}

/**
 * The gRPC client (grpc-js, proto-loader and the ext_authz protos, several MiB per process) is
 * loaded when the first gRPC ExternalAuth filter is built, so a gateway (or data-plane worker)
 * without one never loads it. A client that cannot be built fails its checks (denied: 500).
 */
function lazyGrpcAuthClient(ir: ExternalAuthIR): AuthClient {
  let closed = false;
  const client = import('./external-auth-grpc.ts').then((m) => {
    const c = m.createGrpcAuthClient(ir);
    if (closed) c.close();
    return c;
  });
  client.catch(() => { /* reported by each check() */ });
  return {
    check: async (ex, endpoint, body, trace) => (await client).check(ex, endpoint, body, trace),
    close() {
      closed = true;
      client.then((c) => c.close(), () => {});
    },
  };
}

export function externalAuthFilter(
  ir: ExternalAuthIR,
  deps: ExternalAuthDeps,
): { filter: (next: Handler) => Handler; close(): void } {
  const client: AuthClient = ir.protocol === 'GRPC' ? lazyGrpcAuthClient(ir) : createHttpAuthClient(ir);
  const allowed = ir.allowedResponseHeaders.length > 0 ? new Set(ir.allowedResponseHeaders.map((h) => h.toLowerCase())) : undefined;
  const maxBody = ir.forwardBodyMaxSize;

  const filter = (next: Handler): Handler =>
    async (ex: Exchange) => {
      const endpoint = ir.backend.invalid ? undefined : deps.pickEndpoint(ir.backend);
      if (endpoint === undefined) {
        return sendGatewayResponse(ex, 500, 'external authorization service unavailable', 'GW_ERR_EXT_AUTH_UNAVAILABLE');
      }
      let body: Buffer | undefined;
      if (maxBody > 0) {
        const r = await readBoundedBody(ex, maxBody);
        if (r === 'aborted') return;
        if (r === 'too-large') {
          return sendGatewayResponse(ex, 413, 'request body larger than the external authorization limit', 'GW_ERR_EXT_AUTH_BODY_TOO_LARGE');
        }
        body = r;
        // The client stream is consumed: the forwarder replays the buffered copy.
        ex.body = r;
      }
      let decision: AuthDecision;
      const span = ex.span?.child('external auth', {
        'server.address': endpoint.address, 'server.port': endpoint.port, 'rpc.system': ir.protocol === 'GRPC' ? 'grpc' : 'http',
      });
      try {
        decision = await client.check(ex, endpoint, body, span?.headers ?? incomingTrace(ex.headers));
      } catch (err) {
        span?.end({ error: String((err as Error)?.message ?? err) });
        if (ex.signal.aborted) return;
        return sendGatewayResponse(ex, 500, 'external authorization failed', 'GW_ERR_EXT_AUTH_UNAVAILABLE');
      }
      span?.end({ status: decision.allow ? 200 : decision.status });
      if (!decision.allow) return deny(ex, decision);
      applyAllow(ex, decision, allowed);
      return next(ex);
    };

  return { filter, close: () => client.close() };
}
