// The HTTP/2 server (h2c prior knowledge on plain ports, ALPN h2 on TLS ports). Like the h1
// server it never listens: sockets are handed to it with emit('connection').
//
// Flood limits: nghttp2 (Node >= 22) already ends a session that floods PING or SETTINGS (it
// stops reading once too many acknowledgements are queued), sends more CONTINUATION frames than
// a header list can hold (CVE-2024-27316 class), or sends invalid frames; an HPACK bomb is bounded
// by maxHeaderListSize and maxSessionMemory. What it does not bound is a client that opens streams
// and cancels them at once (rapid reset, CVE-2023-44487): each stream still costs a request to a
// backend. Those premature resets are counted per session here.
import http2 from 'node:http2';
import type { ResolvedClientLimits } from '../limits.ts';

const { NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;

interface SessionCounters {
  streams: number;
  resets: number;
  maxResets: number;
}

const COUNTERS = Symbol('portico.h2.counters');
type CountedSession = http2.ServerHttp2Session & { [COUNTERS]?: SessionCounters };

// Shared listeners (no closure per stream): the counters hang off the session.
function onStream(stream: http2.ServerHttp2Stream): void {
  const c = (stream.session as CountedSession | undefined)?.[COUNTERS];
  if (c === undefined) return;
  c.streams++;
  stream.once('aborted', onAborted);
}

function onAborted(this: http2.ServerHttp2Stream): void {
  const session = this.session as CountedSession | undefined;
  const c = session?.[COUNTERS];
  if (session === undefined || c === undefined) return;
  c.resets++;
  // A browser cancels some streams; an attacker cancels nearly all of them, fast.
  if (c.resets > c.maxResets && c.resets * 2 > c.streams && !session.destroyed) {
    session.goaway(NGHTTP2_ENHANCE_YOUR_CALM);
    session.destroy();
  }
}

export function createH2Server(
  limits: ResolvedClientLimits,
  onRequest: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
): http2.Http2Server {
  const server = http2.createServer({
    maxSessionMemory: 32,
    // The pseudo-headers (:method, :scheme, :authority, :path) count as pairs too.
    maxHeaderListPairs: limits.maxRequestHeaders + 4,
    maxSessionInvalidFrames: 100,
    maxSessionRejectedStreams: 100,
    maxOutstandingPings: 10,
    settings: { maxConcurrentStreams: limits.http2MaxConcurrentStreams, maxHeaderListSize: limits.maxRequestHeaderBytes },
    // Upgrade requests belong to HTTP/1.1; over h2 the compat API is enough.
  }, onRequest);
  server.setTimeout(300_000);
  server.on('sessionError', () => {});
  server.on('stream', onStream);
  server.on('session', (session: CountedSession) => {
    session[COUNTERS] = { streams: 0, resets: 0, maxResets: limits.http2MaxPrematureResets };
    session.on('error', () => session.destroy());
    session.setTimeout(limits.idleTimeoutMs, () => session.close());
  });
  return server;
}
