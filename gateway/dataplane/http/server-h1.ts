// The HTTP/1.1 server: never listens itself; the port's socket hands it connections (plain
// after sniffing, or TLS after ALPN). Timeouts are set against slowloris and idle hoarding.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ResolvedClientLimits } from '../limits.ts';

/** Idle socket timeout while a request is in progress (a stalled peer). */
const SOCKET_IDLE_MS = 300_000;

function isOnlyH2c(v: string | undefined): boolean {
  return v !== undefined && v.trim().toLowerCase() === 'h2c';
}

export function createH1Server(
  limits: ResolvedClientLimits,
  onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  onUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void,
): http.Server {
  const server = http.createServer({
    // A missing Host gets our own 400 with an access record instead of node's silent one.
    requireHostHeader: false,
    headersTimeout: limits.headersTimeoutMs,
    // 0 would disable it; node wants it >= headersTimeout.
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    keepAliveTimeout: limits.idleTimeoutMs,
    // The timeouts above are checked at this interval: a fraction of the shortest one.
    connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4))),
    maxHeaderSize: limits.maxRequestHeaderBytes,
    insecureHTTPParser: false,
    // "Upgrade: h2c" (deprecated by RFC 9113) is ignored, as RFC 9110 7.8 allows: the request
    // is served over HTTP/1.1; prior-knowledge h2c is what this port speaks. Node >= 24.9.
    shouldUpgradeCallback: (req: http.IncomingMessage) => !isOnlyH2c(req.headers.upgrade),
  } as http.ServerOptions, onRequest);
  server.timeout = SOCKET_IDLE_MS;
  // One more than allowed, so dispatch can tell "too many" (431) from "exactly the limit":
  // node silently drops fields beyond maxHeadersCount.
  server.maxHeadersCount = limits.maxRequestHeaders + 1;
  if (limits.maxRequestsPerConnection > 0) server.maxRequestsPerSocket = limits.maxRequestsPerConnection;
  // Node tracks connections (headersTimeout, requestTimeout, closeIdleConnections) only from
  // the server's 'listening' event, and this server never listens itself: without this, a
  // slowloris client would never meet the header timeout and a drain could not close idle
  // keep-alive connections. The checking interval is unref'd; stopH1Server() clears it.
  server.emit('listening');
  // Deno's node:http ends every keep-alive connection after its response when the server is not
  // listening (denoland/deno#35609, a Deno-only check in resOnFinish): this one listens through
  // the port's socket, which is what the flag means here. Node does not consult the flag there.
  Object.defineProperty(server, 'listening', { configurable: true, get: () => true });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    onUpgrade(req, socket, head);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = `${status === 431 ? 'request header fields too large' : status === 408 ? 'request timeout' : 'bad request'}\n`;
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
  });
  return server;
}

/** Closes idle connections and stops the connection-checking interval started above. */
export function stopH1Server(server: http.Server): void {
  server.closeIdleConnections();
  // net.Server.close() on a server that never listened only reports ERR_SERVER_NOT_RUNNING to
  // the callback; http.Server.close() clears the checking interval first.
  server.close(() => {});
}
