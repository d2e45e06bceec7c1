// Byte-stream proxying for TCPRoute and TLSRoute: one weighted backend choice per connection,
// round-robin endpoints, a connect timeout, half-close in both directions, and exactly one
// access record per connection. Errors end the connection, never the process.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { BackendIR, EndpointIR, L4RouteIR } from '../../ir/index.ts';
import type { AccessRecord, DataplaneObserver } from '../observer.ts';
import { createWeightedPicker, pickEndpoint } from '../upstream/balancer.ts';
import { addResponseFlag, ResponseFlag } from '../response-flags.ts';
import { endpointAddress } from '../http/counted-body.ts';
import { withReadBuffer } from './read-buffer.ts';

export const L4_ERR = {
  NO_ROUTE: ResponseFlag.NO_ROUTE,
  RULE_INVALID: ResponseFlag.RULE_INVALID,
  NO_ENDPOINTS: ResponseFlag.NO_HEALTHY_UPSTREAM,
  CONNECT: ResponseFlag.UPSTREAM_CONNECT,
  CONNECT_TIMEOUT: ResponseFlag.UPSTREAM_CONNECT_TIMEOUT,
  STREAM: ResponseFlag.STREAM,
} as const;

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** A route compiled once per apply: its weighted rotation lives as long as the table. */
export interface CompiledL4Route {
  ir: L4RouteIR;
  pick(): BackendIR | undefined;
}

export function compileL4Route(ir: L4RouteIR): CompiledL4Route {
  return { ir, pick: createWeightedPicker(ir.backends) };
}

export interface StreamContext {
  gateway: string;
  /** ListenerIR.id ('' when no listener owns the connection). */
  listenerId: string;
  protocol: 'TCP' | 'TLS';
  observer: DataplaneObserver | undefined;
  /** SNI, when the connection is TLS. */
  serverName?: string;
  clientAddress: string;
  clientPort: number;
  connectTimeoutMs?: number;
  /** When the connection was accepted (the peek and handshake count toward its duration). */
  startedAt?: bigint;
}

export function newRecord(ctx: StreamContext): AccessRecord {
  return {
    time: new Date().toISOString(), gateway: ctx.gateway, listener: ctx.listenerId, protocol: ctx.protocol,
    clientAddress: ctx.clientAddress, clientPort: ctx.clientPort,
    method: '', authority: ctx.serverName ?? '', path: '', status: 0, durationMs: 0, bytesIn: 0, bytesOut: 0,
  };
}

export function emitRecord(observer: DataplaneObserver | undefined, rec: AccessRecord, startedAt: bigint): void {
  rec.durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  try {
    observer?.onRequest?.(rec);
  } catch {
    // observers must not throw; a connection is not the place to fail if they do
  }
}

/**
 * Connects `client` to a backend of `route` and relays bytes both ways. `head` is written
 * upstream first (the peeked ClientHello for passthrough). No route, an invalid backend or no
 * endpoint closes the client: L4 has no way to answer with an error.
 */
export function proxyStream(client: Duplex, route: CompiledL4Route | undefined, ctx: StreamContext, head?: Buffer): void {
  const startedAt = ctx.startedAt ?? process.hrtime.bigint();
  const rec = newRecord(ctx);
  const refuse = (status: number, error: ResponseFlag) => {
    rec.status = status;
    addResponseFlag(rec, error);
    rec.bytesIn = head?.length ?? 0;
    client.destroy();
    emitRecord(ctx.observer, rec, startedAt);
  };
  if (route === undefined) return refuse(404, L4_ERR.NO_ROUTE);
  rec.route = route.ir.route;
  const backend = route.pick();
  if (backend === undefined) return refuse(500, L4_ERR.RULE_INVALID);
  rec.backend = backend.id;
  if (backend.invalid !== undefined) return refuse(backend.invalid.status, L4_ERR.RULE_INVALID);
  const ep = pickEndpoint(backend);
  if (ep === undefined) return refuse(503, L4_ERR.NO_ENDPOINTS);
  rec.upstreamAddress = endpointAddress(ep);
  relay(client, ep, backend, ctx, rec, startedAt, head);
}


// Upstream bytes, and a TCP listener's client bytes (acceptClient), are read into this one buffer
// (onread) and copied out at once, instead of each read becoming a stream chunk that pipe()
// re-emits: reads run one at a time on the event loop, so every connection can share it.
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Copies what a read left in the shared buffer and writes it on; false stops reading until `to` drains. */
function forward(buf: Uint8Array, n: number, to: Duplex, resumeFrom: () => void): boolean {
  const chunk = Buffer.allocUnsafe(n);
  chunk.set(buf.subarray(0, n));
  if (to.write(chunk)) return true;
  to.once('drain', resumeFrom);
  return false;
}

/** A client whose reads land in READ_BUFFER; `upstream` is set before it is first resumed. */
interface BufferedClient {
  upstream: Duplex | undefined;
}
const bufferedClients = new WeakMap<Duplex, BufferedClient>();

/**
 * A TCP listener's accepted socket, re-made to read into the shared buffer (read-buffer.ts), or the
 * socket itself where that cannot be done; either way paused until proxyStream() connects it.
 */
export function acceptClient(socket: net.Socket): net.Socket {
  const state: BufferedClient = { upstream: undefined };
  const resumeClient = () => adopted?.resume();
  const adopted = withReadBuffer(socket, {
    buffer: READ_BUFFER,
    callback(n: number, buf: Uint8Array): boolean {
      const up = state.upstream;
      if (up === undefined || up.destroyed) return false;
      return forward(buf, n, up, resumeClient);
    },
  });
  if (adopted === undefined) return socket;
  bufferedClients.set(adopted, state);
  return adopted;
}

function relay(client: Duplex, ep: EndpointIR, backend: BackendIR, ctx: StreamContext, rec: AccessRecord, startedAt: bigint, head: Buffer | undefined): void {
  const resumeUpstream = () => upstream.resume();
  const upstream = net.connect({
    host: ep.address, port: ep.port, allowHalfOpen: true, noDelay: true,
    onread: {
      buffer: READ_BUFFER,
      callback(n: number, buf: Uint8Array): boolean {
        if (client.destroyed) return false;
        // Backpressure: stop reading the backend until the client has taken what it was sent.
        return forward(buf, n, client, resumeUpstream);
      },
    },
  });
  let connected = false;
  let finished = false;
  let closedSides = 0;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    rec.bytesIn = upstream.bytesWritten;
    rec.bytesOut = upstream.bytesRead;
    if (rec.status === 0) rec.status = connected ? 200 : 503;
    emitRecord(ctx.observer, rec, startedAt);
  };
  const fail = (error: ResponseFlag) => {
    addResponseFlag(rec, error);
    if (!connected) {
      try {
        ctx.observer?.onUpstreamError?.(backend.id, error);
      } catch {
        // observers must not throw
      }
    }
    upstream.destroy();
    client.destroy();
  };
  const timer = setTimeout(() => fail(L4_ERR.CONNECT_TIMEOUT), ctx.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  timer.unref();
  const sideClosed = () => {
    if (++closedSides === 2) finish();
  };
  upstream.once('close', sideClosed);
  client.once('close', sideClosed);
  upstream.on('error', () => fail(connected ? L4_ERR.STREAM : L4_ERR.CONNECT));
  client.on('error', () => fail(L4_ERR.STREAM));
  // The client may go away before the backend answers the connect.
  client.once('close', () => {
    if (!upstream.destroyed && (!connected || !client.readableEnded)) upstream.destroy();
  });
  upstream.once('close', () => {
    if (!client.destroyed && !upstream.readableEnded) client.destroy();
  });
  upstream.once('connect', () => {
    connected = true;
    clearTimeout(timer);
    rec.status = 200;
    if (head !== undefined && head.length > 0) upstream.write(head);
    // One side's end ends the other's writing: TCP half-close in both directions.
    const buffered = bufferedClients.get(client);
    if (buffered !== undefined) {
      buffered.upstream = upstream;
      client.once('end', () => upstream.end());
    } else client.pipe(upstream);
    upstream.once('end', () => client.end());
    upstream.resume();
    client.resume();
  });
}
