// What the data plane tells the outside world. Injected so the data plane needs no metrics
// or logging library of its own and imports nothing beyond gateway/ir.
import type { ResponseFlag } from './response-flags.ts';

export interface AccessRecord {
  /** When the request or connection started (ISO 8601). */
  time: string;
  gateway: string;
  listener: string;
  /** HTTP/1.1, HTTP/2, TCP, TLS (passthrough or terminated L4) or UDP. */
  protocol: string;
  clientAddress: string;
  clientPort: number;
  method: string;
  /** Host / :authority as received (HTTP), the SNI (TLS), '' (TCP, UDP). */
  authority: string;
  path: string;
  route?: string;
  /** Stable rule id "Kind/ns/name/rule/match". */
  rule?: string;
  /** The rule's own `name`, when the route gives one. */
  ruleName?: string;
  backend?: string;
  /** "address:port" of the endpoint the last attempt went to. */
  upstreamAddress?: string;
  /** HTTP status; L4 uses 200 (relayed), 404 (no route), 5xx (no backend/endpoint/connect). */
  status: number;
  /** grpc-status of a gRPC response (trailers or trailers-only), when there was one. */
  grpcStatus?: number;
  /** Why the request did not simply go upstream and back (no route, timeout, retried upstream
   *  failure...), in the order it happened; the codes are listed in response-flags.ts. */
  responseFlags?: ResponseFlag[];
  /** Total time from first byte in to last byte out. */
  durationMs: number;
  /** Time to the upstream response head, when proxied. */
  upstreamMs?: number;
  /** Bytes of request body (HTTP) or client-to-upstream payload (L4) actually relayed, counted. */
  bytesIn: number;
  /** Bytes of response body (HTTP) or upstream-to-client payload (L4) actually sent, counted. */
  bytesOut: number;
  attempts?: number;
  userAgent?: string;
  /** x-request-id as received, or the one the gateway generated and forwarded upstream. */
  requestId?: string;
  /** W3C trace id, when the request carried a traceparent or tracing started a trace. */
  traceId?: string;
}

/** What a rate limit did with one request (shadow_limited: over the limit, let through in shadow mode). */
export type RateLimitOutcome = 'allowed' | 'limited' | 'shadow_limited' | 'fail_open' | 'fail_closed';

export interface DataplaneObserver {
  /** One call per request a rate-limit policy judged; `policy` is RateLimitIR.id. Must not throw. */
  onRateLimit?(policy: string, kind: 'local' | 'global', outcome: RateLimitOutcome): void;
  /** Called once per finished request (HTTP) or connection (L4). Must not throw. */
  onRequest?(record: AccessRecord): void;
  /** Upstream connection/protocol failures, for the upstream-error counter. */
  onUpstreamError?(backend: string, code: string): void;
  /** Passive outlier detection took an endpoint ("address:port") of the backend out of rotation. */
  onEjection?(backend: string, endpoint: string): void;
  /** Tracing, when it is on. */
  tracer?: RequestTracer;
  /** Non-request events worth a log line (bind failures, TLS errors, reloads). */
  onEvent?(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
}

/**
 * Distributed tracing, injected like the rest of the observer (gateway/admin/tracing.ts implements
 * it with OpenTelemetry). Absent when tracing is off: then the data plane does no tracing work and
 * a client's traceparent travels upstream untouched.
 */
export interface RequestTracer {
  /** The server span of one request, continuing the trace of its traceparent when there is one. */
  startRequest(headers: Record<string, string | string[]>, rec: AccessRecord): RequestSpan;
}

export interface RequestSpan {
  readonly traceId: string;
  /** A client span under this request (an upstream attempt, an external-auth call). */
  child(name: string, attributes: Record<string, string | number>): ChildSpan;
  /** Ends the request span with what the access record says happened. */
  end(rec: AccessRecord): void;
}

export interface ChildSpan {
  /** traceparent (and tracestate) for the call this span stands for. */
  readonly headers: { traceparent: string; tracestate?: string };
  end(result: { status?: number; error?: string }): void;
}
