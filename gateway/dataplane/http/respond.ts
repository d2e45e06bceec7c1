// Every answer the gateway produces itself (no route, 5xx, redirects, CORS preflight, auth
// denials) goes through sendGatewayResponse, so response edits, the access record and gRPC
// error mapping are applied in one place for HTTP/1.1, HTTP/2 and raw Upgrade sockets.
import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Exchange } from './exchange.ts';
import { applyResponseEdits, isHopByHop } from '../upstream/headers.ts';
import { addResponseFlag, type ResponseFlag } from '../response-flags.ts';
import { sendFixedResponse } from '../traffic/fixed-response.ts';

/** gRPC status codes for HTTP statuses, after the gRPC "HTTP to gRPC status code mapping" doc. */
export function grpcStatusFor(httpStatus: number): number {
  switch (httpStatus) {
    case 400: return 13; // INTERNAL
    case 401: return 16; // UNAUTHENTICATED
    case 403: return 7; // PERMISSION_DENIED
    case 404: return 12; // UNIMPLEMENTED: no route for the method (GRPC conformance expects it)
    case 429: return 14; // UNAVAILABLE
    case 502: return 14;
    case 503: return 14;
    case 504: return 4; // DEADLINE_EXCEEDED
    default: return httpStatus < 300 ? 0 : httpStatus >= 500 ? 13 : 2; // OK / INTERNAL / UNKNOWN
  }
}

/** grpc-message: UTF-8, percent-encoding bytes outside 0x20-0x7E and '%' (gRPC over HTTP/2 spec). */
function grpcMessage(text: string): string {
  if (/^[\x20-\x24\x26-\x7e]*$/.test(text)) return text;
  let out = '';
  for (const b of Buffer.from(text)) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function isHttp2(ex: Exchange): boolean {
  return ex.req.httpVersionMajor === 2;
}

/** Drops the response mid-flight: the only honest signal once the head has been sent. */
export function abortResponse(ex: Exchange): void {
  const res = ex.res;
  if (res === undefined) {
    ex.upgrade?.socket.destroy();
  } else if (isHttp2(ex)) {
    (res as Http2ServerResponse).stream.close(2 /* NGHTTP2_INTERNAL_ERROR */);
  } else {
    (res as ServerResponse).destroy();
  }
}

export function sendGatewayResponse(
  ex: Exchange,
  status: number,
  body: string,
  code?: ResponseFlag,
  headers?: Record<string, string>,
): void {
  const override = ex.override;
  if (override !== undefined) {
    // TrafficPolicy responseOverride replaces the gateway's own answers too (a 429, a 503...).
    const r = override(status);
    if (r !== undefined) {
      ex.override = undefined;
      return sendFixedResponse(ex, r, code);
    }
  }
  const rec = ex.record;
  rec.status = status;
  if (code !== undefined) addResponseFlag(rec, code);
  const res = ex.res;
  if (res !== undefined && (res.headersSent || res.writableEnded || res.destroyed)) {
    // Too late to change the answer: cut the stream so the client sees the failure.
    if (!res.writableEnded) abortResponse(ex);
    return;
  }

  const out: Record<string, string | string[]> = {};
  if (ex.rule?.grpc && res !== undefined) {
    // Trailers-only response: HTTP 200 with the status in the (only) header block.
    rec.status = 200;
    out['content-type'] = 'application/grpc';
    rec.grpcStatus = grpcStatusFor(status);
    out['grpc-status'] = String(rec.grpcStatus);
    out['grpc-message'] = grpcMessage(body);
    if (headers) for (const k in headers) out[k.toLowerCase()] = headers[k]!;
    applyResponseEdits(out, ex.responseHeaders, ex.responseModifiers);
    for (const k in out) if (isHopByHop(k)) delete out[k];
    // statusCode + setHeader + end() (not writeHead) sends one HEADERS frame with END_STREAM on
    // HTTP/2, which is what gRPC clients need to read a trailers-only status.
    res.statusCode = 200;
    for (const k in out) res.setHeader(k, out[k]!);
    res.end();
    return;
  }

  const payload = body === '' ? undefined : Buffer.from(body.endsWith('\n') ? body : `${body}\n`);
  if (payload !== undefined) out['content-type'] = 'text/plain; charset=utf-8';
  if (headers) for (const k in headers) out[k.toLowerCase()] = headers[k]!;
  applyResponseEdits(out, ex.responseHeaders, ex.responseModifiers);
  out['content-length'] = String(payload?.length ?? 0);
  const head = ex.method === 'HEAD' || status === 204 || status === 304;
  rec.bytesOut += head ? 0 : (payload?.length ?? 0);

  if (res === undefined) {
    // Upgrade request on a raw socket: write a plain HTTP/1.1 answer and close.
    const socket = ex.upgrade?.socket;
    if (socket === undefined || socket.destroyed) return;
    let text = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nconnection: close\r\n`;
    for (const k in out) {
      const v = out[k]!;
      for (const one of Array.isArray(v) ? v : [v]) text += `${k}: ${one}\r\n`;
    }
    socket.end(head || payload === undefined ? `${text}\r\n` : Buffer.concat([Buffer.from(`${text}\r\n`), payload]));
    return;
  }
  if (status === 204 || status === 304) delete out['content-length'];
  // Connection-specific fields (e.g. "connection: close" on a 400) are illegal on HTTP/2.
  if (isHttp2(ex)) for (const k in out) if (isHopByHop(k)) delete out[k];
  (res as ServerResponse).writeHead(status, out);
  if (head || payload === undefined) res.end();
  else res.end(payload);
}
