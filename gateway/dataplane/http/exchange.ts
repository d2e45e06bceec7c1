// One HTTP request/response as it moves through a compiled handler chain. Built once per
// request by the listener; filters mutate the upstream-bound view (method, path, headers)
// and the forwarder streams the body from `req` to the chosen endpoint and back into `res`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex, Readable } from 'node:stream';
import type { FixedResponseIR, HeaderModifierIR, HttpRuleIR, HttpBackendIR, EndpointIR, ListenerIR } from '../../ir/index.ts';
import type { Transform } from 'node:stream';
import type { AccessRecord, RequestSpan } from '../observer.ts';

/** An HTTP/1.1 Upgrade: the raw client socket, the bytes read past the head, the listener's WebSocket bound. */
export interface UpgradeIO {
  socket: Duplex;
  head: Buffer;
  /** Set once the listener is known (ClientLimitsIR.maxWebSocketMessageBytes); 0 or absent: no limit. */
  maxMessageBytes?: number;
}

export interface Exchange {
  readonly req: IncomingMessage | Http2ServerRequest;
  /** Undefined for an Upgrade (WebSocket) request on HTTP/1.1: use `upgrade` instead. */
  readonly res: ServerResponse | Http2ServerResponse | undefined;
  /** Set for HTTP/1.1 Upgrade requests: the raw client socket and the bytes read past the head. */
  readonly upgrade: UpgradeIO | undefined;
  readonly listener: ListenerIR;
  readonly scheme: 'http' | 'https';
  readonly clientAddress: string;
  /** The client's Host / :authority as received (may carry a port). */
  readonly authority: string;
  /** Host without port, lower-cased: what matching used. */
  readonly host: string;

  /** Upstream-bound request line and headers. Filters change these, the forwarder sends them. */
  method: string;
  /** Path without the query string (URL-encoded as received). */
  path: string;
  /** The query string including '?', or ''. */
  query: string;
  /** Host header to send upstream (URLRewrite hostname changes it). */
  upstreamHost: string;
  /** Lower-case names; hop-by-hop headers already removed. */
  headers: Record<string, string | string[]>;
  /**
   * Optional (added by the policies filters): when set, the forwarder sends this as the request
   * body instead of reading `req`, which a filter has already consumed. ExternalAuth forwardBody
   * sets the fully buffered body (a Buffer); RequestMirror sets a stream teed from `req`.
   * Its byte length equals the client's body, so content-length stays valid; an empty Buffer
   * means the request has no body.
   */
  body?: Readable | Buffer;

  /** The matched rule (undefined until matching found one). */
  rule: HttpRuleIR | undefined;
  /** The backend picked for this request (after weights / session persistence). */
  backend: HttpBackendIR | undefined;
  endpoint: EndpointIR | undefined;
  /** Response header modifiers to apply, in order, to whatever answers (upstream or gateway). */
  responseModifiers: HeaderModifierIR[];
  /** Extra response headers set by filters (CORS, session cookies), applied before modifiers. */
  responseHeaders: Record<string, string | string[]>;

  /**
   * Verified JWT claims, set by the JWT authentication filter when it accepted a token; read by
   * rate-limit keys (JWTClaim). Undefined when the request carried no verified token.
   */
  claims?: Readonly<Record<string, unknown>>;

  /**
   * TrafficPolicy responseOverride: the configured answer that replaces a response of this
   * status (the upstream's or the gateway's own), if any. Cleared once used.
   */
  override?: (status: number) => FixedResponseIR | undefined;
  /** TrafficPolicy compression: picks an encoder for an upstream response, or none. */
  compression?: ResponseCompressor;

  /** The request's trace span, when tracing is on. */
  span?: RequestSpan;
  /** Access-log record being filled along the way; emitted once when the response ends. */
  readonly record: AccessRecord;
  /** process.hrtime.bigint() at the start of the request. */
  readonly startedAt: bigint;
  /** Aborted when the client goes away or the request timeout fires. */
  readonly signal: AbortSignal;
  /**
   * Optional, cheaper than `signal` on the hot path: the one listener of the in-flight upstream
   * attempt, called once if the exchange is cancelled (undefined unsets it). Exchanges without it
   * are watched through `signal`.
   */
  onCancel?(listener: (() => void) | undefined): void;
  /** With onCancel: whether the exchange was already cancelled. */
  readonly cancelledNow?: boolean;
}

export interface ResponseCompressor {
  /**
   * For an upstream response about to be relayed: an encoder to write the body through (the
   * headers are edited for it: Content-Encoding, no Content-Length), or undefined to send as is.
   * Vary: Accept-Encoding is added either way when the response could have been compressed.
   */
  start(ex: Exchange, status: number, headers: Record<string, string | string[]>): Transform | undefined;
}

/** A compiled step of the chain. Returns when the response has been fully handled. */
export type Handler = (ex: Exchange) => Promise<void> | void;

/** Whether the exchange was cancelled, without making its AbortSignal when it has onCancel. */
export function cancelled(ex: Exchange): boolean {
  return ex.cancelledNow ?? ex.signal.aborted;
}
