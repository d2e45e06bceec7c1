// A response the gateway writes from configuration (TrafficPolicy directResponse and
// responseOverride): status, headers and body as given. Response edits of the chain (CORS,
// ResponseHeaderModifier) still apply, so the answer looks like the route's other answers.
import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { FixedResponseIR } from '../../ir/index.ts';
import type { Exchange } from '../http/exchange.ts';
import { applyResponseEdits, isHopByHop } from '../upstream/headers.ts';
import { abortResponse, isHttp2 } from '../http/respond.ts';
import { addResponseFlag, type ResponseFlag } from '../response-flags.ts';

export function sendFixedResponse(ex: Exchange, r: FixedResponseIR, flag?: ResponseFlag): void {
  const rec = ex.record;
  rec.status = r.status;
  if (flag !== undefined) addResponseFlag(rec, flag);
  const res = ex.res;
  if (res !== undefined && (res.headersSent || res.writableEnded || res.destroyed)) {
    if (!res.writableEnded) abortResponse(ex);
    return;
  }
  const payload = r.body === undefined || r.body === '' ? undefined : Buffer.from(r.body);
  const out: Record<string, string | string[]> = {};
  if (payload !== undefined) out['content-type'] = 'text/plain; charset=utf-8';
  for (const h of r.headers) out[h.name.toLowerCase()] = h.value;
  applyResponseEdits(out, ex.responseHeaders, ex.responseModifiers);
  const bodiless = ex.method === 'HEAD' || r.status === 204 || r.status === 304;
  if (r.status !== 204 && r.status !== 304) out['content-length'] = String(payload?.length ?? 0);
  else delete out['content-length'];
  rec.bytesOut += bodiless ? 0 : (payload?.length ?? 0);
  if (res === undefined) {
    const socket = ex.upgrade?.socket;
    if (socket === undefined || socket.destroyed) return;
    let text = `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? ''}\r\nconnection: close\r\n`;
    for (const k in out) for (const v of [out[k]!].flat()) text += `${k}: ${v}\r\n`;
    socket.end(bodiless || payload === undefined ? `${text}\r\n` : Buffer.concat([Buffer.from(`${text}\r\n`), payload]));
    return;
  }
  if (isHttp2(ex)) for (const k in out) if (isHopByHop(k)) delete out[k];
  (res as ServerResponse).writeHead(r.status, out);
  if (bodiless || payload === undefined) res.end();
  else res.end(payload);
}

/** The override for a status, first match wins; compiled once per rule. */
export function compileOverrides(list: readonly { match: { codes: number[]; ranges: { from: number; to: number }[] }; response: FixedResponseIR }[]):
  (status: number) => FixedResponseIR | undefined {
  return (status) => {
    for (const o of list) {
      if (o.match.codes.includes(status)) return o.response;
      for (const r of o.match.ranges) if (status >= r.from && status <= r.to) return o.response;
    }
    return undefined;
  };
}
