// The HTTP/2 server (h2c prior knowledge on plain ports, ALPN h2 on TLS ports). Like the h1
// server it never listens: sockets are handed to it with emit('connection').
import http2 from 'node:http2';

export function createH2Server(
  onRequest: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
): http2.Http2Server {
  const server = http2.createServer({
    maxSessionMemory: 32,
    maxHeaderListPairs: 200,
    settings: { maxConcurrentStreams: 250, maxHeaderListSize: 64 * 1024 },
    // Upgrade requests belong to HTTP/1.1; over h2 the compat API is enough.
  }, onRequest);
  server.setTimeout(300_000);
  server.on('sessionError', () => {});
  server.on('session', (session) => {
    session.on('error', () => session.destroy());
    session.setTimeout(300_000, () => session.close());
  });
  return server;
}
