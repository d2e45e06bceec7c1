// One listening socket (gateway address × port): a plain TCP server that sniffs the HTTP/2
// preface (h2c prior knowledge) or a TLS server that picks the certificate by SNI and the
// protocol by ALPN. Its compiled state is swapped in place by update(): the socket, its
// established connections and the TLS session keys all survive a reload.
import net from 'node:net';
import tls from 'node:tls';
import type http2 from 'node:http2';
import type { DataplaneObserver } from '../observer.ts';
import { createH1Server, stopH1Server } from '../http/server-h1.ts';
import { createH2Server } from '../http/server-h2.ts';
import type { CompiledPort } from './compile.ts';
import { handleRequest, type PortState } from './dispatch.ts';
import { checkClientCertificate } from '../tls/client-validation.ts';
import { drainSockets } from './drain.ts';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export class BoundPort {
  readonly state: PortState;
  readonly kind: 'http' | 'https';
  boundPort = 0;
  private readonly server: net.Server | tls.Server;
  // Connection-level limits are fixed for the socket's life (they come from flags).
  private readonly h1: import('node:http').Server;
  private readonly h2: http2.Http2Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private closing: Promise<void> | undefined;

  constructor(compiled: CompiledPort, observer: DataplaneObserver | undefined) {
    this.state = { current: compiled, observer };
    this.kind = compiled.scheme;
    this.h1 = createH1Server(
      compiled.limits,
      (req, res) => handleRequest(this.state, req, res),
      (req, socket, head) => handleRequest(this.state, req, undefined, { socket, head }),
    );
    this.h2 = createH2Server(compiled.limits, (req, res) => handleRequest(this.state, req, res));
    this.h2.on('session', (s: http2.ServerHttp2Session) => {
      this.sessions.add(s);
      s.once('close', () => this.sessions.delete(s));
      // A session opened while draining serves the streams its client sends first, then GOAWAY.
      if (this.state.draining) s.once('stream', () => setImmediate(() => s.close()));
    });
    this.server = this.kind === 'https' ? this.createTls() : this.createPlain();
    // Beyond this, node accepts and closes at once: an attacker cannot exhaust file descriptors.
    if (compiled.limits.maxConnections > 0) this.server.maxConnections = compiled.limits.maxConnections;
    // Bind failures are reported by listen()'s caller; this is for errors once listening.
    this.server.on('error', (err) => {
      if (this.boundPort !== 0) this.event('error', 'listener socket error', { error: err.message });
    });
  }

  private event(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
    try {
      this.state.observer?.onEvent?.(level, message, { gateway: this.state.current.gateway, port: this.state.current.port, ...fields });
    } catch {
      // observers must not throw
    }
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private createPlain(): net.Server {
    return net.createServer({ noDelay: true }, (socket) => {
      this.track(socket);
      // A connection that never sends a byte must not be kept forever.
      socket.setTimeout(this.state.current.limits.headersTimeoutMs, () => socket.destroy());
      let buffered: Buffer | undefined;
      const onData = (chunk: Buffer) => {
        buffered = buffered === undefined ? chunk : Buffer.concat([buffered, chunk]);
        const n = Math.min(buffered.length, PREFACE.length);
        const couldBeH2 = buffered.subarray(0, n).equals(PREFACE.subarray(0, n));
        if (couldBeH2 && n < PREFACE.length) return; // need more bytes to decide
        socket.removeListener('data', onData);
        socket.pause();
        socket.setTimeout(0);
        socket.unshift(buffered);
        (couldBeH2 ? this.h2 : this.h1).emit('connection', socket);
        process.nextTick(() => socket.resume());
      };
      socket.on('data', onData);
    });
  }

  private createTls(): tls.Server {
    const server = tls.createServer({
      ALPNProtocols: ['h2', 'http/1.1'],
      // As on the plain port: a response written in pieces must not wait for the client's ACK.
      noDelay: true,
      handshakeTimeout: 10_000,
      rejectUnauthorized: false,
      requestCert: this.state.current.requestCert,
      SNICallback: (name, cb) => {
        const port = this.state.current;
        const l = port.byHost.lookup(name.toLowerCase()) ?? port.fallback;
        cb(null, l?.context(name));
      },
    }, (socket) => {
      const port = this.state.current;
      const name = typeof socket.servername === 'string' ? socket.servername : undefined;
      const l = (name ? port.byHost.lookup(name.toLowerCase()) : undefined) ?? port.fallback;
      if (l !== undefined && !checkClientCertificate(socket, l.ir)) {
        this.event('warn', 'client certificate rejected', { listener: l.ir.id, reason: socket.authorizationError ?? 'no certificate' });
        socket.destroy();
        return;
      }
      this.track(socket);
      (socket.alpnProtocol === 'h2' ? this.h2 : this.h1).emit('connection', socket);
    });
    server.on('connection', (s: net.Socket) => this.track(s));
    server.on('tlsClientError', (err) => this.event('info', 'TLS handshake failed', { error: err.message }));
    this.applyDefaultContext(server);
    return server;
  }

  private applyDefaultContext(server: tls.Server): void {
    const fb = this.state.current.fallback;
    const cert = fb?.ir.tls?.certificates[0];
    if (cert === undefined) return;
    const ca = fb!.ir.tls?.clientValidation?.caPem;
    server.setSecureContext({ cert: cert.certPem, key: cert.keyPem, ...(ca?.length ? { ca } : {}) });
  }

  /** Serves a connection accepted elsewhere: a TLS port that peeked the ClientHello and put it back. */
  acceptConnection(socket: net.Socket): void {
    this.server.emit('connection', socket);
  }

  listen(address: string, port: number, reusePort = false): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: address, port, reusePort }, () => {
        this.server.removeListener('error', onError);
        this.boundPort = (this.server.address() as net.AddressInfo).port;
        resolve(this.boundPort);
      });
    });
  }

  /** Swaps in a new compiled table; new connections see new certificates, old ones keep theirs. */
  update(compiled: CompiledPort): void {
    const prev = this.state.current;
    this.state.current = compiled;
    if (this.server instanceof tls.Server) {
      // tls.Server reads requestCert per connection; there is no setter in the public API.
      (this.server as unknown as { requestCert: boolean }).requestCert = compiled.requestCert;
      const a = prev.fallback?.ir.tls;
      const b = compiled.fallback?.ir.tls;
      if (a?.certificates[0]?.certPem !== b?.certificates[0]?.certPem || a?.clientValidation?.caPem.join() !== b?.clientValidation?.caPem.join()) {
        this.applyDefaultContext(this.server);
      }
    }
  }

  /**
   * Keeps accepting, but asks every client to leave: HTTP/1.1 responses not yet started (and
   * every later one) carry `Connection: close`, HTTP/2 sessions get GOAWAY and finish their
   * open streams. Sessions that arrive later are asked the same once they start.
   */
  startDrain(): void {
    if (this.state.draining) return;
    this.state.draining = true;
    for (const s of this.sessions) s.close();
    for (const s of this.sockets) {
      const res = (s as net.Socket & { _httpMessage?: import('node:http').ServerResponse })._httpMessage;
      if (res !== undefined && res !== null && !res.headersSent) {
        res.setHeader('connection', 'close');
        res.shouldKeepAlive = false;
      }
    }
  }

  /** Stops accepting at once; open connections finish their requests, then close (or are cut at the deadline). */
  close(drainMs = 30_000): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      this.startDrain();
      this.server.close();
      for (const s of this.sessions) s.close();
      this.h1.closeIdleConnections();
      void drainSockets(this.sockets, drainMs, () => this.h1.closeIdleConnections()).then(() => {
        stopH1Server(this.h1);
        resolve();
      });
    });
    return this.closing;
  }
}
