// The set of bound sockets, diffed on every apply: new (gateway, address, port, transport) keys
// are bound, kept keys get the new compiled table in place (their established connections and
// UDP flows carry on), removed keys stop accepting and drain.
import type { BoundSocket, ApplyResult } from '../api.ts';
import type { DataplaneObserver } from '../observer.ts';
import { UdpPort } from '../l4/udp-proxy.ts';
import { BoundPort } from './bound-port.ts';
import type { CompiledPort } from './compile.ts';
import type { CompiledTcpPort, CompiledTlsPort, CompiledUdpPort } from './compile-l4.ts';
import { StreamPort } from './stream-port.ts';

export type CompiledSocket = CompiledPort | CompiledTcpPort | CompiledTlsPort | CompiledUdpPort;
export type SocketKind = 'http' | 'https' | 'tcp' | 'tls' | 'udp';

export interface WantedSocket {
  gateway: string;
  address: string;
  port: number;
  compiled: CompiledSocket;
}

type AnyPort = BoundPort | StreamPort | UdpPort;

interface Entry {
  key: string;
  want: WantedSocket;
  bound: AnyPort;
}

export function socketKind(c: CompiledSocket): SocketKind {
  return 'scheme' in c ? c.scheme : c.kind;
}

function transportOf(kind: SocketKind): 'tcp' | 'udp' {
  return kind === 'udp' ? 'udp' : 'tcp';
}

function keyOf(w: WantedSocket): string {
  return `${w.gateway}|${w.address}|${w.port}|${transportOf(socketKind(w.compiled))}`;
}

function create(c: CompiledSocket, observer: DataplaneObserver | undefined): AnyPort {
  if ('scheme' in c) return new BoundPort(c, observer);
  if (c.kind === 'udp') return new UdpPort(c, observer);
  return new StreamPort(c, observer);
}

function update(bound: AnyPort, c: CompiledSocket): void {
  // Only called when the kinds agree (checked by the caller).
  if (bound instanceof BoundPort) bound.update(c as CompiledPort);
  else if (bound instanceof UdpPort) bound.update(c as CompiledUdpPort);
  else bound.update(c as CompiledTcpPort | CompiledTlsPort);
}

export class ListenerManager {
  private readonly entries = new Map<string, Entry>();

  private draining = false;

  constructor(
    private readonly portOffset: number,
    private readonly observer: DataplaneObserver | undefined,
    private readonly drainMs: number,
    /** SO_REUSEPORT on every socket (see DataplaneOptions.reusePort). */
    private readonly reusePort = false,
  ) {}

  async apply(wanted: WantedSocket[]): Promise<ApplyResult> {
    const result: ApplyResult = { listening: [], errors: [], listenerErrors: [] };
    const keep = new Set<string>();
    const toOpen: WantedSocket[] = [];
    for (const w of wanted) {
      const key = keyOf(w);
      if (keep.has(key)) continue;
      keep.add(key);
      const e = this.entries.get(key);
      if (e !== undefined && e.bound.kind === socketKind(w.compiled)) {
        update(e.bound, w.compiled);
        e.want = w;
      } else {
        if (e !== undefined) {
          // Another kind of server on the same port (HTTP ↔ HTTPS ↔ TLS ↔ TCP): rebind.
          this.entries.delete(key);
          await closeAndRelease(e.bound, 0);
        }
        toOpen.push(w);
      }
    }
    for (const [key, e] of this.entries) {
      if (keep.has(key)) continue;
      this.entries.delete(key);
      void e.bound.close(this.drainMs);
    }
    await Promise.all(toOpen.map(async (w) => {
      const key = keyOf(w);
      const bound = create(w.compiled, this.observer);
      try {
        await bound.listen(w.address, w.port + this.portOffset, this.reusePort);
        if (this.draining) bound.startDrain();
        this.entries.set(key, { key, want: w, bound });
      } catch (err) {
        void bound.close(0);
        result.errors.push({ gateway: w.gateway, address: w.address, port: w.port, message: (err as Error).message });
      }
    }));
    for (const e of this.entries.values()) result.listening.push(describe(e));
    result.listening.sort((a, b) => a.gateway.localeCompare(b.gateway) || a.address.localeCompare(b.address) || a.port - b.port
      || a.transport.localeCompare(b.transport));
    return result;
  }

  /** Every socket keeps accepting but asks its clients to go elsewhere (see Dataplane.drain). */
  startDrain(): void {
    this.draining = true;
    for (const e of this.entries.values()) e.bound.startDrain();
  }

  async close(drainMs: number): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.bound.close(drainMs)));
  }
}

function describe(e: Entry): BoundSocket {
  return { gateway: e.want.gateway, address: e.want.address, port: e.want.port, boundPort: e.bound.boundPort, transport: transportOf(e.bound.kind) };
}

async function closeAndRelease(b: AnyPort, drainMs: number): Promise<void> {
  void b.close(drainMs);
  // Let libuv release the listening handle before the port is bound again.
  await new Promise((r) => setImmediate(r));
}
