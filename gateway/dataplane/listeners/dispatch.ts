// Per-request entry point shared by HTTP/1.1 and HTTP/2: builds the Exchange, selects the
// listener, looks up the host bucket, matches a rule and runs its prebuilt chain. The compiled
// port is read once at the start, so a request in flight keeps the table it started with.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { HeaderModifierIR, HttpBackendIR, HttpRuleIR, EndpointIR, ListenerIR } from '../../ir/index.ts';
import type { AccessRecord, DataplaneObserver, RequestSpan } from '../observer.ts';
import type { Exchange, UpgradeIO } from '../http/exchange.ts';
import type { MatchRequest } from '../match/index.ts';
import { selectListener } from '../http/listener-select.ts';
import { GW_ERR, answerBadRequest, answerMisdirected, answerNoRoute, handlerFailed } from '../http/errors.ts';
import type { CompiledPort } from './compile.ts';
import { normalizePath } from '../http/normalize-path.ts';
import { enforceBodyLimit } from '../http/body-limit.ts';
import { sendGatewayResponse } from '../http/respond.ts';
import { addResponseFlag } from '../response-flags.ts';

/** What a bound socket hands to each request: swapped atomically by apply(). */
export interface PortState {
  current: CompiledPort;
  observer: DataplaneObserver | undefined;
  /** Set when the socket is being removed: HTTP/1.1 answers carry Connection: close. */
  draining?: boolean;
}

// reg-name / IPv4 / [IPv6] with an optional port (RFC 3986 authority, no userinfo). A fixed,
// gateway-owned pattern: safe as a JS RegExp. Rejecting oddities here keeps them out of
// Location headers and upstream Host values.
const VALID_AUTHORITY = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]*)(?::[0-9]*)?$/;

// Access records carry an ISO time; formatting it is the costliest step of a record, and every
// request in the same millisecond shares the string.
let isoMs = 0;
let iso = '';
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    iso = new Date(now).toISOString();
  }
  return iso;
}

class HttpExchange implements Exchange, MatchRequest {
  rule: HttpRuleIR | undefined = undefined;
  backend: HttpBackendIR | undefined = undefined;
  endpoint: EndpointIR | undefined = undefined;
  span: RequestSpan | undefined = undefined;
  responseModifiers: HeaderModifierIR[] = [];
  responseHeaders: Record<string, string | string[]> = {};
  parsedQuery: Map<string, string> | undefined = undefined;
  readonly startedAt = process.hrtime.bigint();
  // The AbortController (an EventTarget) is made only when something asks for the signal: the
  // plain proxy path watches cancellation through onCancel() instead.
  private controller: AbortController | undefined = undefined;
  private cancelled = false;
  private cancelListener: (() => void) | undefined = undefined;

  constructor(
    readonly req: IncomingMessage | Http2ServerRequest,
    readonly res: ServerResponse | Http2ServerResponse | undefined,
    readonly upgrade: UpgradeIO | undefined,
    public listener: ListenerIR,
    readonly scheme: 'http' | 'https',
    readonly clientAddress: string,
    readonly authority: string,
    readonly host: string,
    public method: string,
    public path: string,
    public query: string,
    public upstreamHost: string,
    public headers: Record<string, string | string[]>,
    readonly record: AccessRecord,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort();
    }
    return this.controller.signal;
  }

  get cancelledNow(): boolean {
    return this.cancelled;
  }

  onCancel(listener: (() => void) | undefined): void {
    this.cancelListener = listener;
  }

  /** Set by watch(): who hears of the finished request. */
  observer: DataplaneObserver | undefined = undefined;
  private finished = false;
  /**
   * The response's 'close' listener (one function per request, no once() wrapper). Completed only
   * when the response was ended and handed over: an HTTP/2 response whose stream the client reset,
   * or whose session it closed, reports writableFinished (its stream is closed) without ever having
   * been ended; taken for done, its upstream attempt was never cancelled.
   */
  readonly onResponseClose = (): void => {
    const res = this.res as ServerResponse;
    this.finish(res.writableEnded && res.writableFinished);
  };

  /** Emits the access record exactly once: when the response is done or the client went away. */
  finish(completed: boolean): void {
    if (this.finished) return;
    this.finished = true;
    const rec = this.record;
    const res = this.res;
    if (res !== undefined && rec.status === 0) rec.status = res.headersSent ? res.statusCode : 0;
    if (!completed) {
      this.cancel();
      addResponseFlag(rec, GW_ERR.CLIENT_ABORT);
      if (rec.status === 0) rec.status = 499;
    }
    // A gRPC call that ended without a grpc-status still belongs to the gRPC family:
    // CANCELLED when the client went away, UNKNOWN otherwise.
    if (rec.grpcStatus === undefined && this.rule?.grpc) rec.grpcStatus = completed ? 2 : 1;
    rec.durationMs = Number(process.hrtime.bigint() - this.startedAt) / 1e6;
    const span = this.span;
    if (span !== undefined) safe(() => span.end(rec));
    const observer = this.observer;
    if (observer?.onRequest !== undefined) {
      try {
        observer.onRequest(rec);
      } catch {
        // The observer must not throw; if it does, the request is not the place to fail.
      }
    }
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const l = this.cancelListener;
    this.cancelListener = undefined;
    if (l !== undefined) l();
    this.controller?.abort();
  }
}

function copyHeaders(src: Record<string, string | string[] | undefined>, h2: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const k in src) {
    if (h2 && k.charCodeAt(0) === 58 /* : */) continue;
    const v = src[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** The trace id of a W3C traceparent ("00-<32 hex>-<16 hex>-<2 hex>"), when it is well formed. */
export function traceIdOf(traceparent: string | string[] | undefined): string | undefined {
  if (typeof traceparent !== 'string' || traceparent.length < 55 || traceparent.charCodeAt(2) !== 45 /* - */) return undefined;
  const id = traceparent.slice(3, 35);
  return /^[0-9a-f]{32}$/.test(id) && id !== '00000000000000000000000000000000' ? id : undefined;
}

/** Host without port, lower-cased; IPv6 literals keep their brackets. */
export function hostOf(authority: string): string {
  let h = authority;
  if (h.charCodeAt(0) === 91 /* [ */) {
    const end = h.indexOf(']');
    h = end < 0 ? h : h.slice(0, end + 1);
  } else {
    const colon = h.lastIndexOf(':');
    if (colon >= 0) h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

export function handleRequest(
  state: PortState,
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse | undefined,
  upgrade?: { socket: Duplex; head: Buffer },
): void {
  const port = state.current;
  const h2 = req.httpVersionMajor === 2;
  const rawHeaders = req.headers as Record<string, string | string[] | undefined>;
  let url = req.url ?? '/';
  let authority = (h2 ? (rawHeaders[':authority'] as string | undefined) : undefined) ?? (rawHeaders.host as string | undefined) ?? '';
  if (url.charCodeAt(0) !== 47 /* / */ && url !== '*') {
    // Absolute-form request target: its authority replaces Host (RFC 9112 3.2.2).
    try {
      const u = new URL(url);
      authority = u.host;
      url = u.pathname + u.search;
    } catch {
      url = '/';
    }
  }
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q);
  const host = hostOf(authority);
  const method = req.method ?? 'GET';
  const socket = req.socket as (typeof req.socket & { servername?: string | false }) | undefined;
  const headers = copyHeaders(rawHeaders, h2);
  // Every request gets an id the upstream sees too: the client's own, else a fresh one.
  let requestId = headers['x-request-id'];
  if (typeof requestId !== 'string' || requestId === '') requestId = headers['x-request-id'] = randomUUID();
  const clientAddress = socket?.remoteAddress ?? '';
  const ua = rawHeaders['user-agent'];
  const record: AccessRecord = {
    time: isoNow(),
    gateway: port.gateway,
    listener: '',
    protocol: h2 ? 'HTTP/2' : req.httpVersion === '1.1' ? 'HTTP/1.1' : `HTTP/${req.httpVersion}`,
    clientAddress,
    clientPort: socket?.remotePort ?? 0,
    method,
    authority,
    path,
    status: 0,
    durationMs: 0,
    bytesIn: 0,
    bytesOut: 0,
    userAgent: typeof ua === 'string' ? ua : undefined,
    requestId,
    traceId: traceIdOf(headers['traceparent']),
  };
  const fallback = port.fallback ?? port.listeners[0];
  const ex = new HttpExchange(req, res, upgrade, fallback!.ir, port.scheme, clientAddress, authority, host,
    method, path, query, authority, headers, record);
  const tracer = state.observer?.tracer;
  if (tracer !== undefined) {
    ex.span = tracer.startRequest(headers, record);
    record.traceId = ex.span.traceId;
  }
  watch(ex, state.observer);
  if (state.draining && res !== undefined && !h2) res.setHeader('connection', 'close');

  try {
    route(port, ex, socket, state.observer);
  } catch (err) {
    failed(ex, state.observer, err);
  }
}

function route(port: CompiledPort, ex: HttpExchange, socket: { servername?: string | false } | undefined, observer: DataplaneObserver | undefined): void {
  const { authority, host, record } = ex;
  const h2 = ex.req.httpVersionMajor === 2;
  if (authority === '' && (h2 || ex.req.httpVersion !== '1.0')) return answerBadRequest(ex, 'missing Host header');
  if (!VALID_AUTHORITY.test(authority)) return answerBadRequest(ex, 'invalid Host header');
  if (h2) {
    // nghttp2 advertises SETTINGS_MAX_HEADER_LIST_SIZE but does not hold a peer to it.
    if (headerListBytes(ex.req.headers) > port.limits.maxRequestHeaderBytes) {
      return sendGatewayResponse(ex, 431, 'request header list too large', GW_ERR.HEADERS_TOO_LARGE);
    }
  } else {
    const raw = (ex.req as IncomingMessage).rawHeaders;
    // The h1 server keeps one field more than allowed, so "more" is visible here.
    if (raw.length > 2 * port.limits.maxRequestHeaders) {
      return sendGatewayResponse(ex, 431, 'too many request header fields', GW_ERR.HEADERS_TOO_LARGE, { connection: 'close' });
    }
    if (hostFieldCount(raw) > 1) return answerBadRequest(ex, 'more than one Host header');
    // RFC 9112 §6.1: only "chunked" frames a request body; anything else (gzip, identity, a list)
    // leaves the length to guesswork a backend may make differently. Node dispatches such a
    // request before its body fails to parse, so it is refused here, before any upstream sees it.
    const te = ex.req.headers['transfer-encoding'];
    if (te !== undefined && te !== 'chunked' && te.trim().toLowerCase() !== 'chunked') return answerBadRequest(ex, 'unsupported Transfer-Encoding');
  }
  const choice = selectListener(port, host, typeof socket?.servername === 'string' ? socket.servername : undefined);
  if (choice.kind === 'misdirected') return answerMisdirected(ex);
  if (choice.kind === 'none') return answerNoRoute(ex);
  const listener = choice.listener;
  ex.listener = listener.ir;
  record.listener = listener.ir.id;
  if (ex.upgrade !== undefined) ex.upgrade.maxMessageBytes = listener.limits.maxWebSocketMessageBytes;
  // Matching, filters and the upstream all see the normalised path (the record keeps the raw one).
  const p = normalizePath(ex.path, listener.limits.encodedSlash);
  if (p.kind === 'reject') return answerBadRequest(ex, p.reason);
  if (p.kind === 'redirect') return sendGatewayResponse(ex, 308, 'redirecting to the normalised path', undefined, { location: p.path + ex.query });
  ex.path = p.path;
  const bucket = listener.hosts.lookup(host);
  if (bucket === undefined) return answerNoRoute(ex);
  const i = bucket.matcher.match(ex);
  if (i < 0) return answerNoRoute(ex);
  const rule = bucket.rules[i]!;
  ex.rule = rule;
  record.route = bucket.routeNames[i];
  record.rule = rule.id;
  if (rule.route.ruleName !== undefined) record.ruleName = rule.route.ruleName;
  // After matching (which never reads the body): a route's TrafficPolicy may set its own limit.
  const maxBody = bucket.maxBody[i]!;
  if (maxBody > 0 && !enforceBodyLimit(ex, maxBody)) return;
  const r = bucket.handlers[i]!(ex);
  if (r instanceof Promise) r.then(undefined, (err: unknown) => failed(ex, observer, err));
}

/**
 * RFC 9112 §3.2: a request with more than one Host field gets 400 (node keeps the first and
 * drops the rest, so a backend behind another proxy could see the other one).
 */
function hostFieldCount(raw: string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host')) n++;
  }
  return n;
}

/** RFC 9113 §6.5.2 header list size: name + value + 32 octets per field. */
function headerListBytes(headers: Record<string, string | string[] | undefined>): number {
  let n = 0;
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    if (typeof v === 'string') n += k.length + v.length + 32;
    else for (let i = 0; i < v.length; i++) n += k.length + v[i]!.length + 32;
  }
  return n;
}

function failed(ex: HttpExchange, observer: DataplaneObserver | undefined, err: unknown): void {
  handlerFailed(ex, observer, err);
}

/** The access record is emitted when the response closes (or the Upgrade socket does). */
function watch(ex: HttpExchange, observer: DataplaneObserver | undefined): void {
  ex.observer = observer;
  if (ex.res !== undefined) {
    // 'close' fires once per response: on() needs no once() wrapper and state object.
    (ex.res as ServerResponse).on('close', ex.onResponseClose);
  } else if (ex.upgrade !== undefined) {
    ex.upgrade.socket.once('close', () => ex.finish(ex.record.status !== 0));
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // The observer must not throw; if it does, the request is not the place to fail.
  }
}
