// One proxied attempt: the exchange's upstream-bound request is dispatched on an undici pool
// and the answer streamed back into the client response as it arrives (head, body chunks with
// backpressure both ways, trailers). undici's low-level dispatch handler API is used instead of
// request()/stream() so no intermediate stream objects are allocated per request.
import type { ServerResponse, IncomingHttpHeaders } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { EndpointIR, HttpBackendIR } from '../../ir/index.ts';
import type { Exchange } from './exchange.ts';
import { connectionTokens, isHopByHop, stripHopByHop, applyResponseEdits } from '../upstream/headers.ts';
import { abortResponse, isHttp2 } from './respond.ts';
import { addResponseFlag, type ResponseFlag } from '../response-flags.ts';
import { sendFixedResponse } from '../traffic/fixed-response.ts';

/** Why an attempt gave up before a response head reached the client. */
export interface UpstreamFailure {
  status: number;
  code: ResponseFlag;
  /** Connection-level failure that a retry policy may retry. */
  retryable: boolean;
  /** The failure was a (backend request) timeout: retried only when 504 is a retry code. */
  timeout: boolean;
  message: string;
}

export type AttemptOutcome =
  /** `cut`: the upstream failed after the response head was relayed (the client stream was cut). */
  | { kind: 'done'; cut?: ResponseFlag }
  | { kind: 'retry-status'; status: number }
  | { kind: 'failed'; failure: UpstreamFailure };

export interface AttemptSpec {
  pool: Dispatcher;
  backend: HttpBackendIR;
  endpoint: EndpointIR;
  headers: string[];
  body: Buffer | Readable | AsyncIterable<Buffer> | null;
  /** Statuses to swallow and report as 'retry-status' instead of relaying (not on the last attempt). */
  retryCodes: readonly number[] | undefined;
  /** Per-attempt budget (min of backendRequest and what is left of the request timeout). */
  timeoutMs: number | undefined;
  /** Code recorded when timeoutMs fires. */
  timeoutCode: ResponseFlag;
  /** undici idle timeouts to use; 0 disables them when the rule's own timeouts govern. */
  idleTimeoutMs: number | undefined;
}

class TimeoutError extends Error {
  constructor(readonly code: ResponseFlag) {
    super('upstream timeout');
  }
}
class ClientGone extends Error {}
class RetryDiscard extends Error {}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_SESSION_ERROR', 'ERR_HTTP2_GOAWAY_SESSION']);

// Node's TLS errors and OpenSSL's X509 verify results (UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...).
const TLS_CODE = /^(ERR_TLS|ERR_SSL|UNABLE_TO_|CERT_|DEPTH_ZERO|SELF_SIGNED|INVALID_CA|HOSTNAME_MISMATCH)/;

export function classifyError(err: unknown): UpstreamFailure {
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const message = e.message ?? String(err);
  if (err instanceof TimeoutError) return { status: 504, code: err.code, retryable: false, timeout: true, message };
  if (CONNECT_CODES.has(code)) return { status: 502, code: 'GW_ERR_UPSTREAM_CONNECT', retryable: true, timeout: false, message };
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { status: 504, code: 'GW_ERR_UPSTREAM_CONNECT', retryable: true, timeout: false, message };
  if (RESET_CODES.has(code)) return { status: 502, code: 'GW_ERR_UPSTREAM_RESET', retryable: true, timeout: false, message };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { status: 504, code: 'GW_ERR_UPSTREAM_TIMEOUT', retryable: false, timeout: true, message };
  }
  if (TLS_CODE.test(code)) {
    return { status: 502, code: 'GW_ERR_UPSTREAM_TLS', retryable: false, timeout: false, message };
  }
  return { status: 502, code: 'GW_ERR_UPSTREAM_PROTOCOL', retryable: false, timeout: false, message };
}

/**
 * The upstream-bound header list (flat name/value pairs, as undici takes them): the exchange's
 * headers minus hop-by-hop and pseudo headers, Host from ex.upstreamHost, X-Forwarded-*.
 * Built once per exchange and reused by every attempt.
 */
export function buildUpstreamHeaders(ex: Exchange): string[] {
  const h = ex.headers;
  const listed = connectionTokens(h['connection']);
  const out: string[] = ['host', ex.upstreamHost];
  let xff: string | undefined;
  for (const name in h) {
    const v = h[name]!;
    if (name.charCodeAt(0) === 58 /* ':' */ || name === 'host' || name === 'expect') continue;
    if (isHopByHop(name) || (listed !== undefined && listed.has(name))) {
      // TE: trailers is end-to-end meaningful (gRPC) and the only TE value allowed on HTTP/2.
      if (name === 'te' && String(v).toLowerCase().includes('trailers')) out.push('te', 'trailers');
      continue;
    }
    if (name === 'x-forwarded-for') {
      xff = Array.isArray(v) ? v.join(', ') : v;
      continue;
    }
    if (name === 'x-forwarded-proto' || name === 'x-forwarded-host') continue;
    // HTTP/2 may split Cookie into several fields; HTTP/1.1 needs them as one (RFC 9113 §8.2.3).
    if (name === 'cookie' && Array.isArray(v)) out.push(name, v.join('; '));
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) out.push(name, v[i]!);
    else out.push(name, v);
  }
  out.push(
    'x-forwarded-for', xff ? `${xff}, ${ex.clientAddress}` : ex.clientAddress,
    'x-forwarded-proto', ex.scheme,
    'x-forwarded-host', ex.authority,
  );
  return out;
}

/** Whether the client request has a body to stream (framing from the raw request headers). */
export function requestHasBody(ex: Exchange): boolean {
  const raw = ex.req.headers;
  const cl = raw['content-length'];
  if (cl !== undefined) return cl !== '0';
  if (isHttp2(ex)) return !(ex.req as Http2ServerRequest).stream.endAfterHeaders && !ex.req.readableEnded;
  return raw['transfer-encoding'] !== undefined;
}

type Res = ServerResponse;

/**
 * Whether the client's side of the exchange is gone: cancelled, or its connection (HTTP/1.1) or
 * stream (HTTP/2, where the response object itself is never `destroyed`) is closed.
 */
export function clientGone(ex: Exchange): boolean {
  if (ex.cancelledNow === true || (ex.onCancel === undefined && ex.signal.aborted)) return true;
  const res = ex.res as { destroyed?: boolean; stream?: { destroyed?: boolean } } | undefined;
  return res !== undefined && (res.destroyed === true || res.stream?.destroyed === true);
}

class ProxyAttempt implements Dispatcher.DispatchHandler {
  controller: Dispatcher.DispatchController | undefined;
  timer: NodeJS.Timeout | undefined;
  headSent = false;
  trailersOnly = false;
  settled = false;
  readonly res: Res;
  /** Where body chunks go: the response, or a compressor piped into it. */
  sink: NodeJS.WritableStream;
  readonly h2: boolean;
  readonly onAbortSignal = () => this.abort(new ClientGone());
  /** Made when the client first pushes back (most small responses never do). */
  resume: (() => void) | undefined = undefined;

  constructor(
    readonly ex: Exchange,
    readonly spec: AttemptSpec,
    readonly resolve: (o: AttemptOutcome) => void,
  ) {
    this.res = ex.res as Res;
    this.sink = this.res;
    this.h2 = isHttp2(ex);
  }

  abort(err: Error): void {
    if (this.settled) return;
    if (this.controller !== undefined) this.controller.abort(err);
    else this.pendingAbort = err;
  }
  pendingAbort: Error | undefined;

  settle(o: AttemptOutcome): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const ex = this.ex;
    if (ex.onCancel !== undefined) ex.onCancel(undefined);
    else ex.signal.removeEventListener('abort', this.onAbortSignal);
    if (this.resume !== undefined) this.sink.removeListener('drain', this.resume);
    this.resolve(o);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pendingAbort !== undefined) controller.abort(this.pendingAbort);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    if (statusCode < 200 || this.settled) return;
    const { ex, spec } = this;
    if (spec.retryCodes !== undefined && spec.retryCodes.includes(statusCode)) {
      this.settle({ kind: 'retry-status', status: statusCode });
      controller.abort(new RetryDiscard());
      return;
    }
    const override = ex.override?.(statusCode);
    if (override !== undefined) {
      // responseOverride: the upstream's answer is replaced, its body never read.
      ex.override = undefined;
      this.settle({ kind: 'done' });
      controller.abort(new RetryDiscard());
      sendFixedResponse(ex, override);
      return;
    }
    const rec = ex.record;
    rec.status = statusCode;
    rec.upstreamMs = Number(process.hrtime.bigint() - ex.startedAt) / 1e6;
    const out = stripHopByHop(headers);
    applyResponseEdits(out, ex.responseHeaders, ex.responseModifiers);
    const res = this.res;
    if (clientGone(ex)) {
      controller.abort(new ClientGone());
      return;
    }
    if (this.h2 && headers['grpc-status'] !== undefined) {
      // gRPC trailers-only answer (status in the only header block, END_STREAM set): relaying it
      // as head + empty body would leave gRPC clients without a status.
      // Headers set without writeHead are flushed by end() in one block with END_STREAM.
      res.statusCode = statusCode;
      for (const k in out) res.setHeader(k, out[k]!);
      rec.grpcStatus = Number(headers['grpc-status']);
      this.headSent = true;
      this.trailersOnly = true;
      return;
    }
    const enc = ex.compression?.start(ex, statusCode, out);
    if (enc !== undefined) {
      enc.on('error', () => abortResponse(ex));
      enc.pipe(res);
      this.sink = enc;
    }
    if (this.h2 || statusMessage === undefined || statusMessage === '') res.writeHead(statusCode, out);
    else res.writeHead(statusCode, statusMessage, out);
    this.headSent = true;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled || this.trailersOnly) return;
    this.ex.record.bytesOut += chunk.length;
    if (!this.sink.write(chunk)) {
      controller.pause();
      this.sink.once('drain', this.resume ??= () => this.controller?.resume());
    }
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    if (this.settled) return;
    if (this.trailersOnly) {
      this.res.end();
      return this.settle({ kind: 'done' });
    }
    // undici 7 hands HTTP/2 trailers over as an object its header parser does not read, so
    // the parsed map comes back empty; the raw object is the real thing.
    const raw = controller.rawTrailers;
    if (raw != null && !Array.isArray(raw) && typeof raw === 'object') trailers = raw as IncomingHttpHeaders;
    const res = this.res;
    let any = false;
    for (const _ in trailers) {
      any = true;
      break;
    }
    if (any) {
      res.addTrailers(stripHopByHop(trailers) as Record<string, string>);
      const gs = trailers['grpc-status'];
      if (gs !== undefined) this.ex.record.grpcStatus = Number(gs);
    }
    if (this.sink === res) res.end();
    else this.sink.end(); // the compressor's pipe ends the response after its last bytes
    this.settle({ kind: 'done' });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.settled) return;
    if (err instanceof ClientGone) {
      addResponseFlag(this.ex.record, 'GW_ERR_CLIENT_ABORT');
      this.settle({ kind: 'done' });
      return;
    }
    const failure = classifyError(err);
    if (this.headSent && clientGone(this.ex)) {
      // Nothing left to cut, and the failure may be ours: a response left unread on a dead
      // client's backpressure until the endpoint closed the connection. Never the endpoint's.
      addResponseFlag(this.ex.record, 'GW_ERR_CLIENT_ABORT');
      this.settle({ kind: 'done' });
      return;
    }
    if (this.headSent) {
      // Mid-body failure: the status is gone, so cut the client stream to make it visible.
      addResponseFlag(this.ex.record, failure.code);
      abortResponse(this.ex);
      if (this.sink !== this.res) (this.sink as unknown as { destroy(): void }).destroy();
      this.settle({ kind: 'done', cut: failure.code });
      return;
    }
    this.settle({ kind: 'failed', failure });
  }
}

export function forwardAttempt(ex: Exchange, spec: AttemptSpec): Promise<AttemptOutcome> {
  return new Promise((resolve) => startAttempt(ex, spec, resolve));
}

/**
 * forwardAttempt() with a callback: `done` is called exactly once with the outcome (possibly
 * before this returns). The single-attempt path (no retries) uses it to avoid a promise per
 * request; `done` must not throw (it runs inside undici's handler callbacks).
 */
export function startAttempt(ex: Exchange, spec: AttemptSpec, done: (o: AttemptOutcome) => void): void {
  const attempt = new ProxyAttempt(ex, spec, done);
  if (ex.onCancel !== undefined) {
    if (ex.cancelledNow) {
      done({ kind: 'done' });
      return;
    }
    ex.onCancel(attempt.onAbortSignal);
  } else {
    if (ex.signal.aborted) {
      done({ kind: 'done' });
      return;
    }
    ex.signal.addEventListener('abort', attempt.onAbortSignal, { once: true });
  }
  if (spec.timeoutMs !== undefined) {
    attempt.timer = setTimeout(() => attempt.abort(new TimeoutError(spec.timeoutCode)), spec.timeoutMs);
  }
  const idle = spec.idleTimeoutMs;
  const opts: Dispatcher.DispatchOptions = {
    method: ex.method as Dispatcher.HttpMethod,
    path: ex.query === '' ? ex.path : ex.path + ex.query,
    headers: spec.headers,
    body: spec.body as Dispatcher.DispatchOptions['body'],
  };
  if (idle !== undefined) {
    opts.headersTimeout = idle;
    opts.bodyTimeout = idle;
  }
  try {
    spec.pool.dispatch(opts, attempt);
  } catch (err) {
    attempt.settle({ kind: 'failed', failure: classifyError(err) });
  }
}
