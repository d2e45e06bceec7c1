// A listening TCP socket for TCP listeners, or for TLS listeners (with HTTPS listeners beside
// them): the ClientHello is peeked once, its SNI picks the owning listener across all of the
// port's TLS-based listeners, and the connection goes to the HTTPS server (peeked bytes put
// back), the TLS terminator, or raw to a passthrough backend. update() swaps the compiled
// state in place: established connections are untouched by a reload.
import net from 'node:net';
import type { DataplaneObserver } from '../observer.ts';
import { peekClientHello } from '../l4/client-hello.ts';
import { passthroughRoute } from '../l4/passthrough.ts';
import { terminateAndProxy } from '../l4/tls-terminate.ts';
import { acceptClient, proxyStream, emitRecord, newRecord, L4_ERR } from '../l4/tcp-proxy.ts';
import { BoundPort } from './bound-port.ts';
import { drainSockets } from './drain.ts';
import type { CompiledTcpPort, CompiledTlsPort } from './compile-l4.ts';
import { addResponseFlag } from '../response-flags.ts';

export class StreamPort {
  readonly kind: 'tcp' | 'tls';
  boundPort = 0;
  private current: CompiledTcpPort | CompiledTlsPort;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** The HTTPS side of a TLS port; it never listens itself, it is handed connections. */
  private https: BoundPort | undefined;
  private closing: Promise<void> | undefined;
  private draining = false;

  constructor(compiled: CompiledTcpPort | CompiledTlsPort, private readonly observer: DataplaneObserver | undefined) {
    this.current = compiled;
    this.kind = compiled.kind;
    this.syncHttps(compiled);
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (s) => this.accept(s));
    this.server.on('error', (err) => {
      if (this.boundPort !== 0) this.event('error', 'listener socket error', { error: err.message });
    });
  }

  private event(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
    try {
      this.observer?.onEvent?.(level, message, { gateway: this.current.gateway, port: this.current.port, ...fields });
    } catch {
      // observers must not throw
    }
  }

  private syncHttps(c: CompiledTcpPort | CompiledTlsPort): void {
    const https = c.kind === 'tls' ? c.https : undefined;
    if (https === undefined) {
      // Its open connections keep being served until they end.
      if (this.https !== undefined) void this.https.close();
      this.https = undefined;
    } else if (this.https === undefined) {
      this.https = new BoundPort(https, this.observer);
      if (this.draining) this.https.startDrain();
    }
    else this.https.update(https);
  }

  private accept(accepted: net.Socket): void {
    // A TCP listener's client bytes go through the shared read buffer, as the backend's do.
    const socket = this.current.kind === 'tcp' ? acceptClient(accepted) : accepted;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const c = this.current;
    const startedAt = process.hrtime.bigint();
    const clientAddress = socket.remoteAddress ?? '';
    const clientPort = socket.remotePort ?? 0;
    if (c.kind === 'tcp') {
      proxyStream(socket, c.route, { gateway: c.gateway, listenerId: c.listener.id, protocol: 'TCP', observer: this.observer, clientAddress, clientPort, startedAt });
      return;
    }
    socket.resume();
    void peekClientHello(socket).then(({ hello, buffered }) => {
      if (socket.destroyed) return;
      // The table may have been swapped during the peek: route with the one current now.
      const port = this.current;
      if (port.kind !== 'tls') return void socket.destroy();
      if (hello.kind !== 'hello') {
        this.event('info', 'TLS connection without a valid ClientHello', { reason: hello.kind === 'invalid' ? hello.reason : '' });
        return void socket.destroy();
      }
      const sni = hello.serverName;
      const l = port.byHost.lookup(sni ?? '');
      if ((l === undefined || l.kind === 'https') && this.https !== undefined) {
        // HTTPS listeners handle names no TLS listener owns as they do on an HTTPS-only port.
        socket.unshift(buffered);
        this.https.acceptConnection(socket);
        process.nextTick(() => socket.resume());
        return;
      }
      const ctx = { gateway: port.gateway, listenerId: l?.ir.id ?? '', protocol: 'TLS' as const, observer: this.observer, serverName: sni, clientAddress, clientPort, startedAt };
      if (l === undefined || l.kind === 'https') {
        const rec = newRecord(ctx);
        rec.status = 404;
        addResponseFlag(rec, L4_ERR.NO_ROUTE);
        rec.bytesIn = buffered.length;
        socket.destroy();
        emitRecord(this.observer, rec, startedAt);
        return;
      }
      if (l.kind === 'passthrough') {
        proxyStream(socket, passthroughRoute(l.passthrough, sni), ctx, buffered);
        return;
      }
      socket.unshift(buffered);
      terminateAndProxy(socket, l.terminate, ctx);
    }, () => socket.destroy());
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

  update(compiled: CompiledTcpPort | CompiledTlsPort): void {
    this.current = compiled;
    this.syncHttps(compiled);
  }

  /** TCP and TLS streams carry no protocol to ask a client to leave; the HTTPS side does. */
  startDrain(): void {
    this.draining = true;
    this.https?.startDrain();
  }

  /** Stops accepting; open streams may finish until the deadline, then are cut. */
  close(drainMs = 10_000): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      this.server.close();
      const inner = this.https?.close(drainMs);
      void drainSockets(this.sockets, drainMs).then(() => inner).then(() => resolve());
    });
    return this.closing;
  }
}
