// echo-basic's HTTP side: HTTP/1.1 on HTTP_PORT, h2c on H2C_PORT, HTTPS (h2 + http/1.1) on HTTPS_PORT.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import { canonicalHeaderKey, parseGoDuration } from '../go-rules.ts';
import type { Closer, EchoContext } from './echo-context.ts';

type Req = http.IncomingMessage | http2.Http2ServerRequest;
// The HTTP/2 compat response has the same surface for what is used here.
type Res = http.ServerResponse;

function goHeaders(req: Req): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (name.startsWith(':') || name.toLowerCase() === 'host') continue;
    const key = canonicalHeaderKey(name);
    (out[key] ??= []).push(raw[i + 1]);
  }
  return out;
}

function tlsInfo(req: Req): Record<string, unknown> | undefined {
  const sock = req.socket as TLSSocket;
  if (!sock || !(sock as any).encrypted) return undefined;
  const info: Record<string, unknown> = { version: sock.getProtocol?.() ?? '' };
  const peer = sock.getPeerX509Certificate?.();
  if (peer) info.peerCertificates = [peer.toString()];
  info.serverName = (sock as any).servername || '';
  if (sock.alpnProtocol) info.negotiatedProtocol = sock.alpnProtocol;
  info.cipherSuite = sock.getCipher?.()?.standardName ?? '';
  return info;
}

function echo(ctx: EchoContext, req: Req, res: Res): void {
  const body: Record<string, unknown> = {
    path: req.url,
    host: (req.headers[':authority'] as string | undefined) ?? req.headers.host ?? '',
    method: req.method,
    proto: `HTTP/${req.httpVersion}`,
    headers: goHeaders(req),
    httpPort: ctx.env.HTTP_PORT ?? '3000',
    namespace: ctx.env.NAMESPACE ?? '',
    ingress: ctx.env.INGRESS_NAME ?? '',
    service: ctx.env.SERVICE_NAME ?? '',
    pod: ctx.env.POD_NAME ?? '',
  };
  const tls = tlsInfo(req);
  if (tls) body.tls = tls;
  const setHeader = req.headers['x-echo-set-header'];
  if (typeof setHeader === 'string') {
    for (const kv of setHeader.split(',')) {
      const i = kv.indexOf(':');
      if (i <= 0) continue;
      try { res.setHeader(kv.slice(0, i).trim(), kv.slice(i + 1).trim()); } catch { /* invalid header names are ignored */ }
    }
  }
  ctx.records.push({ uri: req.url ?? '', remote: `${req.socket?.remoteAddress}:${req.socket?.remotePort}`, at: Date.now() });
  const text = JSON.stringify(body, null, 1);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.writeHead(200);
  res.end(text);
}

function redirect(res: Res, to: string): void {
  res.setHeader('Location', to);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.writeHead(301);
  res.end(`<a href="${to}">Moved Permanently</a>.\n\n`);
}

/** Go ServeMux cleaning: collapse `//`, resolve `.` and `..`. */
export function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  let cleaned = '/' + out.join('/');
  if (p.endsWith('/') && cleaned !== '/') cleaned += '/';
  return cleaned;
}

export function handler(ctx: EchoContext) {
  return (req: Req, res: Res): void => {
    const uri = req.url ?? '/';
    const url = new URL(uri, 'http://echo');
    // WHATWG URL resolves dot segments itself: clean the raw path as Go's ServeMux sees it.
    const rawPath = uri.split('?')[0];
    const routed = cleanPath(rawPath);
    if (routed !== rawPath && !rawPath.includes('//')) return redirect(res, routed + url.search);
    const run = () => {
      if (routed === '/health') { res.writeHead(200); res.end('OK'); return; }
      if (routed === '/status' || routed === '/retry') return redirect(res, routed + '/' + url.search);
      const status = /^\/status\/(\d{3})/.exec(uri);
      if (status) { res.writeHead(Number(status[1])); res.end(); return; }
      if (routed.startsWith('/retry/')) {
        const uuid = url.searchParams.get('uuid') ?? '';
        const succeedAfter = Number(url.searchParams.get('succeedAfter') ?? '0');
        const code = url.searchParams.get('responseCode');
        const attempt = (ctx.retries.get(uuid) ?? 0) + 1;
        ctx.retries.set(uuid, attempt);
        if (attempt <= succeedAfter) {
          const fail = () => {
            if (code) { res.writeHead(Number(code)); res.end(); } else req.socket?.resetAndDestroy?.();
          };
          const d = parseGoDuration(url.searchParams.get('delayRetry') ?? '') ?? 0;
          if (d > 0) setTimeout(fail, d); else fail();
          return;
        }
      }
      echo(ctx, req, res);
    };
    const delay = parseGoDuration(url.searchParams.get('delay') ?? '');
    if (delay && delay > 0) setTimeout(run, delay); else run();
  };
}

function listen(server: net.Server, ip: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => { server.off('error', reject); resolve(); });
  });
}

function attachWebSocket(server: http.Server | https.Server): void {
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://echo').pathname;
    // golang.org/x/net/websocket's Handler refuses a handshake without Origin.
    if (path !== '/ws' || !req.headers.origin) {
      socket.end(`HTTP/1.1 ${path === '/ws' ? '403 Forbidden' : '400 Bad Request'}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
}

function closeServer(s: net.Server & { closeAllConnections?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections?.();
    setTimeout(resolve, 500).unref();
  });
}

export async function startHttpEcho(ctx: EchoContext): Promise<Closer> {
  const ip = ctx.pod.ip;
  const h = handler(ctx);
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Server) => { s.on('connection', (c: net.Socket) => { sockets.add(c); c.on('close', () => sockets.delete(c)); }); servers.push(s); };

  const h2 = http2.createServer(h as any);
  try {
    const h1 = http.createServer({ keepAliveTimeout: 2000 }, h);
    attachWebSocket(h1);
    track(h1);
    await listen(h1, ip, Number(ctx.env.HTTP_PORT ?? 3000));

    // h2c: prior knowledge goes to the HTTP/2 server; any HTTP/1.1 request gets echo-basic's 400.
    const h2c1 = http.createServer((_req, res) => { res.writeHead(400, { 'Content-Type': 'text/plain' }); res.end('Expected h2c request'); });
    const sniff = net.createServer((sock) => {
      const preface = 'PRI * HTTP/2.0';
      let buf = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const seen = buf.toString('latin1');
        if (buf.length < preface.length && preface.startsWith(seen)) return;
        sock.off('data', onData);
        // The sniffed bytes are already read, so the session gets a JS stream that replays them
        // (node's HTTP/2 reads a net.Socket's native handle directly and would miss them).
        const replay = new Duplex({
          read() { sock.resume(); },
          write(chunk, _enc, cb) { sock.write(chunk, cb); },
          final(cb) { sock.end(); cb(); },
          destroy(err, cb) { sock.destroy(); cb(err); },
        });
        sock.on('data', (x: Buffer) => { if (!replay.push(x)) sock.pause(); });
        sock.on('end', () => replay.push(null));
        sock.on('close', () => replay.destroy());
        replay.push(buf);
        (seen.startsWith(preface) ? h2 : h2c1).emit('connection', replay);
      };
      sock.on('data', onData);
      sock.on('error', () => sock.destroy());
    });
    track(sniff);
    await listen(sniff, ip, Number(ctx.env.H2C_PORT ?? 3001));

    const cert = ctx.file(ctx.env.TLS_SERVER_CERT);
    const key = ctx.file(ctx.env.TLS_SERVER_PRIVKEY);
    if (cert && key) {
      const ca = ctx.file(ctx.env.TLS_CLIENT_CACERTS) ?? ctx.env.TLS_CLIENT_CACERTS_PEM;
      const tlsServer = http2.createSecureServer({ cert, key, allowHTTP1: true, ALPNProtocols: ['h2', 'http/1.1'], ...(ca ? { ca, requestCert: true, rejectUnauthorized: false } : {}) }, h as any);
      // echo-basic's VerifyClientCertIfGiven: no certificate is fine, a bad one is refused.
      if (ca) tlsServer.on('secureConnection', (t: TLSSocket) => { if (t.getPeerCertificate()?.raw && !t.authorized) t.destroy(); });
      track(tlsServer);
      await listen(tlsServer, ip, Number(ctx.env.HTTPS_PORT ?? 8443));
    }
  } catch (e) {
    // A half-started pod must not keep its other ports (it is retried on another address).
    await Promise.all(servers.map((x) => closeServer(x as any)));
    throw e;
  }
  return {
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => closeServer(s as any)));
      h2.close();
    },
  };
}
