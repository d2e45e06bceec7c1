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
import { FrameScanner, closeFrame } from './ws-frames.ts';
import { addResponseFlag } from '../response-flags.ts';

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

const MESSAGE_TOO_BIG = 1009;

/**
 * Relays client `a` and upstream `b` until either closes. With `maxMessageBytes`, the client's
 * frames are read as they pass (ws-frames.ts): a message over the bound is not relayed, both
 * sides get a close frame with 1009 (the client only where the upstream's stream is between
 * frames; else its connection is just closed) and the connection ends.
 */
function pipeBoth(
  a: Duplex, b: Duplex, onBytesIn: (n: number) => void, onBytesOut: (n: number) => void,
  maxMessageBytes: number, onTooBig: () => void,
): Promise<void> {
  return new Promise((resolve) => {
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      a.destroy();
      b.destroy();
      resolve();
    };
    b.on('data', (c: Buffer) => onBytesOut(c.length));
    if (maxMessageBytes > 0) {
      const fromClient = new FrameScanner(maxMessageBytes);
      const fromUpstream = new FrameScanner(0);
      b.on('data', (c: Buffer) => fromUpstream.scan(c));
      const resume = () => a.resume();
      b.on('drain', resume);
      a.on('data', (c: Buffer) => {
        const r = fromClient.scan(c);
        let full = false;
        for (const piece of r.out) {
          onBytesIn(piece.length);
          if (!b.write(piece)) full = true;
        }
        if (r.tooBig) {
          a.pause();
          b.unpipe(a);
          onTooBig();
          // The gateway speaks as the client to the upstream (masked) and as the server to the client.
          let pending = fromUpstream.atBoundary ? 2 : 1;
          const flushed = () => { if (--pending === 0) close(); };
          b.end(closeFrame(MESSAGE_TOO_BIG, true), flushed);
          if (fromUpstream.atBoundary) a.end(closeFrame(MESSAGE_TOO_BIG, false), flushed);
          // Bounded: a peer that never reads must not keep the sockets.
          setTimeout(close, 5_000).unref();
          return;
        }
        if (full) a.pause();
      });
    } else {
      a.on('data', (c: Buffer) => onBytesIn(c.length));
      a.pipe(b);
    }
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
      // Bytes that came with either handshake go back onto their socket, to be relayed (and,
      // from the client, read for the message bound) like everything after them.
      if (upHead.length > 0) upSocket.unshift(upHead);
      if (up.head.length > 0) client.unshift(up.head);
      client.off('close', onClientClose);
      pipeBoth(client, upSocket, (n) => (ex.record.bytesIn += n), (n) => (ex.record.bytesOut += n), up.maxMessageBytes ?? 0,
        () => addResponseFlag(ex.record, 'GW_ERR_WEBSOCKET_MESSAGE_TOO_BIG')).then(finish);
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
