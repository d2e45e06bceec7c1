// UDPRoute: each client address is a flow with its own upstream socket (so replies find their
// way back), chosen once per flow by weight and round-robin endpoint. Flows expire when idle
// and are bounded in number (the oldest is evicted). A reload swaps the compiled route for new
// flows; established flows keep their upstream while the listener exists.
import dgram from 'node:dgram';
import net from 'node:net';
import type { BackendIR, EndpointIR, ListenerIR } from '../../ir/index.ts';
import type { AccessRecord, DataplaneObserver } from '../observer.ts';
import { pickEndpoint } from '../upstream/balancer.ts';
import { L4_ERR, emitRecord, type CompiledL4Route } from './tcp-proxy.ts';
import { addResponseFlag, type ResponseFlag } from '../response-flags.ts';
import { endpointAddress } from '../http/counted-body.ts';

export interface CompiledUdp {
  gateway: string;
  port: number;
  listener: ListenerIR;
  route: CompiledL4Route | undefined;
}

export interface UdpLimits {
  idleMs?: number;
  maxFlows?: number;
}

export const DEFAULT_UDP_IDLE_MS = 60_000;
export const DEFAULT_UDP_MAX_FLOWS = 16_384;
const MAX_DATAGRAM = 65_535;

interface Flow {
  key: string;
  upstream: dgram.Socket;
  lastSeen: number;
  startedAt: bigint;
  rec: AccessRecord;
  closed: boolean;
  /** Datagrams that arrived before the upstream socket finished connecting. */
  pending: Buffer[] | undefined;
}

/** Datagrams kept per flow while its upstream socket connects; more are dropped (UDP may). */
const MAX_PENDING = 64;

export class UdpPort {
  readonly kind = 'udp' as const;
  boundPort = 0;
  private current: CompiledUdp;
  private socket: dgram.Socket | undefined;
  private readonly flows = new Map<string, Flow>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly idleMs: number;
  private readonly maxFlows: number;

  constructor(compiled: CompiledUdp, private readonly observer: DataplaneObserver | undefined, limits: UdpLimits = {}) {
    this.current = compiled;
    this.idleMs = limits.idleMs ?? DEFAULT_UDP_IDLE_MS;
    this.maxFlows = limits.maxFlows ?? DEFAULT_UDP_MAX_FLOWS;
  }

  /** Open flows (for tests and the admin endpoint). */
  get flowCount(): number {
    return this.flows.size;
  }

  listen(address: string, port: number, reusePort = false): Promise<number> {
    // reusePort: each worker holds its own socket; the kernel hashes a client's flow to one of them.
    const socket = dgram.createSocket({ type: net.isIPv6(address) ? 'udp6' : 'udp4', reusePort });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address, port }, () => {
        socket.removeListener('error', reject);
        socket.on('error', (err) => this.event('error', 'UDP listener socket error', { error: err.message }));
        socket.on('message', (msg, rinfo) => {
          try {
            this.onMessage(msg, rinfo);
          } catch (err) {
            this.event('error', 'UDP datagram handling failed', { error: (err as Error).message });
          }
        });
        this.boundPort = socket.address().port;
        const tick = Math.max(50, Math.min(this.idleMs / 4, 5_000));
        this.sweeper = setInterval(() => this.sweep(), tick);
        this.sweeper.unref();
        resolve(this.boundPort);
      });
    });
  }

  update(compiled: CompiledUdp): void {
    this.current = compiled;
  }

  /** Datagrams have no connection to ask to go elsewhere: flows carry on until close(). */
  startDrain(): void {}

  /** Flows have no request boundary to drain at: they are closed at once. */
  close(_drainMs?: number): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const f of [...this.flows.values()]) this.closeFlow(f);
    const s = this.socket;
    this.socket = undefined;
    if (s === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  private event(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
    try {
      this.observer?.onEvent?.(level, message, { gateway: this.current.gateway, port: this.current.port, ...fields });
    } catch {
      // observers must not throw
    }
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}|${rinfo.port}`;
    let flow = this.flows.get(key);
    if (flow === undefined) {
      flow = this.openFlow(key, rinfo);
      if (flow === undefined) return;
    } else {
      // Re-insert so the Map's order stays least-recently-used first, for eviction.
      this.flows.delete(key);
      this.flows.set(key, flow);
    }
    flow.lastSeen = Date.now();
    flow.rec.bytesIn += msg.length;
    if (flow.pending !== undefined) {
      if (flow.pending.length < MAX_PENDING) flow.pending.push(msg);
      return;
    }
    this.forward(flow, msg);
  }

  private forward(flow: Flow, msg: Buffer): void {
    try {
      flow.upstream.send(msg, (err) => {
        if (err) this.event('warn', 'UDP send to backend failed', { error: err.message, backend: flow.rec.backend });
      });
    } catch (err) {
      this.event('warn', 'UDP send to backend failed', { error: (err as Error).message, backend: flow.rec.backend });
    }
  }

  private openFlow(key: string, rinfo: dgram.RemoteInfo): Flow | undefined {
    const c = this.current;
    const rec: AccessRecord = {
      time: new Date().toISOString(), gateway: c.gateway, listener: c.listener.id, protocol: 'UDP',
      clientAddress: rinfo.address, clientPort: rinfo.port,
      method: '', authority: '', path: '', status: 0, durationMs: 0, bytesIn: 0, bytesOut: 0,
    };
    const startedAt = process.hrtime.bigint();
    const drop = (status: number, error: ResponseFlag) => {
      rec.status = status;
      addResponseFlag(rec, error);
      emitRecord(this.observer, rec, startedAt);
      return undefined;
    };
    if (c.route === undefined) return drop(404, L4_ERR.NO_ROUTE);
    rec.route = c.route.ir.route;
    const backend: BackendIR | undefined = c.route.pick();
    if (backend === undefined) return drop(500, L4_ERR.RULE_INVALID);
    rec.backend = backend.id;
    if (backend.invalid !== undefined) return drop(backend.invalid.status, L4_ERR.RULE_INVALID);
    const ep: EndpointIR | undefined = pickEndpoint(backend);
    if (ep === undefined) return drop(503, L4_ERR.NO_ENDPOINTS);
    rec.upstreamAddress = endpointAddress(ep);
    rec.status = 200;
    while (this.flows.size >= this.maxFlows) {
      const oldest = this.flows.values().next().value as Flow | undefined;
      if (oldest === undefined) break;
      this.closeFlow(oldest);
    }
    const upstream = dgram.createSocket({ type: net.isIPv6(ep.address) ? 'udp6' : 'udp4' });
    const flow: Flow = { key, upstream, lastSeen: Date.now(), startedAt, rec, closed: false, pending: [] };
    upstream.on('error', (err) => {
      this.event('warn', 'UDP backend socket error', { error: err.message, backend: backend.id });
      addResponseFlag(rec, L4_ERR.STREAM);
    });
    upstream.on('message', (reply) => {
      if (flow.closed || this.socket === undefined) return;
      flow.lastSeen = Date.now();
      rec.bytesOut += reply.length;
      if (reply.length > MAX_DATAGRAM) return;
      try {
        this.socket.send(reply, rinfo.port, rinfo.address);
      } catch {
        // the listener is closing
      }
    });
    // connect() fixes the peer: datagrams from anyone else are dropped by the kernel.
    upstream.connect(ep.port, ep.address, () => {
      const queued = flow.pending ?? [];
      flow.pending = undefined;
      if (!flow.closed) for (const m of queued) this.forward(flow, m);
    });
    this.flows.set(key, flow);
    return flow;
  }

  private closeFlow(f: Flow): void {
    if (f.closed) return;
    f.closed = true;
    this.flows.delete(f.key);
    try {
      f.upstream.close();
    } catch {
      // already closed
    }
    emitRecord(this.observer, f.rec, f.startedAt);
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    // Replies refresh lastSeen without reordering the Map, so every flow is checked.
    for (const f of [...this.flows.values()]) if (f.lastSeen <= cutoff) this.closeFlow(f);
  }
}
