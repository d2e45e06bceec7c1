// HTTP/1.1 Upgrade (WebSocket) proxy: the handshake goes to the endpoint on a fresh
// connection with the exchange's rewritten path and headers; a 101 answer is relayed and the
// two sockets are piped until either side closes; any other answer is relayed and the client
// connection closed. Upgraded connections are long-lived, so they are not pooled.
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EndpointIR, HttpBackendIR } from '../../ir/index.ts';
import type { Exchange } from './exchange.ts';
import { buildUpstreamHeaders, classifyError } from './forward.ts';
import { sendGatewayResponse } from './respond.ts';
import { applyResponseEdits, stripHopByHop } from '../upstream/headers.ts';
import { elapsedMs } from './timeouts.ts';
import { withTrace, withoutTrace } from './trace-headers.ts';

export interface UpgradeOptions {
  /** Budget for the handshake (not the upgraded connection). */
  timeoutMs?: number;
  onUpstreamError?: (code: string) => void;
}

function headText(status: number, message: string, headers: Record<string, string | string[]>): string {
  let text = `HTTP/1.1 ${status} ${message}\r\n`;
  for (const k in headers) {
    const v = headers[k]!;
    if (Array.isArray(v)) for (const one of v) text += `${k}: ${one}\r\n`;
    else text += `${k}: ${v}\r\n`;
  }
  return `${text}\r\n`;
}

function pipeBoth(a: Duplex, b: Duplex, onBytesIn: (n: number) => void, onBytesOut: (n: number) => void): Promise<void> {
  return new Promise((resolve) => {
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      a.destroy();
      b.destroy();
      resolve();
    };
    a.on('data', (c: Buffer) => onBytesIn(c.length));
    b.on('data', (c: Buffer) => onBytesOut(c.length));
    a.pipe(b);
    b.pipe(a);
    for (const s of [a, b]) {
      s.on('error', close);
      s.on('close', close);
      s.on('end', () => {
        // Half-close is rare for WebSocket; treat EOF from either side as the end.
        close();
      });
    }
  });
}

export function proxyUpgrade(ex: Exchange, backend: HttpBackendIR, ep: EndpointIR, opts: UpgradeOptions = {}): Promise<void> {
  const up = ex.upgrade!;
  const client = up.socket;
  const span = ex.span?.child('upstream upgrade', {
    'gateway_api.backend': backend.id, 'server.address': ep.address, 'server.port': ep.port, 'http.request.method': ex.method,
  });
  const headers = span === undefined ? buildUpstreamHeaders(ex) : withTrace(withoutTrace(buildUpstreamHeaders(ex)), span.headers);
  const upgrade = ex.req.headers['upgrade'];
  headers.push('connection', 'Upgrade', 'upgrade', Array.isArray(upgrade) ? upgrade.join(', ') : (upgrade ?? 'websocket'));
  const tls = backend.tls;
  const common = {
    host: ep.address,
    port: ep.port,
    method: ex.method,
    path: ex.path + ex.query,
    headers,
    agent: false as const,
  };
  return new Promise<void>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (timer !== undefined) clearTimeout(timer);
      client.off('close', onClientClose);
      resolve();
    };
    const req = tls
      ? httpsRequest({ ...common, servername: tls.hostname, ca: tls.caPem.length > 0 ? tls.caPem : undefined, rejectUnauthorized: true })
      : httpRequest(common);
    const onClientClose = () => {
      req.destroy();
      finish();
    };
    client.on('close', onClientClose);
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        const e = Object.assign(new Error('upgrade handshake timed out'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
        req.destroy(e);
      }, opts.timeoutMs);
    }
    req.on('error', (err) => {
      if (finished) return;
      const f = classifyError(err);
      span?.end({ status: f.status, error: f.code });
      opts.onUpstreamError?.(f.code);
      sendGatewayResponse(ex, f.status, f.status === 504 ? 'upstream timeout' : 'upstream connection failed', f.code);
      finish();
    });
    req.on('upgrade', (res: IncomingMessage, upSocket: Duplex, upHead: Buffer) => {
      if (timer !== undefined) clearTimeout(timer);
      const out = stripHopByHop(res.headers);
      applyResponseEdits(out, ex.responseHeaders, ex.responseModifiers);
      out['connection'] = 'Upgrade';
      if (res.headers.upgrade !== undefined) out['upgrade'] = res.headers.upgrade;
      ex.record.status = 101;
      span?.end({ status: 101 });
      ex.record.upstreamMs = elapsedMs(ex);
      client.write(headText(101, res.statusMessage || 'Switching Protocols', out));
      if (upHead.length > 0) {
        client.write(upHead);
        ex.record.bytesOut += upHead.length;
      }
      if (up.head.length > 0) {
        upSocket.write(up.head);
        ex.record.bytesIn += up.head.length;
      }
      client.off('close', onClientClose);
      pipeBoth(client, upSocket, (n) => (ex.record.bytesIn += n), (n) => (ex.record.bytesOut += n)).then(finish);
    });
    req.on('response', (res: IncomingMessage) => {
      if (timer !== undefined) clearTimeout(timer);
      const status = res.statusCode ?? 502;
      const out = stripHopByHop(res.headers);
      applyResponseEdits(out, ex.responseHeaders, ex.responseModifiers);
      out['connection'] = 'close';
      ex.record.status = status;
      ex.record.upstreamMs = elapsedMs(ex);
      span?.end({ status });
      client.write(headText(status, res.statusMessage || STATUS_CODES[status] || '', out));
      res.on('data', (c: Buffer) => {
        ex.record.bytesOut += c.length;
        if (!client.write(c)) {
          res.pause();
          client.once('drain', () => res.resume());
        }
      });
      res.on('end', () => {
        client.end();
        finish();
      });
      res.on('error', () => {
        client.destroy();
        finish();
      });
    });
    req.end();
  });
}
