// TLS Terminate for TLSRoute: the gateway completes the handshake with the listener's
// certificate for the SNI (the same SecureContexts HTTPS listeners use) and relays the
// plaintext to the backend of the listener's first route.
import type net from 'node:net';
import tls from 'node:tls';
import type { ListenerIR } from '../../ir/index.ts';
import type { SecureContextCache } from '../tls/contexts.ts';
import { selectCertificate } from '../tls/sni.ts';
import { compileL4Route, proxyStream, type CompiledL4Route, type StreamContext } from './tcp-proxy.ts';

export const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface CompiledTerminate {
  route: CompiledL4Route | undefined;
  context(serverName: string | undefined): tls.SecureContext | undefined;
}

export function compileTerminate(l: ListenerIR, contexts: SecureContextCache): CompiledTerminate {
  const certs = l.tls?.certificates ?? [];
  const byCert = new Map(certs.map((c) => [c, contexts.get(c, l)]));
  const first = l.l4?.[0];
  return {
    route: first === undefined ? undefined : compileL4Route(first),
    context(serverName) {
      const c = selectCertificate(certs, serverName);
      return c === undefined ? undefined : byCert.get(c);
    },
  };
}

/**
 * Terminates TLS on `raw` (whose peeked bytes were already unshifted back onto it) and proxies
 * the plaintext. A listener without a usable certificate closes the connection.
 */
export function terminateAndProxy(raw: net.Socket, t: CompiledTerminate, ctx: StreamContext, onSocket?: (s: tls.TLSSocket) => void): void {
  const secureContext = t.context(ctx.serverName);
  if (secureContext === undefined || t.route === undefined) {
    // Without a route there is nothing to offer: close before the handshake (EOF for the client).
    proxyStream(raw, t.route, ctx);
    return;
  }
  const socket = new tls.TLSSocket(raw, { isServer: true, secureContext });
  onSocket?.(socket);
  const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
  timer.unref();
  socket.on('error', () => socket.destroy());
  socket.once('close', () => {
    clearTimeout(timer);
    raw.destroy();
  });
  socket.once('secure', () => {
    clearTimeout(timer);
    socket.removeAllListeners('error');
    proxyStream(socket, t.route, ctx);
  });
}
